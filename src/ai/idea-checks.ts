/**
 * Deterministic checks of a business idea (SPEC §5, §10 validate-idea), run on every request, with
 * or without AI: enough words, letters in Latin or Arabic script, not one thing repeated, not keyboard
 * mashing. They are deliberately lenient — a beginner's short, plain idea must pass — and only catch
 * what no model call should be spent on.
 */
export type IdeaReason = 'too_short' | 'repetitive' | 'gibberish' | 'no_letters' | 'ok' | 'ai_rejected' | 'industry_mismatch';

export interface LocalVerdict {
  valid: boolean;
  reason: IdeaReason;
  confidence: number;
}

const LETTER = /\p{L}/u;
const SUPPORTED_LETTER = /[\p{Script=Latin}\p{Script=Arabic}]/u;
const LATIN_WORD = /^\p{Script=Latin}+$/u;
const VOWEL = /[aeiouyàâäéèêëîïôöùûüáíóú]/i;
const CONSONANT_RUN = /[^aeiouyàâäéèêëîïôöùûüáíóú]{6,}/i;
const KEYBOARD_RUNS = ['qwer', 'wert', 'asdf', 'sdfg', 'dfgh', 'fghj', 'hjkl', 'zxcv', 'xcvb', 'uiop', 'jkl;'];

const verdict = (reason: IdeaReason, confidence: number): LocalVerdict => ({ valid: reason === 'ok', reason, confidence });

/** True when the text is mostly one short pattern over and over ("abcabcabc", "هههههه"). */
function periodic(compact: string): boolean {
  if (compact.length < 12) return false;
  for (let period = 1; period <= 10; period++) {
    let same = 0;
    for (let i = 0; i + period < compact.length; i++) if (compact[i] === compact[i + period]) same++;
    if (same / (compact.length - period) >= 0.85) return true;
  }
  return false;
}

function looksMashed(word: string): boolean {
  const w = word.toLowerCase();
  if (w.length < 4) return false;
  return !VOWEL.test(w) || CONSONANT_RUN.test(w) || KEYBOARD_RUNS.some((run) => w.includes(run));
}

export function checkIdeaLocally(text: string): LocalVerdict {
  const chars = Array.from(text);
  const letters = chars.filter((ch) => LETTER.test(ch));
  const supported = letters.filter((ch) => SUPPORTED_LETTER.test(ch));
  if (supported.length < 3 || supported.length < letters.length * 0.5) return verdict('no_letters', 0.99);

  const words = text.split(/[\s\p{P}\p{S}]+/u).filter((w) => LETTER.test(w));
  const compact = letters.join('').toLowerCase();
  const distinctWords = new Set(words.map((w) => w.toLowerCase()));
  if (/(\p{L})\1{4,}/u.test(text) || periodic(compact) || (words.length >= 4 && distinctWords.size / words.length < 0.4)) {
    return verdict('repetitive', 0.9);
  }
  if (words.length < 3 || supported.length < 8) return verdict('too_short', 0.9);

  const latin = words.filter((w) => LATIN_WORD.test(w) && w.length >= 4);
  const mashed = latin.filter(looksMashed).length;
  const averageLength = letters.length / words.length;
  if ((latin.length >= 2 && mashed / latin.length >= 0.5) || averageLength > 18) return verdict('gibberish', 0.8);

  // Passing these checks says little about quality: without the AI opinion, confidence stays middling.
  return verdict('ok', 0.6);
}

/**
 * The one local check that is a rule, not advice (issue 10): an idea must hold words in a supported
 * script. Applied where an idea is stored and again before any model call; the other checks stay
 * advisory (validate-idea), so a beginner's short plain idea is never refused.
 */
export const ideaHasLetters = (text: string): boolean => checkIdeaLocally(text).reason !== 'no_letters';
