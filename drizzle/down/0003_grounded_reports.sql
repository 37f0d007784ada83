DROP INDEX IF EXISTS "ai_usage_created_idx";
--> statement-breakpoint
DELETE FROM "ai_usage" WHERE "kind" = 'research';
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP CONSTRAINT "ai_usage_kind";
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_kind" CHECK ("ai_usage"."kind" IN ('section', 'chat', 'invoke', 'validate'));
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP COLUMN "cost_nano_usd";
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP COLUMN "web_search_requests";
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP COLUMN "cache_read_input_tokens";
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP COLUMN "cache_creation_input_tokens";
--> statement-breakpoint
ALTER TABLE "analyses" DROP COLUMN "ai_cost_nano_usd";
--> statement-breakpoint
ALTER TABLE "analyses" DROP COLUMN "ai_web_searches";
--> statement-breakpoint
ALTER TABLE "analysis_sections" DROP CONSTRAINT "analysis_sections_research";
--> statement-breakpoint
ALTER TABLE "analysis_sections" DROP COLUMN "research";
--> statement-breakpoint
ALTER TABLE "analysis_sections" DROP COLUMN "sources";
--> statement-breakpoint
DROP TABLE "analysis_research";
--> statement-breakpoint
DROP TABLE "analysis_regenerations";
--> statement-breakpoint
DROP TABLE "competitors";
