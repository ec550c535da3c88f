import type { JudgeRequestBody } from '@boundkit/server'
import { seededRandom } from '@boundkit/server'

const TOPICS = [
  ['the Eiffel Tower', 'Paris', 'was completed in 1889 for the World Fair'],
  ['photosynthesis', 'plants', 'turns light, water and carbon dioxide into sugar and oxygen'],
  ['TCP', 'the transport layer', 'retransmits lost segments and keeps bytes in order'],
  ['the Rhine', 'Europe', 'flows from the Swiss Alps to the North Sea'],
  ['vaccines', 'immunology', 'train the immune system with a harmless antigen'],
  ['the event loop', 'Node.js', 'runs callbacks one at a time on a single thread'],
  ['binary search', 'sorted arrays', 'halves the search range at every step'],
  ['the Moon', 'the Earth', 'always shows the same face because of tidal locking'],
] as const

/**
 * Synthetic RAG conversations (question, retrieved contexts, answer), seeded so every run judges the
 * same data: some answers are faithful to their contexts, some drift, some are off-topic.
 */
export function conversations(count: number, seed = 7): JudgeRequestBody[] {
  const random = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const items: JudgeRequestBody[] = []
  for (let i = 0; i < count; i++) {
    const [subject, domain, fact] = pick(TOPICS)
    const other = pick(TOPICS)
    const roll = random()
    const answer =
      roll < 0.6
        ? `${subject} ${fact}.`
        : roll < 0.85
          ? `${subject} is related to ${domain}, and ${other[2]}.`
          : `I am not sure; ${other[0]} ${other[2]}.`
    items.push({
      id: `conv-${String(i).padStart(5, '0')}`,
      question: `What should I know about ${subject} in ${domain}?`,
      contexts: [
        `${subject} ${fact}.`,
        `${subject} is often discussed in the context of ${domain}.`,
        `${other[0]} ${other[2]}.`,
      ],
      answer,
    })
  }
  return items
}
