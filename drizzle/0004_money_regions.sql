-- Currencies (SPEC-WAVE2 §12) and the NGO programme (§13). Money stays exact: rates are numeric(20,6),
-- amounts in a currency are bigint minor units; USD stays canonical (payments.amount_usd).
CREATE TABLE "currencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"name_ar" text,
	"symbol" text NOT NULL,
	"decimals" smallint NOT NULL,
	"rate_per_usd" numeric(20, 6) NOT NULL,
	"rounding_increment_minor" integer DEFAULT 1 NOT NULL,
	"rate_max_age_hours" integer,
	"rate_updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rate_updated_by" uuid REFERENCES "users"("id") ON DELETE SET NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "currencies_code_unique" UNIQUE ("code"),
	CONSTRAINT "currencies_code_format" CHECK ("code" ~ '^[A-Z]{3}$'),
	CONSTRAINT "currencies_name_length" CHECK (char_length("name") BETWEEN 1 AND 100 AND ("name_ar" IS NULL OR char_length("name_ar") <= 100)),
	CONSTRAINT "currencies_symbol_length" CHECK (char_length("symbol") BETWEEN 1 AND 10),
	CONSTRAINT "currencies_decimals_range" CHECK ("decimals" BETWEEN 0 AND 4),
	CONSTRAINT "currencies_rate_range" CHECK ("rate_per_usd" > 0 AND "rate_per_usd" <= 1000000000000),
	CONSTRAINT "currencies_increment_range" CHECK ("rounding_increment_minor" BETWEEN 1 AND 1000000),
	CONSTRAINT "currencies_rate_max_age_range" CHECK ("rate_max_age_hours" IS NULL OR "rate_max_age_hours" BETWEEN 1 AND 8760),
	CONSTRAINT "currencies_usd_fixed" CHECK ("code" <> 'USD' OR ("rate_per_usd" = 1 AND "decimals" = 2 AND "rounding_increment_minor" = 1 AND "is_active")),
	CONSTRAINT "currencies_default_active" CHECK (NOT "is_default" OR "is_active"),
	CONSTRAINT "currencies_one_default" EXCLUDE USING btree ("is_default" WITH =) WHERE ("is_default") DEFERRABLE INITIALLY DEFERRED
);
--> statement-breakpoint
INSERT INTO "currencies" ("code", "name", "name_ar", "symbol", "decimals", "rate_per_usd", "is_default", "sort_order")
VALUES ('USD', 'US Dollar', 'دولار أمريكي', '$', 2, 1, true, 0);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "currency_code" text DEFAULT 'USD' NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "exchange_rate" numeric(20, 6) DEFAULT 1 NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "currency_decimals" smallint DEFAULT 2 NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "currency_amount_minor" bigint;
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "rate_quoted_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
UPDATE "payments" SET "currency_amount_minor" = ("amount_usd" * 100)::bigint, "rate_quoted_at" = "created_at";
--> statement-breakpoint
-- A USD row inserted without its minor amount gets it from amount_usd (the only possible value).
CREATE FUNCTION "payments_fill_usd_minor"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.currency_amount_minor IS NULL AND NEW.currency_code = 'USD' THEN
    NEW.currency_amount_minor := (NEW.amount_usd * 100)::bigint;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "payments_fill_usd_minor"
