-- Importing a Planlyze (Flask) database (SPEC-WAVE2 §16): run bookkeeping, id map, archive of data
-- with no place here, the legacy credit history (outside the ledger), and the few columns imports need.
CREATE TABLE "import_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mode" text NOT NULL,
	"status" text NOT NULL,
	"source_fingerprint" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"report" jsonb,
	CONSTRAINT "import_runs_mode" CHECK ("import_runs"."mode" IN ('dry_run', 'apply')),
	CONSTRAINT "import_runs_status" CHECK ("import_runs"."status" IN ('running', 'succeeded', 'failed', 'refused'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "import_runs_one_running" ON "import_runs" USING btree ("status") WHERE "import_runs"."status" = 'running';
--> statement-breakpoint
CREATE TABLE "import_map" (
	"source_table" text NOT NULL,
	"source_id" text NOT NULL,
	"target_table" text NOT NULL,
	"target_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_map_source_table_source_id_pk" PRIMARY KEY("source_table","source_id")
);
--> statement-breakpoint
ALTER TABLE "import_map" ADD CONSTRAINT "import_map_run_id_import_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."import_runs"("id") ON DELETE restrict ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "import_map_target_idx" ON "import_map" USING btree ("target_table","target_id");
--> statement-breakpoint
CREATE TABLE "import_archive" (
	"source_table" text NOT NULL,
	"source_id" text NOT NULL,
	"reason" text NOT NULL,
	"payload" jsonb NOT NULL,
	"run_id" uuid NOT NULL,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_archive_source_table_source_id_reason_pk" PRIMARY KEY("source_table","source_id","reason")
);
--> statement-breakpoint
ALTER TABLE "import_archive" ADD CONSTRAINT "import_archive_run_id_import_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."import_runs"("id") ON DELETE restrict ON UPDATE no action;
--> statement-breakpoint
CREATE TABLE "legacy_transactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"type" text NOT NULL,
	"credits" integer NOT NULL,
	"amount_usd" numeric(12, 2),
	"description" text,
	"reference_id" text,
	"status" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "legacy_transactions" ADD CONSTRAINT "legacy_transactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "legacy_transactions_user_created_idx" ON "legacy_transactions" USING btree ("user_id","created_at");
--> statement-breakpoint
ALTER TABLE "analyses" ADD COLUMN "legacy_paid" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "source" text DEFAULT 'api' NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "payment_proof" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_source" CHECK ("payments"."source" IN ('api', 'import'));
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_proof_unless_imported" CHECK ("payments"."source" = 'import' OR "payments"."payment_proof" IS NOT NULL);
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_type";
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_type" CHECK ("transactions"."type" IN ('signup_bonus', 'purchase', 'analysis_charge', 'refund', 'adjustment', 'referral_bonus', 'opening_balance'));
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_reference_required";
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_reference_required" CHECK ("transactions"."type" IN ('signup_bonus', 'adjustment', 'opening_balance') OR "transactions"."reference_id" IS NOT NULL);
--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_one_opening_balance_per_user" ON "transactions" USING btree ("user_id") WHERE "transactions"."type" = 'opening_balance';
