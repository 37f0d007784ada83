/** EN + AR texts of the notifications the economy writes, from the i18n catalog (both are stored). */
import { translate, type MessageKey } from '../i18n/messages.js';
import type { NotificationType } from '../db/schema.js';

type EconomyNotification = 'payment_approved' | 'payment_rejected' | 'credits_added' | 'referral_joined' | 'referral_rewarded';

export function notificationTexts(type: EconomyNotification & NotificationType, params?: Record<string, string | number>) {
  const title = `notify.${type}.title` as MessageKey;
  const message = `notify.${type}.message` as MessageKey;
  return {
    type,
    title: translate(title, 'en', params),
    message: translate(message, 'en', params),
    titleAr: translate(title, 'ar', params),
    messageAr: translate(message, 'ar', params),
  };
}
