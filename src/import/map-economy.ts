/** Import mapping: credit packages, payment methods, discount codes, the legacy credit history and payments (§16.3; currencies in map-currencies.ts). */
import { sql } from 'drizzle-orm';
import {
  creditPackages,
  discountCodes,
  discountRedemptions,
  legacyTransactions,
  paymentMethods,
  payments,
} from '../db/schema.js';
import { isPlainObject, readJson } from './json.js';
import { centsToText, floatToCents, MAX_CENTS } from './money.js';
import { targetIdOf, uuidv5 } from './plan.js';
import { bool, int, lowerEmail, str, ts, type Ctx } from './context.js';
import { paymentCurrency } from './map-currencies.js';

/** A payment proof larger than this (text) cannot travel in one 4 MB batch: dropped and reported. */
const MAX_PROOF_CHARS = 3_500_000;
const LEGACY_PACKAGE_ID = uuidv5('synthetic:credit_packages:legacy_purchase');

export function mapEconomy(c: Ctx): void {
  const { source, target, options, importTime, totals, refusals, problem, skip, archiveRow, begin, push, newStep, userOf, packages, methods, findMethod, plannedPayments, codeIds } = c;
  // ─── credit packages ───────────────────────────────────────────────────────
  {
    const step = newStep('credit_packages');
    const ranked = [...source.credit_packages].sort((a, b) => Number(a.price_usd ?? 0) - Number(b.price_usd ?? 0));
    ranked.forEach((row, rank) => {
      const sid = String(row.id);
      const id = targetIdOf('credit_packages', sid);
      const credits = int(row.credits) ?? 0;
      const price = row.price_usd === null ? 0n : floatToCents(Number(row.price_usd));
      if (credits <= 0 || price <= 0n || price > MAX_CENTS) {
        skip('credit_packages', sid, credits <= 0 ? 'non_positive_credits' : 'non_positive_price');
        return;
      }
      packages.push({ id, credits, priceCents: price });
      const u = begin('credit_packages', sid, 'credit_packages', id);
      if (!u) return;
      const features = (v: unknown) => {
        const j = readJson(v);
        return j.kind === 'value' && Array.isArray(j.value) ? j.value.filter((x): x is string => typeof x === 'string') : [];
      };
      u.inserts.push({
        table: creditPackages,
        values: {
          id, name: str(row.name) ?? 'Package', nameAr: str(row.name_ar), credits, priceUsd: centsToText(price),
          description: str(row.description), descriptionAr: str(row.description_ar), features: features(row.features), featuresAr: features(row.features_ar),
          isActive: bool(row.is_active, true), isPopular: bool(row.is_popular, false), sortOrder: rank, createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    });
  }

  // ─── payment methods ───────────────────────────────────────────────────────
  {
    const step = newStep('payment_methods');
    for (const row of source.payment_methods) {
      const sid = String(row.id);
      const name = str(row.name) ?? 'Unnamed method';
      const match = findMethod(name);
      if (match) {
        const u = begin('payment_methods', sid, 'payment_methods', match.id);
        if (u) push(step, u, 'mapped_existing');
        continue;
      }
      const id = targetIdOf('payment_methods', sid);
      methods.push({ id, name, nameAr: str(row.name_ar) });
      const u = begin('payment_methods', sid, 'payment_methods', id);
      if (!u) continue;
      const details = readJson(row.details);
      u.inserts.push({
        table: paymentMethods,
        values: {
          id, name, nameAr: str(row.name_ar), type: str(row.type) ?? 'other', details: details.kind === 'value' && isPlainObject(details.value) ? details.value : {},
          instructions: str(row.instructions), instructionsAr: str(row.instructions_ar), logoUrl: str(row.logo_url),
          isActive: bool(row.is_active, true), sortOrder: int(row.sort_order) ?? 0, createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── payments: decide first (discount counters depend on them) ─────────────
  let pendingFound = 0;
  for (const row of [...source.payments].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
    const sid = String(row.id);
    const status = str(row.status) ?? 'pending';
    const userId = userOf(row.user_email);
    if (status === 'pending') pendingFound++;
    if (!userId) {
      skip('payments', sid, 'unknown_user', { email: lowerEmail(row.user_email) });
      continue;
    }
    if (status !== 'approved' && status !== 'rejected' && status !== 'pending') {
      skip('payments', sid, 'unknown_status');
      continue;
    }
    if (status === 'pending' && options.pendingPayments !== 'import') {
      if (options.pendingPayments === 'skip') skip('payments', sid, 'pending_skipped', { email: lowerEmail(row.user_email) });
      continue;
    }
    plannedPayments.push({ row, sid, userId, status, codeKey: str(row.discount_code)?.trim().toUpperCase() || null });
  }
  if (pendingFound > 0 && options.pendingPayments === 'refuse') {
    refusals.push({
      code: 'pending_payments',
      message: `${pendingFound} pending payments exist: choose --pending-payments=skip or --pending-payments=import`,
      details: { source_ids: source.payments.filter((p) => (str(p.status) ?? 'pending') === 'pending').map((p) => String(p.id)) },
    });
  }
  totals.pending_payments = pendingFound;

  // ─── discount codes ────────────────────────────────────────────────────────
  {
    const step = newStep('discount_codes');
    const usesByCodeUser = new Map<string, Map<string, number>>();
    for (const p of plannedPayments) {
      if (!p.codeKey || p.status === 'rejected') continue;
      const perUser = usesByCodeUser.get(p.codeKey) ?? new Map<string, number>();
      perUser.set(p.userId, (perUser.get(p.userId) ?? 0) + 1);
      usesByCodeUser.set(p.codeKey, perUser);
    }
    const seen = new Set<string>();
    for (const row of [...source.discount_codes].sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')))) {
      const sid = String(row.id);
      const code = (str(row.code) ?? '').trim().toUpperCase();
      if (code.length < 3 || code.length > 40) {
        skip('discount_codes', sid, 'invalid_code');
        continue;
      }
      if (seen.has(code)) {
        skip('discount_codes', sid, 'case_collision', { detail: code });
        continue;
      }
      seen.add(code);
      let percent = int(row.discount_percent);
      let amount = row.discount_amount === null ? null : floatToCents(Number(row.discount_amount));
      if (percent !== null && percent <= 0) percent = null;
      if (amount !== null && amount <= 0n) amount = null;
      if (percent !== null && amount !== null) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'both_kinds_percent_kept', detail: code });
        amount = null;
      }
      if (percent === null && amount === null) {
        skip('discount_codes', sid, 'no_discount');
        continue;
      }
      if (percent !== null && percent > 100) {
        skip('discount_codes', sid, 'percent_out_of_range');
        continue;
      }
      const perUserUses = usesByCodeUser.get(code) ?? new Map<string, number>();
      const redemptions = [...perUserUses.values()].reduce((a, b) => a + b, 0);
      const perUser = Math.max(1, ...perUserUses.values());
      const usesCount = Math.max(int(row.used_count) ?? 0, redemptions);
      let maxUses = int(row.max_uses);
      if (maxUses !== null && maxUses <= 0) maxUses = null;
      if (maxUses !== null && usesCount > maxUses) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'max_uses_raised', detail: `${code}: ${maxUses} → ${usesCount}` });
        maxUses = usesCount;
      }
      const existing = target.discountCodes.get(code.toLowerCase());
      const id = existing ?? targetIdOf('discount_codes', sid);
      codeIds.set(code, { id, perUser });
      const u = begin('discount_codes', sid, 'discount_codes', id);
      if (!u) continue;
      if (existing) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'mapped_to_existing_code', detail: code });
        push(step, u, 'mapped_existing');
        continue;
      }
      let validFrom = ts(row.valid_from);
      let validUntil = ts(row.valid_until);
      if (validFrom && validUntil && validUntil <= validFrom) {
        problem({ table: 'discount_codes', source_id: sid, reason: 'invalid_window_dropped', detail: code });
        validFrom = null;
        validUntil = null;
      }
      const min = row.min_purchase_amount === null ? null : floatToCents(Number(row.min_purchase_amount));
      u.inserts.push({
        table: discountCodes,
        values: {
          id, code, discountPercent: percent, discountAmount: amount === null ? null : centsToText(amount),
          minPurchaseAmount: min === null || min < 0n ? null : centsToText(min), maxUses, perUserLimit: perUser, usesCount,
          validFrom, validUntil, isActive: bool(row.is_active, true), description: str(row.description_en), descriptionAr: str(row.description_ar),
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── opening balances are booked with their users; legacy transactions ─────
  {
    const step = newStep('transactions');
    const legacySums = new Map<string, number>();
    for (const row of source.transactions) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('transactions', sid, 'unknown_user', { email: lowerEmail(row.user_email) });
        continue;
      }
      const email = lowerEmail(row.user_email);
      legacySums.set(email, (legacySums.get(email) ?? 0) + (int(row.credits) ?? 0));
      const id = targetIdOf('transactions', sid);
      const u = begin('transactions', sid, 'legacy_transactions', id);
      if (!u) continue;
      const amount = row.amount_usd === null ? null : floatToCents(Number(row.amount_usd));
      u.inserts.push({
        table: legacyTransactions,
        values: {
          id, userId, type: str(row.type) ?? 'unknown', credits: int(row.credits) ?? 0,
          amountUsd: amount === null || amount > MAX_CENTS || amount < -MAX_CENTS ? null : centsToText(amount),
          description: str(row.description), referenceId: str(row.reference_id), status: str(row.status), createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
    let mismatches = 0;
    for (const row of source.users) {
      const email = lowerEmail(row.email);
      if ((legacySums.get(email) ?? 0) !== (int(row.credits) ?? 0)) mismatches++;
    }
    totals.legacy_sum_mismatches = mismatches;
  }

  // ─── payments ──────────────────────────────────────────────────────────────
  {
    const step = newStep('payments');
    const legacyMethods = new Map<string, string>();
    let syntheticPackageUsed = false;
    let nonUsd = 0;
    for (const p of plannedPayments) {
      const { row, sid, userId } = p;
      const id = targetIdOf('payments', sid);
      const credits = int(row.credits) ?? 0;
      if (credits <= 0) {
        skip('payments', sid, 'non_positive_credits');
        continue;
      }
      const amount = row.amount_usd === null ? 0n : floatToCents(Number(row.amount_usd));
      const original = row.original_amount === null ? 0n : floatToCents(Number(row.original_amount));
      const list = original > 0n ? original : amount;
      if (list <= 0n || list > MAX_CENTS) {
        skip('payments', sid, 'zero_price');
        continue;
      }
      const u = begin('payments', sid, 'payments', id);
      if (!u) continue;
      let discount = list - amount;
      if (discount < 0n || discount > list) {
        discount = discount < 0n ? 0n : list;
        problem({ table: 'payments', source_id: sid, reason: 'amount_clamped', email: lowerEmail(row.user_email) });
      }
      let packageId = packages.filter((k) => k.credits === credits && k.priceCents === list).map((k) => k.id);
      if (packageId.length !== 1) {
        packageId = [LEGACY_PACKAGE_ID];
        if (!syntheticPackageUsed) {
          syntheticPackageUsed = true;
          u.inserts.push({
            table: creditPackages,
            values: { id: LEGACY_PACKAGE_ID, name: 'Legacy purchase', credits: 1, priceUsd: '0.01', isActive: false, sortOrder: 1000, description: 'Payments imported from Planlyze (Flask) that match no package' },
          });
        }
      }
      const methodName = str(row.payment_method)?.trim() || null;
      let methodId = methodName ? findMethod(methodName)?.id : undefined;
      if (!methodId) {
        const legacyName = methodName ?? 'Unknown (legacy)';
        const key = legacyName.toLowerCase();
        methodId = legacyMethods.get(key);
        if (!methodId) {
          methodId = uuidv5(`synthetic:payment_methods:${key}`);
          legacyMethods.set(key, methodId);
          u.inserts.push({ table: paymentMethods, values: { id: methodId, name: legacyName, type: 'legacy', details: {}, isActive: false, sortOrder: 1000 } });
          problem({ table: 'payments', source_id: sid, reason: 'method_unmatched', detail: legacyName });
        }
      }
      const createdAt = ts(row.created_at) ?? importTime;
      const reviewedBy = p.status === 'pending' ? null : (userOf(row.approved_by) ?? null);
      const code = p.codeKey ? codeIds.get(p.codeKey) : undefined;
      if (p.codeKey && !code) problem({ table: 'payments', source_id: sid, reason: 'discount_code_unknown' });
      let proof = str(row.payment_proof);
      if (proof !== null && proof.length > MAX_PROOF_CHARS) {
        problem({ table: 'payments', source_id: sid, reason: 'proof_too_large', detail: `${proof.length} characters` });
        archiveRow(u, 'payments', sid, 'proof_too_large', { characters: proof.length });
        proof = null;
      }
      const currency = paymentCurrency(c, u, row, sid, list - discount);
      if (currency.currencyCode !== 'USD') nonUsd++;
      const notes = str(row.notes);
      u.inserts.push({
        table: payments,
        values: {
          id, userId, packageId: packageId[0], paymentMethodId: methodId, quantity: 1, credits,
          listPriceUsd: centsToText(list), discountUsd: centsToText(discount), amountUsd: centsToText(list - discount),
          discountCodeId: code?.id ?? null, paymentProof: proof, source: 'import', status: p.status,
          notes: p.status === 'pending' ? `[imported: verify amount and credits]${notes ? ` ${notes}` : ''}` : p.status === 'rejected' ? null : notes,
          rejectionReason: p.status === 'rejected' ? notes : null,
          reviewedBy, reviewedAt: p.status === 'pending' ? null : (ts(row.approved_at) ?? createdAt), createdAt, updatedAt: createdAt,
          ...currency, rateQuotedAt: createdAt,
        },
      });
      if (code && p.status !== 'rejected') {
        u.inserts.push({
          table: discountRedemptions,
          values: { id: uuidv5(`redemption:${id}`), discountCodeId: code.id, userId, paymentId: id, status: p.status === 'approved' ? 'confirmed' : 'reserved', discountUsd: centsToText(discount), createdAt },
        });
        // Per-user counter: upserted by one; its max is the code's per-user limit (≥ every user's imported uses).
        u.after.push(sql`
          INSERT INTO discount_code_user_uses (discount_code_id, user_id, uses, max_uses) VALUES (${code.id}, ${userId}, 1, ${code.perUser})
          ON CONFLICT (discount_code_id, user_id) DO UPDATE SET uses = discount_code_user_uses.uses + 1,
            max_uses = GREATEST(discount_code_user_uses.max_uses, excluded.max_uses)`);
      }
      push(step, u);
    }
    totals.payments_non_usd = nonUsd;
    totals.payments_imported_pending = plannedPayments.filter((p) => p.status === 'pending').length;
  }
}
