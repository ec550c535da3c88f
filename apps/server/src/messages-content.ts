import { randomUUID } from 'node:crypto'
import { type ChatMessage, judgedCompletion, promptTokens } from './chat-content'

/** A text block of Anthropic's content; other blocks (images, documents) count no text. */
interface ContentBlock {
  type: string
  text?: string
}

/** The fields of an Anthropic Messages request the server reads; others are accepted and ignored. */
export interface MessagesRequestBody {
  model: string
  max_tokens: number
  messages: { role: 'user' | 'assistant'; content: string | ContentBlock[] }[]
  system?: string | ContentBlock[]
  stream?: boolean | null
}

/** The request as chat messages: its `system` prompt first, then its turns. */
function chatMessages(body: MessagesRequestBody): ChatMessage[] {
  const turns: ChatMessage[] = body.messages
  return body.system === undefined ? turns : [{ role: 'system', content: body.system }, ...turns]
}

/** The input tokens a request is charged and reported: the chat estimate of its system prompt and turns. */
export function inputTokens(body: MessagesRequestBody): number {
  return promptTokens(chatMessages(body))
}

/** The judge's answer to the conversation, cut at `max_tokens` as a real model stops. */
export function messageAnswer(body: MessagesRequestBody) {
  return judgedCompletion(chatMessages(body), body.max_tokens)
}

/** A new message id, as Anthropic's look (`msg_` and 24 characters). */
export function messageId(): string {
  return `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`
}

/** A `message` object, as `POST /v1/messages` answers one. */
export function messageBody(
  id: string,
  body: MessagesRequestBody,
  input: number,
  answer: ReturnType<typeof messageAnswer>,
) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text: answer.content }],
    stop_reason: answer.cut ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: answer.tokens },
  }
}
