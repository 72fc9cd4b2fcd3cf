import { AuthorKind } from '../../graphql/enums';
import { normalised, segmentsOf } from '../knowledge/search-terms.rules';
import lexicon from './sentiment-lexicon.json';

const WORDS = new Map(Object.entries(lexicon.words as Record<string, number>));
const NEGATORS = new Set(lexicon.negators);
const INTENSIFIERS = new Map(Object.entries(lexicon.intensifiers as Record<string, number>));
/** How far back (in words) a negator or an intensifier reaches. */
const REACH = 3;
/** A negated word counts against, a little weaker than the word itself ("not good" is less than "bad"). */
const NEGATED = -0.75;
/** Scales a sum of scores into -1..1 (VADER's normalisation). */
const ALPHA = 15;

/**
 * The sentiment of a text, from -1 (negative) to 1 (positive): a lexicon method. The text is cut
 * into words by the knowledge base's segmentation (ICU's dictionary-based word breaks, so Chinese
 * too); each word of the lexicon scores, scaled by intensifiers and flipped by a negator among the
 * three words before it ("非常不满意", "not happy"); the sum is squashed into -1..1. It knows no
 * sarcasm, no context beyond three words, and no word outside its lexicon.
 */
export function sentimentOf(text: string): number {
  // words in order; punctuation ends a clause (null), which negation and intensity do not cross
  const words = segmentsOf(text).flatMap((s) => (s.isWordLike ? [s.segment] : s.segment.trim() ? [null] : []));
  const modifies = (word: string | null) => word !== null && (NEGATORS.has(word) || INTENSIFIERS.has(word));
  let sum = 0;
  words.forEach((word, i) => {
    const score = word === null ? undefined : WORDS.get(word);
    // an intensifier that modifies the next word is not a word of its own ("好慢")
    if (score === undefined || (INTENSIFIERS.has(word!) && WORDS.has(words[i + 1] ?? ''))) return;
    let scaled = score;
    for (let j = i - 1; j >= Math.max(0, i - REACH); j--) {
      const before = words[j];
      if (!modifies(before)) {
        if (before === null || WORDS.has(before)) break;
        continue;
      }
      scaled *= NEGATORS.has(before!) ? NEGATED : INTENSIFIERS.get(before!)!;
    }
    sum += scaled;
  });
  return Math.round((sum / Math.sqrt(sum * sum + ALPHA)) * 1000) / 1000;
}

/** Whether an agent's reply holds one of the phrases, compared after normalising width and case. */
export const isEmpathetic = (text: string, phrases: readonly string[]): boolean => {
  const body = normalised(text);
  return phrases.some((phrase) => phrase.trim() && body.includes(normalised(phrase.trim())));
};

/** What a message says of its author's tone: the customer's sentiment, an agent's empathy; neither for the bot and the system. */
export interface Tone {
  sentiment: number | null;
  empathetic: boolean | null;
}

export const toneOf = (author: AuthorKind, body: string, settings: { scoreSentiment: boolean; empathyPhrases: readonly string[] }): Tone => ({
  sentiment: author === AuthorKind.CUSTOMER && settings.scoreSentiment ? sentimentOf(body) : null,
  empathetic: author === AuthorKind.AGENT ? isEmpathetic(body, settings.empathyPhrases) : null,
});

/** The tone of the bot's and the system's messages: none. */
export const NO_TONE: Tone = { sentiment: null, empathetic: null };
