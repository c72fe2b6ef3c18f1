CREATE TYPE "public"."group_source" AS ENUM('lease', 'atropos');--> statement-breakpoint
CREATE TABLE "atropos_envs" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer NOT NULL,
	"task_id" integer NOT NULL,
	"desired_name" text NOT NULL,
	"real_name" text NOT NULL,
	"max_token_length" integer NOT NULL,
	"weight" double precision NOT NULL,
	"group_size" integer NOT NULL,
	"min_batch_allocation" double precision,
	"connected" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "atropos_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"wandb_group" text NOT NULL,
	"wandb_project" text NOT NULL,
	"batch_size" integer NOT NULL,
	"max_token_len" integer NOT NULL,
	"checkpoint_dir" text NOT NULL,
	"save_checkpoint_interval" integer NOT NULL,
	"starting_step" integer NOT NULL,
	"num_steps" integer NOT NULL,
	"current_step" integer NOT NULL,
	"started" boolean DEFAULT false NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "atropos_runs_wandb_group_unique" UNIQUE("wandb_group")
);
--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "prompt_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "lease_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "completions" ADD COLUMN "masks" "bytea";--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "source" "group_source" DEFAULT 'lease' NOT NULL;--> statement-breakpoint
ALTER TABLE "atropos_envs" ADD CONSTRAINT "atropos_envs_run_id_atropos_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."atropos_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "atropos_envs" ADD CONSTRAINT "atropos_envs_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;