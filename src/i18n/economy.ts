/** Messages of the credits economy and administration (issue: economy). Same shape as messages.ts. */
export const economyMessages = {} satisfies Record<string, { en: string; ar: string }>;
