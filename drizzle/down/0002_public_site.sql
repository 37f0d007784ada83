DROP TABLE IF EXISTS "api_request_logs";
--> statement-breakpoint
DROP TABLE IF EXISTS "social_links";
--> statement-breakpoint
DROP TABLE IF EXISTS "partners";
--> statement-breakpoint
DROP TABLE IF EXISTS "contact_messages";
--> statement-breakpoint
DELETE FROM "notifications" WHERE "type" IN ('ngo_request_reviewed', 'ngo_report_linked', 'admin_new_payment', 'admin_analysis_failed', 'admin_contact_message', 'admin_new_rating', 'admin_ngo_request');
--> statement-breakpoint
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_type";
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_type" CHECK ("notifications"."type" IN ('payment_approved', 'payment_rejected', 'analysis_completed', 'analysis_failed', 'referral_joined', 'referral_rewarded', 'credits_added', 'credits_low', 'share_opened', 'announcement'));
