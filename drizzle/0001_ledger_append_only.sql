-- The ledger is append-only (SPEC §3): rows are never deleted; type, credits, user and reference
-- never change. The only permitted update marks an analysis charge refunded, once.
CREATE FUNCTION "transactions_guard_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger rows cannot be deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.id <> OLD.id OR NEW.user_id <> OLD.user_id OR NEW.type <> OLD.type OR NEW.credits <> OLD.credits
     OR NEW.balance_after <> OLD.balance_after
     OR NEW.reference_type IS DISTINCT FROM OLD.reference_type
     OR NEW.reference_id IS DISTINCT FROM OLD.reference_id
     OR NEW.created_at <> OLD.created_at
     OR (OLD.refunded_by IS NOT NULL AND NEW.refunded_by IS DISTINCT FROM OLD.refunded_by) THEN
    RAISE EXCEPTION 'ledger rows are append-only' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "transactions_append_only"
BEFORE UPDATE OR DELETE ON "transactions"
FOR EACH ROW EXECUTE FUNCTION "transactions_guard_append_only"();
