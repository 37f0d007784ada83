/** Referral codes: 8 characters from an alphabet without look-alikes (0/O, 1/I), 40 bits from a CSPRNG. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // 32 symbols: one byte → one symbol without bias

export function newReferralCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return code;
}

/** Codes are case-insensitive for people; stored upper-case. */
export const normalizeReferralCode = (code: string) => code.trim().toUpperCase();
