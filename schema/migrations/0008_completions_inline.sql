-- Completions up to ~8 KB stay in the heap row as sent: no pglz attempt on packed token ids / log-probs (random
-- bytes that never compress; pglz_compress was the largest part of Postgres' CPU on ingest) and no TOAST rows.
-- Longer ones are compressed / moved out of line as before. Existing rows keep their storage until rewritten.
ALTER TABLE "completions" SET (toast_tuple_target = 8160);
