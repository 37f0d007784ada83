-- Grounded reports (issue 15): research with sources, a competitor catalog, regeneration with the
-- founder's feedback, and the cost of every model call.
CREATE TABLE "competitors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"country" text,
	"industries" text[] DEFAULT '{}'::text[] NOT NULL,
	"description" text,
	"website_url" text,
	"android_url" text,
	"ios_url" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "competitors_name_length" CHECK (char_length("competitors"."name") BETWEEN 1 AND 200),
	CONSTRAINT "competitors_country_format" CHECK ("competitors"."country" IS NULL OR "competitors"."country" ~ '^[A-Z]{2}$')
);
--> statement-breakpoint
CREATE UNIQUE INDEX "competitors_name_country_unique" ON "competitors" USING btree (lower("name"), coalesce("country", ''));
--> statement-breakpoint
CREATE INDEX "competitors_country_idx" ON "competitors" USING btree ("country") WHERE "competitors"."is_active";
--> statement-breakpoint
CREATE TABLE "analysis_regenerations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"analysis_id" uuid NOT NULL,
	"user_id" uuid,
	"sections" text[] NOT NULL,
	"feedback" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_regenerations_feedback_length" CHECK ("analysis_regenerations"."feedback" IS NULL OR char_length("analysis_regenerations"."feedback") <= 2000)
);
--> statement-breakpoint
ALTER TABLE "analysis_regenerations" ADD CONSTRAINT "analysis_regenerations_analysis_id_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."analyses"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "analysis_regenerations" ADD CONSTRAINT "analysis_regenerations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "analysis_regenerations_analysis_created_idx" ON "analysis_regenerations" USING btree ("analysis_id","created_at");
--> statement-breakpoint
CREATE TABLE "analysis_research" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"analysis_id" uuid NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"queries" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"citations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_research_status" CHECK ("analysis_research"."status" IN ('researched', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "analysis_research" ADD CONSTRAINT "analysis_research_analysis_id_analyses_id_fk" FOREIGN KEY ("analysis_id") REFERENCES "public"."analyses"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "analysis_research_analysis_created_idx" ON "analysis_research" USING btree ("analysis_id","created_at");
--> statement-breakpoint
ALTER TABLE "analysis_sections" ADD COLUMN "sources" jsonb DEFAULT '[]'::jsonb NOT NULL;
--> statement-breakpoint
ALTER TABLE "analysis_sections" ADD COLUMN "research" text;
--> statement-breakpoint
ALTER TABLE "analysis_sections" ADD CONSTRAINT "analysis_sections_research" CHECK ("analysis_sections"."research" IS NULL OR "analysis_sections"."research" IN ('researched', 'not_researched', 'search_failed'));
--> statement-breakpoint
ALTER TABLE "analyses" ADD COLUMN "ai_web_searches" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "analyses" ADD COLUMN "ai_cost_nano_usd" bigint DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD COLUMN "cache_creation_input_tokens" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD COLUMN "cache_read_input_tokens" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD COLUMN "web_search_requests" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD COLUMN "cost_nano_usd" bigint;
--> statement-breakpoint
ALTER TABLE "ai_usage" DROP CONSTRAINT "ai_usage_kind";
--> statement-breakpoint
ALTER TABLE "ai_usage" ADD CONSTRAINT "ai_usage_kind" CHECK ("ai_usage"."kind" IN ('section', 'chat', 'invoke', 'validate', 'research'));
--> statement-breakpoint
CREATE INDEX "ai_usage_created_idx" ON "ai_usage" USING btree ("created_at");
