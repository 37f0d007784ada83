/** Messages of the AI group (issue: AI). */
export const aiMessages = {} satisfies Record<string, { en: string; ar: string }>;
