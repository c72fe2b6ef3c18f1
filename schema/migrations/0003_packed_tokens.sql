-- token_ids int[] → bytea of little-endian int32, logprobs real[] → bytea of little-endian float32 (schema/packed.ts).
-- int4send/float4send give big-endian bytes: each element's 4 bytes are reversed. Existing rows are converted.
ALTER TABLE "completions" ADD COLUMN "token_ids_packed" bytea;--> statement-breakpoint
ALTER TABLE "completions" ADD COLUMN "logprobs_packed" bytea;--> statement-breakpoint
UPDATE "completions" SET
  "token_ids_packed" = CASE WHEN "token_ids" IS NULL THEN NULL ELSE (
    SELECT coalesce(string_agg(substring(b from 4 for 1) || substring(b from 3 for 1) || substring(b from 2 for 1) || substring(b from 1 for 1), ''::bytea ORDER BY o), ''::bytea)
    FROM unnest("token_ids") WITH ORDINALITY AS u(x, o), LATERAL (SELECT int4send(u.x) AS b) s) END,
  "logprobs_packed" = CASE WHEN "logprobs" IS NULL THEN NULL ELSE (
    SELECT coalesce(string_agg(substring(b from 4 for 1) || substring(b from 3 for 1) || substring(b from 2 for 1) || substring(b from 1 for 1), ''::bytea ORDER BY o), ''::bytea)
    FROM unnest("logprobs") WITH ORDINALITY AS u(x, o), LATERAL (SELECT float4send(u.x) AS b) s) END;--> statement-breakpoint
ALTER TABLE "completions" DROP COLUMN "token_ids";--> statement-breakpoint
ALTER TABLE "completions" DROP COLUMN "logprobs";--> statement-breakpoint
ALTER TABLE "completions" RENAME COLUMN "token_ids_packed" TO "token_ids";--> statement-breakpoint
ALTER TABLE "completions" RENAME COLUMN "logprobs_packed" TO "logprobs";
