DROP INDEX IF EXISTS "transactions_one_opening_balance_per_user";
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_reference_required";
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_reference_required" CHECK ("transactions"."type" IN ('signup_bonus', 'adjustment') OR "transactions"."reference_id" IS NOT NULL);
--> statement-breakpoint
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_type";
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_type" CHECK ("transactions"."type" IN ('signup_bonus', 'purchase', 'analysis_charge', 'refund', 'adjustment', 'referral_bonus'));
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_proof_unless_imported";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_source";
--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "payment_proof" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN "source";
--> statement-breakpoint
ALTER TABLE "analyses" DROP COLUMN "legacy_paid";
--> statement-breakpoint
DROP TABLE "legacy_transactions";
--> statement-breakpoint
DROP TABLE "import_archive";
--> statement-breakpoint
DROP TABLE "import_map";
--> statement-breakpoint
DROP TABLE "import_runs";
