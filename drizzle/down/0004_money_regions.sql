DROP TABLE IF EXISTS "ngo_voucher_redemptions";
--> statement-breakpoint
DROP TABLE IF EXISTS "ngo_vouchers";
--> statement-breakpoint
DROP TABLE IF EXISTS "ngo_requests";
--> statement-breakpoint
DROP INDEX IF EXISTS "payments_currency_status_idx";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT IF EXISTS "payments_usd_consistent";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT IF EXISTS "payments_currency_amount_non_negative";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT IF EXISTS "payments_currency_code_currencies_code_fk";
--> statement-breakpoint
DROP TRIGGER IF EXISTS "payments_fill_usd_minor" ON "payments";
--> statement-breakpoint
DROP FUNCTION IF EXISTS "payments_fill_usd_minor"();
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN IF EXISTS "rate_quoted_at";
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN IF EXISTS "currency_amount_minor";
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN IF EXISTS "currency_decimals";
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN IF EXISTS "exchange_rate";
--> statement-breakpoint
ALTER TABLE "payments" DROP COLUMN IF EXISTS "currency_code";
--> statement-breakpoint
DROP TABLE IF EXISTS "currencies";
