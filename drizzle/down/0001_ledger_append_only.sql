DROP TRIGGER IF EXISTS "transactions_append_only" ON "transactions";
--> statement-breakpoint
DROP FUNCTION IF EXISTS "transactions_guard_append_only"();
