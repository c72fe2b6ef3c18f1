CREATE TYPE "public"."finish_reason" AS ENUM('stop', 'length');--> statement-breakpoint
CREATE TYPE "public"."group_status" AS ENUM('pending', 'verify_failed', 'ready', 'claimed', 'trained', 'stale', 'discarded');--> statement-breakpoint
CREATE TYPE "public"."key_role" AS ENUM('admin', 'worker', 'rater', 'learner');--> statement-breakpoint
CREATE TYPE "public"."scale_rewards" AS ENUM('group', 'batch', 'none');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"role" "key_role" NOT NULL,
	"label" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "completions" (
	"id" serial PRIMARY KEY NOT NULL,
	"group_id" integer NOT NULL,
	"index" integer NOT NULL,
	"text" text NOT NULL,
	"token_ids" integer[],
	"logprobs" real[],
	"finish_reason" "finish_reason",
	"reward" double precision,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" serial PRIMARY KEY NOT NULL,
	"task_id" integer NOT NULL,
	"prompt_id" integer NOT NULL,
	"lease_id" integer NOT NULL,
	"policy_version" integer NOT NULL,
	"status" "group_status" NOT NULL,
	"claimed_by" text,
	"claim_expires_at" timestamp with time zone,
	"trained_step" integer,
	"reward_mean" double precision,
	"reward_std" double precision,
	"flags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "groups_lease_id_unique" UNIQUE("lease_id")
);
--> statement-breakpoint
CREATE TABLE "leases" (
	"id" serial PRIMARY KEY NOT NULL,
	"prompt_id" integer NOT NULL,
	"task_id" integer NOT NULL,
	"worker_key_id" integer NOT NULL,
	"model_version" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"submitted_hash" text,
	"group_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"step" integer NOT NULL,
	"artifact_uri" text NOT NULL,
	"sha256" text NOT NULL,
	"files" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_version_unique" UNIQUE("version")
);
--> statement-breakpoint
CREATE TABLE "prompts" (
	"id" serial PRIMARY KEY NOT NULL,
	"task_id" integer NOT NULL,
	"text" text NOT NULL,
	"answer" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"times_leased" integer DEFAULT 0 NOT NULL,
	"shuffle" double precision DEFAULT random() NOT NULL,
	"leased_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ratings" (
	"id" serial PRIMARY KEY NOT NULL,
	"completion_id" integer NOT NULL,
	"rater_key_id" integer NOT NULL,
	"score" real NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"verifier" jsonb NOT NULL,
	"group_size" integer NOT NULL,
	"max_new_tokens" integer NOT NULL,
	"temperature" real NOT NULL,
	"top_p" real NOT NULL,
	"top_k" integer NOT NULL,
	"scale_rewards" "scale_rewards" DEFAULT 'group' NOT NULL,
	"lease_seconds" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "train_steps" (
	"id" serial PRIMARY KEY NOT NULL,
	"step" integer NOT NULL,
	"policy_version" integer NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"group_count" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "completions" ADD CONSTRAINT "completions_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_prompt_id_prompts_id_fk" FOREIGN KEY ("prompt_id") REFERENCES "public"."prompts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_lease_id_leases_id_fk" FOREIGN KEY ("lease_id") REFERENCES "public"."leases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_prompt_id_prompts_id_fk" FOREIGN KEY ("prompt_id") REFERENCES "public"."prompts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leases" ADD CONSTRAINT "leases_worker_key_id_api_keys_id_fk" FOREIGN KEY ("worker_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_completion_id_completions_id_fk" FOREIGN KEY ("completion_id") REFERENCES "public"."completions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_rater_key_id_api_keys_id_fk" FOREIGN KEY ("rater_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "completions_group_index_idx" ON "completions" USING btree ("group_id","index");--> statement-breakpoint
CREATE INDEX "groups_ready_idx" ON "groups" USING btree ("created_at","id") WHERE "groups"."status" = 'ready';--> statement-breakpoint
CREATE INDEX "groups_status_idx" ON "groups" USING btree ("status");--> statement-breakpoint
CREATE INDEX "groups_policy_idx" ON "groups" USING btree ("policy_version");--> statement-breakpoint
CREATE INDEX "leases_expires_idx" ON "leases" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "prompts_lease_pick_idx" ON "prompts" USING btree ("task_id","times_leased","shuffle");--> statement-breakpoint
CREATE UNIQUE INDEX "ratings_completion_rater_idx" ON "ratings" USING btree ("completion_id","rater_key_id");--> statement-breakpoint
CREATE INDEX "train_steps_step_idx" ON "train_steps" USING btree ("step");