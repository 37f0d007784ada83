-- Undoes 0000_init: drops every table it created (children first).
DROP TABLE IF EXISTS "activity_feed" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "ai_usage" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "analysis_sections" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "audit_logs" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "auth_sessions" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "chat_conversations" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "discount_code_user_uses" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "discount_redemptions" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "email_templates" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "notifications" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "rate_limits" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "referrals" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "report_shares" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "system_settings" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "transactions" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "payments" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "discount_codes" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "payment_methods" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "credit_packages" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "analyses" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "users" CASCADE;
--> statement-breakpoint
DROP TABLE IF EXISTS "roles" CASCADE;
