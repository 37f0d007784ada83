/** Import mapping: notifications, conversations, activity, audit, email templates and settings (§16.3). */
import { sql } from 'drizzle-orm';
import {
  activityFeed,
  auditLogs,
  chatConversations,
  emailTemplates,
  notifications,
  type NotificationType,
} from '../db/schema.js';
import { isSettingKey, SETTINGS } from '../services/settings.js';
import { isPlainObject, readJson } from './json.js';
import { targetIdOf, uuidv5 } from './plan.js';
import { bool, cut, str, ts, type Ctx } from './context.js';

const NOTIFICATION_MAP: Record<string, NotificationType> = {
  analysis_complete: 'analysis_completed',
  report_shared_opened: 'share_opened',
  referral_bonus: 'referral_rewarded',
  payment_approved: 'payment_approved',
  payment_rejected: 'payment_rejected',
  credits_low: 'credits_low',
  credits_added: 'credits_added',
  referral_joined: 'referral_joined',
};
/** Upstream template keys → this product's template keys (§16.3). */
const TEMPLATE_KEYS: Record<string, string> = {
  low_credits: 'credits_low',
  shared_report_accessed: 'share_opened',
  referral_bonus_referrer: 'referral_reward',
  ngo_request_status_change: 'ngo_request_reviewed',
  ngo_request_new: 'admin_ngo_request',
};

