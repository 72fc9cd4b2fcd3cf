/**
 * Words of a text for search, in Chinese and English alike: ICU's word segmentation (Intl.Segmenter,
 * dictionary-based for Chinese), lower-cased, with runs of single Chinese characters also joined
 * (发|货 -> 发货) so that a split compound still matches as one. PostgreSQL's English stemmer then
 * reduces them (shipping -> ship) and drops English stop words (see STEMMED).
 */
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /^\p{Script=Han}$/u;

/** Chinese function and question words, which say nothing about the topic (as English stop words do). */
const CHINESE_STOP_WORDS = new Set([
  '的',
  '了',
  '吗',
  '呢',
  '吧',
  '啊',
  '呀',
  '么',
  '是',
  '我',
  '我的',
  '你',
  '您',
  '你们',
  '我们',
  '他',
  '她',
  '在',
  '有',
  '和',
  '与',
  '或',
  '请问',
  '请',
  '一下',
  '这个',
  '那个',
  '这',
  '那',
  '怎么',
  '怎么样',
  '怎样',
  '什么',
  '什么时候',
  '如何',
  '为什么',
  '哪里',
  '哪些',
  '哪个',
  '可以',
  '能',
  '能不能',
  '会',
  '要',
  '想',
  '需要',
  '多久',
  '多少',
  '吗',
  '还',
  '就',
  '都',
  '也',
  '没有',
  '不',
]);

/** A text's segments in order, normalised for width and case (NFKC, lower-case), with whether each is a word. */
export const segmentsOf = (text: string): { segment: string; isWordLike: boolean }[] =>
  [...segmenter.segment(normalised(text))].map(({ segment, isWordLike }) => ({ segment, isWordLike: Boolean(isWordLike) }));

/** Full-width letters and digits as ASCII (NFKC), lower-cased: how texts are compared. */
export const normalised = (text: string): string => text.normalize('NFKC').toLowerCase();

export function wordsOf(text: string): string[] {
  const words: string[] = [];
  let run: string[] = [];
  const endRun = () => {
    if (run.length > 1) words.push(run.join(''));
    run = [];
  };
  for (const { segment, isWordLike } of segmentsOf(text)) {
    if (!isWordLike) {
      endRun();
      continue;
    }
    if (HAN.test(segment)) run.push(segment);
    else endRun();
    if (!CHINESE_STOP_WORDS.has(segment)) words.push(segment);
  }
  endRun();
  return [...new Set(words)];
}

/** SQL: the distinct stems of a text[] parameter, English stop words left out. */
export const STEMMED = `array(select distinct s[1] from unnest(?::text[]) w, ts_lexize('english_stem', w) s where s[1] is not null)`;
