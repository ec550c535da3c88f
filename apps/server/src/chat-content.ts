import { type JudgeScores, type JudgeVerdict, scoreAnswer, verdictOf } from './judge-scores'

/** One message of a chat completion request, as the route's schema lets it through. */
export interface ChatMessage {
  role: string
  name?: unknown
  content?: string | readonly { type: string; text?: string }[] | null
}

/** The completion's content, parsed: the judge's answer for the conversation. */
export interface ChatVerdict {
  /** The judge request's `id`, when the conversation was a judge request body. */
  id?: string
  scores: JudgeScores
  verdict: JudgeVerdict
}

/** A message's text: its string content, or its text parts joined by `separator`. */
export function messageText(message: ChatMessage, separator = '\n'): string {
  const { content } = message
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join(separator)
}

/**
 * The prompt tokens charged and reported, the estimate clients use without a tokenizer (as the
 * openai-cookbook counts, and @boundkit/limiter's `estimateTokens` without gpt-tokenizer): per message
 * 4 + ceil(characters of its text, parts joined as they are / 4) + ceil(characters of its `name` / 4),
 * plus 2 for the reply's priming.
 */
export function promptTokens(messages: readonly ChatMessage[]): number {
  let tokens = 2
  for (const message of messages) {
    tokens += 4 + Math.ceil(messageText(message, '').length / 4)
    if (typeof message.name === 'string') tokens += Math.ceil(message.name.length / 4)
  }
  return tokens
}

/** The completion tokens of a content: ceil(characters / 4). */
export function completionTokens(content: string): number {
  return Math.ceil(content.length / 4)
}

interface Conversation {
  id?: string
  question: string
  contexts: string[]
  answer: string
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

/** A judge request body `{ id?, question, contexts, answer }` written as JSON. */
function fromJudgeJson(text: string): Conversation | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { id, question, contexts, answer } = value as Record<string, unknown>
  if (typeof question !== 'string' || typeof answer !== 'string') return undefined
  if (typeof contexts !== 'string' && !isStrings(contexts)) return undefined
  return {
    ...(typeof id === 'string' ? { id } : {}),
    question,
    contexts: typeof contexts === 'string' ? [contexts] : contexts,
    answer,
  }
}

/**
 * A line that opens a section: the label alone (`## Contexts`) or followed by a colon and maybe text
 * (`Question: ...`, `**Answer:** ...`); case ignored.
 */
const SECTION = /^[ \t>#*_-]*(question|contexts?|answer)[*_]*[ \t]*(?::[*_]*[ \t]*(.*))?$/i

/** A judge prompt written as labelled sections (what a template fills in): Question, Context(s), Answer. */
function fromSections(text: string): Conversation | undefined {
  const sections = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of text.split(/\r?\n/)) {
    const match = SECTION.exec(line)
    if (match) {
      const name = match[1]!.toLowerCase().replace(/s$/, '')
      current = sections.get(name) ?? []
      sections.set(name, current)
      if (match[2]) current.push(match[2])
    } else current?.push(line)
  }
  const question = sections.get('question')
  const answer = sections.get('answer')
  if (!question || !answer) return undefined
  return {
    question: question.join('\n'),
    contexts: (sections.get('context') ?? []).filter((line) => line.trim() !== ''),
    answer: answer.join('\n'),
  }
}

/**
 * The conversation to judge: the last user message, read as a judge request body (JSON), or as
 * labelled `Question` / `Context` / `Answer` sections, or else as it is: the text is the answer, and
 * the messages before it (system prompt, earlier turns) are the question and the contexts.
 */
function conversationOf(messages: readonly ChatMessage[]): Conversation {
  let last = messages.length - 1
  while (last >= 0 && messages[last]!.role !== 'user') last--
  const text = last >= 0 ? messageText(messages[last]!) : ''
  const parsed = fromJudgeJson(text) ?? fromSections(text)
  if (parsed) return parsed
  const before = messages.slice(0, Math.max(0, last)).map((message) => messageText(message))
  return { question: before.join('\n'), contexts: before, answer: text }
}

/** The judge's deterministic answer for a chat conversation (same messages, same answer). */
export function judgeConversation(messages: readonly ChatMessage[]): ChatVerdict {
  const { id, ...input } = conversationOf(messages)
  const scores = scoreAnswer(input)
  return { ...(id === undefined ? {} : { id }), scores, verdict: verdictOf(scores) }
}

/** A judged answer: its content, its tokens, and whether it was cut at the request's bound. */
export interface JudgedCompletion {
  content: string
  tokens: number
  /** True when the answer was cut at `maxTokens`, as a real model stops. */
  cut: boolean
}

/** The judge's answer to the conversation as JSON, cut at `maxTokens` (4 characters a token). */
export function judgedCompletion(
  messages: readonly ChatMessage[],
  maxTokens: number | undefined,
): JudgedCompletion {
  const content = JSON.stringify(judgeConversation(messages))
  const tokens = completionTokens(content)
  if (maxTokens === undefined || tokens <= maxTokens) return { content, tokens, cut: false }
  return { content: content.slice(0, maxTokens * 4), tokens: maxTokens, cut: true }
}
