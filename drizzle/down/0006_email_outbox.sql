DROP TABLE IF EXISTS "email_outbox";
--> statement-breakpoint
DROP TABLE IF EXISTS "email_codes";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN IF EXISTS "signup_bonus_due";
--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN IF EXISTS "email_verified_at";
