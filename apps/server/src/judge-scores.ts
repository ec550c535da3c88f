/** What the judge answers for one RAG answer. */
export interface JudgeScores {
  /** Share of the question's content words the answer uses. */
  relevance: number
  /** Share of the answer's content words found in the contexts (grounding). */
  faithfulness: number
  /** Share of the context sentences relevant to the question that the answer draws on. */
  completeness: number
}

export type JudgeVerdict = 'pass' | 'fail'

interface JudgeInput {
  question: string
  contexts: readonly string[]
  answer: string
}

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these they this to was we were ' +
    'what when where which who whom why will with you your'
  ).split(' '),
)

/** Lower-cased content words: letters and digits, stop words dropped. */
export function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  return new Set(words.filter((w) => !STOP_WORDS.has(w)))
}

function share(part: Set<string>, whole: Set<string>): number {
  if (whole.size === 0) return 0
  let hits = 0
  for (const word of whole) if (part.has(word)) hits++
  return hits / whole.size
}

function intersects(a: Set<string>, b: Set<string>): boolean {
  for (const word of a) if (b.has(word)) return true
  return false
}

const round = (value: number) => Math.round(value * 1000) / 1000

/**
 * Scores an answer from its text alone, deterministically (same input, same scores): word overlap
 * between question, contexts and answer. Each score is in [0, 1], rounded to 3 decimals.
 */
export function scoreAnswer(input: JudgeInput): JudgeScores {
  const question = contentWords(input.question)
  const answer = contentWords(input.answer)
  const context = new Set<string>()
  const relevantSentences: Set<string>[] = []
  for (const text of input.contexts) {
    for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
      const words = contentWords(sentence)
      for (const word of words) context.add(word)
      if (intersects(words, question)) relevantSentences.push(words)
    }
  }
  const covered = relevantSentences.filter((words) => intersects(words, answer)).length
  return {
    relevance: round(share(answer, question)),
    faithfulness: round(share(context, answer)),
    completeness: round(relevantSentences.length === 0 ? 0 : covered / relevantSentences.length),
  }
}

/** `pass` when every score is at least 0.5. */
export function verdictOf(scores: JudgeScores): JudgeVerdict {
  return scores.relevance >= 0.5 && scores.faithfulness >= 0.5 && scores.completeness >= 0.5 ? 'pass' : 'fail'
}