BEFORE INSERT ON "payments"
FOR EACH ROW EXECUTE FUNCTION "payments_fill_usd_minor"();
--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "currency_amount_minor" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_currency_code_currencies_code_fk" FOREIGN KEY ("currency_code") REFERENCES "currencies"("code") ON DELETE RESTRICT ON UPDATE NO ACTION;
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_currency_amount_non_negative" CHECK ("currency_amount_minor" >= 0 AND "exchange_rate" > 0 AND "currency_decimals" BETWEEN 0 AND 4);
--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_usd_consistent" CHECK ("currency_code" <> 'USD' OR ("exchange_rate" = 1 AND "currency_amount_minor" = "amount_usd" * 100));
--> statement-breakpoint
CREATE INDEX "payments_currency_status_idx" ON "payments" ("currency_code", "status");
--> statement-breakpoint
CREATE TABLE "ngo_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE RESTRICT,
	"organization_name" text NOT NULL,
	"organization_type" text NOT NULL,
	"contact_name" text NOT NULL,
	"contact_email" text NOT NULL,
	"contact_phone" text NOT NULL,
	"website" text,
	"description" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"admin_notes" text,
	"reviewed_by" uuid REFERENCES "users"("id") ON DELETE SET NULL,
	"reviewed_at" timestamp with time zone,
	"review_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ngo_requests_status" CHECK ("status" IN ('pending', 'approved', 'rejected', 'suspended')),
	CONSTRAINT "ngo_requests_type" CHECK ("organization_type" IN ('charity', 'nonprofit', 'foundation', 'social_enterprise', 'other')),
	CONSTRAINT "ngo_requests_lengths" CHECK (char_length("organization_name") BETWEEN 2 AND 200 AND char_length("contact_name") BETWEEN 2 AND 120
		AND ("website" IS NULL OR char_length("website") <= 500) AND ("description" IS NULL OR char_length("description") <= 2000)
		AND ("admin_notes" IS NULL OR char_length("admin_notes") <= 2000) AND ("review_reason" IS NULL OR char_length("review_reason") <= 2000)),
	CONSTRAINT "ngo_requests_contact_email_lower" CHECK ("contact_email" = lower("contact_email"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ngo_requests_one_live_per_user" ON "ngo_requests" ("user_id") WHERE "status" IN ('pending', 'approved', 'suspended');
--> statement-breakpoint
CREATE INDEX "ngo_requests_status_created_idx" ON "ngo_requests" ("status", "created_at");
--> statement-breakpoint
CREATE INDEX "ngo_requests_user_created_idx" ON "ngo_requests" ("user_id", "created_at");
--> statement-breakpoint
CREATE TABLE "ngo_vouchers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ngo_request_id" uuid NOT NULL REFERENCES "ngo_requests"("id") ON DELETE RESTRICT,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"activation_start" date,
	"activation_end" date,
	"max_redemptions" integer,
	"redeemed_count" integer DEFAULT 0 NOT NULL,
	"funding" text DEFAULT 'self' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"admin_disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ngo_vouchers_code_unique" UNIQUE ("code"),
	CONSTRAINT "ngo_vouchers_code_format" CHECK ("code" ~ '^[A-Z0-9_-]{3,40}$'),
	CONSTRAINT "ngo_vouchers_lengths" CHECK (char_length("name") BETWEEN 1 AND 200 AND ("description" IS NULL OR char_length("description") <= 2000)),
	CONSTRAINT "ngo_vouchers_window" CHECK ("activation_end" IS NULL OR "activation_start" IS NULL OR "activation_end" >= "activation_start"),
	CONSTRAINT "ngo_vouchers_max_redemptions_positive" CHECK ("max_redemptions" IS NULL OR "max_redemptions" >= 1),
	CONSTRAINT "ngo_vouchers_redeemed_within_max" CHECK ("redeemed_count" >= 0 AND ("max_redemptions" IS NULL OR "redeemed_count" <= "max_redemptions")),
	CONSTRAINT "ngo_vouchers_funding" CHECK ("funding" IN ('self', 'sponsored')),
	CONSTRAINT "ngo_vouchers_sponsored_capped" CHECK ("funding" <> 'sponsored' OR "max_redemptions" IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX "ngo_vouchers_request_created_idx" ON "ngo_vouchers" ("ngo_request_id", "created_at");
--> statement-breakpoint
CREATE TABLE "ngo_voucher_redemptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"voucher_id" uuid NOT NULL REFERENCES "ngo_vouchers"("id") ON DELETE RESTRICT,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE RESTRICT,
	"analysis_id" uuid NOT NULL REFERENCES "analyses"("id") ON DELETE RESTRICT,
	"status" text DEFAULT 'linked' NOT NULL,
	"unlinked_by" text,
	"unlinked_at" timestamp with time zone,
	"consented_at" timestamp with time zone,
	"sponsored" boolean DEFAULT false NOT NULL,
	"charge_transaction_id" uuid REFERENCES "transactions"("id") ON DELETE RESTRICT,
	"is_favourite" boolean DEFAULT false NOT NULL,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ngo_voucher_redemptions_analysis_unique" UNIQUE ("analysis_id"),
	CONSTRAINT "ngo_voucher_redemptions_voucher_user_unique" UNIQUE ("voucher_id", "user_id"),
	CONSTRAINT "ngo_voucher_redemptions_status" CHECK ("status" IN ('linked', 'unlinked')),
	CONSTRAINT "ngo_voucher_redemptions_unlinked_by" CHECK ("unlinked_by" IS NULL OR "unlinked_by" IN ('ngo', 'owner', 'admin')),
	CONSTRAINT "ngo_voucher_redemptions_unlink_consistent" CHECK (("status" = 'linked') = ("unlinked_by" IS NULL AND "unlinked_at" IS NULL))
);
--> statement-breakpoint
CREATE INDEX "ngo_voucher_redemptions_voucher_created_idx" ON "ngo_voucher_redemptions" ("voucher_id", "created_at");
--> statement-breakpoint
CREATE INDEX "ngo_voucher_redemptions_user_idx" ON "ngo_voucher_redemptions" ("user_id");
