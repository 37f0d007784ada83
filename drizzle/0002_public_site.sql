-- SPEC-WAVE2 §14 (contact messages, partners, social links) and §15 (API request logs), plus the
-- wave-2 notification types (§0 §7; the whole list, so migrations of the same wave agree on it).
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_type";
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_type" CHECK ("notifications"."type" IN ('payment_approved', 'payment_rejected', 'analysis_completed', 'analysis_failed', 'referral_joined', 'referral_rewarded', 'credits_added', 'credits_low', 'share_opened', 'announcement', 'ngo_request_reviewed', 'ngo_report_linked', 'admin_new_payment', 'admin_analysis_failed', 'admin_contact_message', 'admin_new_rating', 'admin_ngo_request'));
--> statement-breakpoint
CREATE TABLE "contact_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"subject" text,
	"message" text NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"user_id" uuid,
	"status" text DEFAULT 'new' NOT NULL,
	"spam_reason" text,
	"admin_note" text,
	"handled_by" uuid,
	"handled_at" timestamp with time zone,
	"ip_hash" text NOT NULL,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contact_messages_name_length" CHECK (char_length("contact_messages"."name") BETWEEN 1 AND 120),
	CONSTRAINT "contact_messages_email" CHECK ("contact_messages"."email" = lower("contact_messages"."email") AND char_length("contact_messages"."email") BETWEEN 3 AND 254),
	CONSTRAINT "contact_messages_subject_length" CHECK ("contact_messages"."subject" IS NULL OR char_length("contact_messages"."subject") <= 200),
	CONSTRAINT "contact_messages_message_length" CHECK (char_length("contact_messages"."message") BETWEEN 10 AND 5000),
	CONSTRAINT "contact_messages_language" CHECK ("contact_messages"."language" IN ('en', 'ar')),
	CONSTRAINT "contact_messages_status" CHECK ("contact_messages"."status" IN ('new', 'read', 'replied', 'archived', 'spam')),
	CONSTRAINT "contact_messages_spam_reason" CHECK ("contact_messages"."spam_reason" IS NULL OR "contact_messages"."spam_reason" IN ('honeypot', 'links')),
	CONSTRAINT "contact_messages_admin_note_length" CHECK ("contact_messages"."admin_note" IS NULL OR char_length("contact_messages"."admin_note") <= 2000),
	CONSTRAINT "contact_messages_user_agent_length" CHECK ("contact_messages"."user_agent" IS NULL OR char_length("contact_messages"."user_agent") <= 300)
);
--> statement-breakpoint
ALTER TABLE "contact_messages" ADD CONSTRAINT "contact_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "contact_messages" ADD CONSTRAINT "contact_messages_handled_by_users_id_fk" FOREIGN KEY ("handled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "contact_messages_status_created_idx" ON "contact_messages" USING btree ("status","created_at");
--> statement-breakpoint
CREATE INDEX "contact_messages_email_created_idx" ON "contact_messages" USING btree ("email","created_at");
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"name_ar" text NOT NULL,
	"logo_url" text NOT NULL,
	"website_url" text,
	"color" text DEFAULT '6B46C1' NOT NULL,
	"display_order" integer DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "partners_name_length" CHECK (char_length("partners"."name") BETWEEN 1 AND 200 AND char_length("partners"."name_ar") BETWEEN 1 AND 200),
	CONSTRAINT "partners_color_format" CHECK ("partners"."color" ~ '^[0-9A-Fa-f]{6}$'),
	CONSTRAINT "partners_website_https" CHECK ("partners"."website_url" IS NULL OR "partners"."website_url" LIKE 'https://%')
);
--> statement-breakpoint
CREATE INDEX "partners_display_order_idx" ON "partners" USING btree ("display_order","name");
--> statement-breakpoint
CREATE TABLE "social_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"platform" text NOT NULL,
	"url" text NOT NULL,
	"icon" text NOT NULL,
	"hover_color" text DEFAULT 'hover:bg-orange-500 hover:border-orange-500' NOT NULL,
	"display_order" integer DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "social_links_platform_length" CHECK (char_length("social_links"."platform") BETWEEN 1 AND 50),
	CONSTRAINT "social_links_url_https" CHECK ("social_links"."url" LIKE 'https://%' AND char_length("social_links"."url") <= 2000),
	CONSTRAINT "social_links_icon_format" CHECK ("social_links"."icon" ~ '^[A-Za-z0-9]{1,50}$'),
	CONSTRAINT "social_links_hover_color_format" CHECK ("social_links"."hover_color" ~ '^[a-z0-9:/\[\]#\- ]{0,100}$')
);
--> statement-breakpoint
CREATE INDEX "social_links_display_order_idx" ON "social_links" USING btree ("display_order","platform");
--> statement-breakpoint
CREATE TABLE "api_request_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" text NOT NULL,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"path" text NOT NULL,
	"query_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"query" jsonb,
	"status" integer NOT NULL,
	"error_code" text,
	"duration_ms" integer NOT NULL,
	"user_id" uuid,
	"ip_hash" text,
	"user_agent" text,
	"request_bytes" integer,
	"response_bytes" integer,
	"runtime" text NOT NULL,
	"kept_by" text NOT NULL,
	CONSTRAINT "api_request_logs_runtime" CHECK ("api_request_logs"."runtime" IN ('workers', 'node')),
	CONSTRAINT "api_request_logs_kept_by" CHECK ("api_request_logs"."kept_by" IN ('error', 'slow', 'sample')),
	CONSTRAINT "api_request_logs_path_length" CHECK (char_length("api_request_logs"."path") <= 500),
	CONSTRAINT "api_request_logs_user_agent_length" CHECK ("api_request_logs"."user_agent" IS NULL OR char_length("api_request_logs"."user_agent") <= 300)
);
--> statement-breakpoint
CREATE INDEX "api_request_logs_created_at_idx" ON "api_request_logs" USING btree ("created_at");
--> statement-breakpoint
CREATE INDEX "api_request_logs_user_created_idx" ON "api_request_logs" USING btree ("user_id","created_at");
--> statement-breakpoint
CREATE INDEX "api_request_logs_status_created_idx" ON "api_request_logs" USING btree ("status","created_at");
--> statement-breakpoint
CREATE INDEX "api_request_logs_route_created_idx" ON "api_request_logs" USING btree ("route","created_at");
--> statement-breakpoint
CREATE INDEX "api_request_logs_request_id_idx" ON "api_request_logs" USING btree ("request_id");
