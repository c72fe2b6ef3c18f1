CREATE TYPE "public"."batch_status" AS ENUM('open', 'completed', 'released', 'expired');--> statement-breakpoint
CREATE TYPE "public"."model_format" AS ENUM('onnx', 'safetensors');--> statement-breakpoint
CREATE TABLE "batches" (
	"id" serial PRIMARY KEY NOT NULL,
	"key_id" integer,
	"status" "batch_status" DEFAULT 'open' NOT NULL,
	"group_ids" integer[] NOT NULL,
	"policy_version" integer NOT NULL,
	"step" integer,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "format" "model_format" DEFAULT 'onnx' NOT NULL;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batches_status_idx" ON "batches" USING btree ("status");