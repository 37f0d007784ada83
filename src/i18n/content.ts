/** Messages of analyses, shares, notifications, conversations, templates (issue: content). */
export const contentMessages = {} satisfies Record<string, { en: string; ar: string }>;
