import { randomUUID } from 'node:crypto'
import { objectId } from './batch-files'
import type { BatchRequest } from './batch-input'
import { type ChatMessage, promptTokens } from './chat-content'
import { openAIError } from './openai-errors'
import { type ChatCompletionRequestBody, completionBody, completionOf } from './routes/chat-completions'

/** A line of a batch's output or error file, as JSON text, and whether it is a 2xx answer. */
export interface AnsweredLine {
  ok: boolean
  text: string
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Why a body cannot be answered (what the live route's schema refuses, in short), or undefined. */
function refusalOf(body: Record<string, unknown>): { message: string; param: string } | undefined {
  if (typeof body.model !== 'string' || body.model === '') {
    return { message: "Missing required parameter: 'model'.", param: 'model' }
  }
  const { messages } = body
  if (!Array.isArray(messages) || messages.length === 0) {
    return { message: "Missing required parameter: 'messages'.", param: 'messages' }
  }
  const bad = messages.findIndex((message) => !isObject(message) || typeof message.role !== 'string')
  if (bad >= 0)
    return {
      message: `Invalid 'messages[${bad}]': expected a message with a role.`,
      param: `messages[${bad}]`,
    }
  if (body.stream === true) return { message: 'Streaming is not supported in a batch.', param: 'stream' }
  return undefined
}

/**
 * One request of a batch answered as the live route answers it (the judge's scores for the
 * conversation, the same usage), in the Batch API's line shape; a body the route would refuse gets its
 * 400 in the error file's shape.
 */
export function answerRequest(request: BatchRequest): AnsweredLine {
  const id = objectId('batch_req_')
  const body = request.body as Record<string, unknown>
  const refusal = refusalOf(body)
  if (refusal !== undefined) {
    const error = openAIError(refusal.message, 'invalid_request_error', 'invalid_value', refusal.param)
    const response = { status_code: 400, request_id: `req_${randomUUID().replaceAll('-', '')}`, body: error }
    return { ok: false, text: JSON.stringify({ id, custom_id: request.customId, response, error: null }) }
  }
  const chat = body as unknown as ChatCompletionRequestBody
  const prompt = promptTokens(chat.messages as ChatMessage[])
  const completion = completionOf(chat, chat.max_completion_tokens ?? chat.max_tokens ?? undefined)
  const requestId = `chatcmpl-${randomUUID().replaceAll('-', '')}`
  const response = {
    status_code: 200,
    request_id: requestId,
    body: completionBody(requestId, chat.model, prompt, completion),
  }
  return { ok: true, text: JSON.stringify({ id, custom_id: request.customId, response, error: null }) }
}

/** The error file's line of a request the batch did not run (`batch_expired`, `batch_cancelled`). */
export function notRunLine(request: BatchRequest, code: string, message: string): string {
  return JSON.stringify({
    id: objectId('batch_req_'),
    custom_id: request.customId,
    response: null,
    error: { code, message },
  })
}