export function mapMessages(c: Ctx): void {
  const { source, target, options, importTime, totals, report, problem, skip, archiveRow, isMapped, begin, push, newStep, archiveOnly, userOf, analysisOwner } = c;
  // ─── notifications ─────────────────────────────────────────────────────────
  {
    const step = newStep('notifications');
    for (const row of source.notifications) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('notifications', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('notifications', sid);
      const u = begin('notifications', sid, 'notifications', id);
      if (!u) continue;
      const sourceType = str(row.type) ?? '';
      const type: NotificationType = NOTIFICATION_MAP[sourceType] ?? 'announcement';
      const meta = readJson(row.meta_data);
      let data: Record<string, unknown> | null = meta.kind === 'value' ? (isPlainObject(meta.value) ? meta.value : { value: meta.value }) : null;
      if (meta.kind === 'malformed' || meta.kind === 'unrepresentable') archiveRow(u, 'notifications', sid, `meta_${meta.kind}`, { meta_data: meta.raw });
      if (type === 'announcement' && sourceType !== 'announcement') data = { ...(data ?? {}), legacy_type: sourceType };
      u.inserts.push({
        table: notifications,
        values: { id, userId, type, title: str(row.title) ?? (sourceType || type), message: str(row.message) ?? '', data, isRead: bool(row.is_read, false), createdAt: ts(row.created_at) ?? importTime },
      });
      push(step, u);
    }
  }

  // ─── chat conversations ────────────────────────────────────────────────────
  {
    const step = newStep('chat_conversations');
    for (const row of source.chat_conversations) {
      const sid = String(row.id);
      const userId = userOf(row.user_email);
      if (!userId) {
        skip('chat_conversations', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('chat_conversations', sid);
      const u = begin('chat_conversations', sid, 'chat_conversations', id);
      if (!u) continue;
      const createdAt = ts(row.created_at) ?? importTime;
      const parsed = readJson(row.messages);
      if (parsed.kind === 'malformed' || parsed.kind === 'unrepresentable') {
        problem({ table: 'chat_conversations', source_id: sid, reason: `messages_${parsed.kind}` });
        archiveRow(u, 'chat_conversations', sid, `messages_${parsed.kind}`, { characters: parsed.raw.length });
      }
      const list = parsed.kind === 'value' && Array.isArray(parsed.value) ? parsed.value : [];
      const kept = list
        .filter((m): m is Record<string, unknown> => isPlainObject(m) && (m.role === 'user' || m.role === 'assistant') && typeof m.content === 'string' && m.content.length <= 20000)
        .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content as string, timestamp: typeof m.timestamp === 'string' && !Number.isNaN(Date.parse(m.timestamp)) ? m.timestamp : createdAt.toISOString() }));
      if (kept.length < list.length) problem({ table: 'chat_conversations', source_id: sid, reason: 'messages_dropped', detail: String(list.length - kept.length) });
      const last = kept.slice(-200);
      if (last.length < kept.length) problem({ table: 'chat_conversations', source_id: sid, reason: 'messages_truncated', detail: `${kept.length} → 200` });
      const owner = row.analysis_id ? analysisOwner.get(String(row.analysis_id)) : undefined;
      u.inserts.push({
        table: chatConversations,
        values: {
          id, userId, analysisId: owner && owner.userId === userId ? owner.id : null, title: cut(str(row.title), 200), messages: last, messageCount: last.length,
          createdAt, updatedAt: ts(row.updated_at) ?? createdAt,
        },
      });
      push(step, u);
    }
  }

  // ─── activity feed, audit logs ─────────────────────────────────────────────
  {
    const step = newStep('activity_feed');
    for (const row of source.activity_feed) {
      const sid = String(row.id);
      const userId = row.user_email ? userOf(row.user_email) : undefined;
      if (!userId) {
        skip('activity_feed', sid, 'unknown_user');
        continue;
      }
      const id = targetIdOf('activity_feed', sid);
      const u = begin('activity_feed', sid, 'activity_feed', id);
      if (!u) continue;
      const meta = readJson(row.meta_data);
      u.inserts.push({
        table: activityFeed,
        values: { id, userId, action: str(row.action_type) ?? 'legacy', data: { title: str(row.title), description: str(row.description), metadata: meta.kind === 'value' ? meta.value : null, legacy: true }, createdAt: ts(row.created_at) ?? importTime },
      });
      push(step, u);
    }
  }
  {
    const step = newStep('audit_logs');
    for (const row of source.audit_logs) {
      const sid = String(row.id);
      const id = targetIdOf('audit_logs', sid);
      const u = begin('audit_logs', sid, 'audit_logs', id);
      if (!u) continue;
      const meta = readJson(row.meta_data);
      u.inserts.push({
        table: auditLogs,
        values: {
          id, actorId: row.performed_by ? (userOf(row.performed_by) ?? null) : null, action: `legacy.${str(row.action_type) ?? 'unknown'}`,
          entityType: str(row.entity_type) ?? 'legacy', entityId: str(row.entity_id),
          changes: { after: { description: str(row.description), user_email: str(row.user_email), meta_data: meta.kind === 'value' ? meta.value : null } },
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
  }

  // ─── email templates ───────────────────────────────────────────────────────
  {
    const step = newStep('email_templates');
    const decisions: Record<string, string> = {};
    for (const row of source.email_templates) {
      const sid = String(row.id);
      const sourceKey = str(row.template_key) ?? '';
      const key = sourceKey.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const product = target.templates.get(TEMPLATE_KEYS[sourceKey] ?? sourceKey);
      if (options.templates === 'prefer-source' && product && row.subject_en && row.subject_ar && row.body_en && row.body_ar) {
        const texts = [row.subject_en, row.subject_ar, row.body_en, row.body_ar].map(String);
        const used = new Set(texts.flatMap((x) => [...x.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!)));
        const conditional = texts.some((x) => x.includes('{{#'));
        if (!conditional && [...used].every((v) => product.variables.has(v))) {
          const u = begin('email_templates', sid, 'email_templates', product.id);
          if (!u) continue;
          decisions[key] = `replaced the texts of ${TEMPLATE_KEYS[sourceKey] ?? sourceKey}`;
          u.before.push(sql`
            UPDATE email_templates SET subject_en = ${texts[0]}, subject_ar = ${texts[1]}, body_en = ${texts[2]}, body_ar = ${texts[3]}, updated_at = now()
            WHERE id = ${product.id}`);
          push(step, u, 'mapped_existing');
          continue;
        }
        problem({ table: 'email_templates', source_id: sid, reason: conditional ? 'template_conditional' : 'template_undeclared_variable', detail: sourceKey });
      }
      const legacyKey = `legacy_${key}`.slice(0, 64);
      if (!row.subject_en || !row.body_en || !row.subject_ar || !row.body_ar) {
        skip('email_templates', sid, 'missing_text');
        decisions[key] = 'skipped (missing text)';
        continue;
      }
      const id = targetIdOf('email_templates', sid);
      const u = begin('email_templates', sid, 'email_templates', id);
      if (!u) continue;
      decisions[key] = `imported as ${legacyKey} (inactive)`;
      u.inserts.push({
        table: emailTemplates,
        values: {
          id, templateKey: legacyKey, name: `Legacy: ${str(row.name) ?? key}`, subjectEn: String(row.subject_en), subjectAr: String(row.subject_ar),
          bodyEn: String(row.body_en), bodyAr: String(row.body_ar), description: 'Imported from Planlyze (Flask) for reference; not sent.', isActive: false,
          createdAt: ts(row.created_at) ?? importTime,
        },
      });
      push(step, u);
    }
    totals.template_decisions = decisions;
  }

  // ─── system settings ───────────────────────────────────────────────────────
  {
    const step = newStep('system_settings');
    const replaced: Record<string, number> = {};
    for (const row of source.system_settings) {
      const sid = String(row.id);
      const key = str(row.key) ?? '';
      const raw = (str(row.value) ?? '').trim();
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      if (!isSettingKey(key) || !SETTINGS[key].schema.safeParse(value).success) {
        if (isMapped('system_settings', sid)) {
          report('system_settings').already_present++;
          continue;
        }
        skip('system_settings', sid, isSettingKey(key) ? 'invalid_value' : 'unknown_key', { detail: key });
        archiveOnly(step, 'system_settings', sid, isSettingKey(key) ? 'invalid_value' : 'unknown_key', { key, value: raw });
        continue;
      }
      const u = begin('system_settings', sid, 'system_settings', uuidv5(`system_settings:${key}`));
      if (!u) continue;
      replaced[key] = value;
      // The first import of a known key replaces the seeded value (import_map keeps later runs from doing it again).
      u.before.push(sql`
        INSERT INTO system_settings (key, value, updated_at) VALUES (${key}, ${JSON.stringify(value)}::jsonb, now())
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`);
      push(step, u);
    }
    totals.settings_replaced = replaced;
  }

  // Not imported by design (§16.3): api_request_logs (bodies, codes, tokens) and seed_versions are never read.
}
