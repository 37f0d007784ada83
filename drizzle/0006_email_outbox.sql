-- Email and account lifecycle (SPEC-WAVE2 §11): verification state on users, one-time codes (HMAC only),
-- and the transactional outbox. Existing users are verified by this migration (§0.1), so switching the
-- verification rule on locks nobody out.
ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "signup_bonus_due" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
UPDATE "users" SET "email_verified_at" = "created_at" WHERE "email_verified_at" IS NULL;
--> statement-breakpoint
CREATE TABLE "email_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
	"purpose" text NOT NULL,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"superseded_at" timestamp with time zone,
	"created_ip_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_codes_purpose" CHECK ("purpose" IN ('verify_email', 'reset_password')),
	CONSTRAINT "email_codes_attempts_range" CHECK ("attempts" >= 0 AND "max_attempts" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "email_codes_one_live_per_purpose" ON "email_codes" USING btree ("user_id", "purpose") WHERE "consumed_at" IS NULL AND "superseded_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "email_codes_user_created_idx" ON "email_codes" USING btree ("user_id", "created_at");
--> statement-breakpoint
CREATE TABLE "email_outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_key" text NOT NULL,
	"template_key" text NOT NULL,
	"user_id" uuid REFERENCES "users"("id") ON DELETE SET NULL,
	"to_address" text NOT NULL,
	"to_name" text,
	"language" text DEFAULT 'en' NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_ciphertext" text,
	"priority" smallint DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 8 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"last_error" text,
	"last_http_status" integer,
	"provider_message_id" text,
	"reply_to" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "email_outbox_language" CHECK ("language" IN ('en', 'ar')),
	CONSTRAINT "email_outbox_priority" CHECK ("priority" IN (0, 1, 2)),
	CONSTRAINT "email_outbox_status" CHECK ("status" IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
	CONSTRAINT "email_outbox_attempts_range" CHECK ("attempts" >= 0 AND "attempts" <= "max_attempts"),
	CONSTRAINT "email_outbox_last_error_length" CHECK (char_length("last_error") <= 500)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "email_outbox_event_key_unique" ON "email_outbox" USING btree ("event_key");
--> statement-breakpoint
CREATE INDEX "email_outbox_due_idx" ON "email_outbox" USING btree ("priority", "next_attempt_at") WHERE "status" IN ('pending', 'sending');
--> statement-breakpoint
CREATE INDEX "email_outbox_user_created_idx" ON "email_outbox" USING btree ("user_id", "created_at");
--> statement-breakpoint
CREATE INDEX "email_outbox_status_created_idx" ON "email_outbox" USING btree ("status", "created_at");
--> statement-breakpoint
CREATE INDEX "email_outbox_template_created_idx" ON "email_outbox" USING btree ("template_key", "created_at");
