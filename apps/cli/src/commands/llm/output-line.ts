import { shorten } from '../../errors'
import { errorRecord, type HttpAnswer } from '../../http'
import type { LineResult } from '../../run/runner'

/** Where an answer's text is, as `--json-answer` names it: its path, and in words. */
export interface AnswerText {
  path: string
  name: string
}

/** An answer's text parsed as JSON (`--json-answer`), or the coded error of the line. */
export function parsedAnswer(
  content: unknown,
  where: AnswerText,
): { answer: unknown } | { error: { code: string; message: string } } {
  if (typeof content !== 'string') {
    return {
      error: { code: 'ERR_ANSWER_NOT_JSON', message: `the answer has no ${where.path} (--json-answer)` },
    }
  }
  try {
    return { answer: JSON.parse(content) }
  } catch {
    return {
      error: {
        code: 'ERR_ANSWER_NOT_JSON',
        message: `${where.name} is not JSON (--json-answer): ${JSON.stringify(shorten(content, 80))}`,
      },
    }
  }
}

/** The first choice's content parsed as JSON (`--json-answer`), or the coded error of the line. */
function answerOf(body: unknown) {
  const choice = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]
  const where = { path: 'choices[0].message.content', name: "the first choice's content" }
  return parsedAnswer(choice?.message?.content, where)
}

const round = (ms: number) => Math.round(ms * 10) / 10

/**
 * A line of the OpenAI Batch API output format plus boundkit's `attempts` and `ms`:
 * `{ id, custom_id, response: { status_code, request_id, body }, error: null }` for an answer,
 * `{ id: null, custom_id, response: null | { status_code, request_id, body }, error: { code, message } }`
 * for a failure (the OpenAI error's code when the server sent one).
 */
export function llmLine(
  customId: string,
  result: { value: HttpAnswer } | { error: unknown },
  options: { jsonAnswer: boolean; attempts: number; ms: number },
): LineResult {
  const tail = { attempts: options.attempts, ms: round(options.ms) }
  if ('value' in result) {
    const { status, headers, body } = result.value
    const requestId = headers.get('x-request-id')
    const response = { status_code: status, request_id: requestId, body }
    const id = requestId ?? (body as { id?: unknown } | null)?.id ?? null
    if (!options.jsonAnswer)
      return { line: { id, custom_id: customId, response, error: null, ...tail }, ok: true }
    const answer = answerOf(body)
    if ('error' in answer)
      return { line: { id, custom_id: customId, response, ...answer, ...tail }, ok: false }
    return { line: { id, custom_id: customId, response, error: null, ...answer, ...tail }, ok: true }
  }
  const error = errorRecord(result.error)
  const apiCode = (error.body as { error?: { code?: unknown } } | undefined)?.error?.code
  const headers = (result.error as { headers?: Headers } | null)?.headers
  const response =
    error.status === undefined
      ? null
      : {
          status_code: error.status,
          request_id: headers?.get?.('x-request-id') ?? null,
          body: error.body ?? null,
        }
  return {
    line: {
      id: null,
      custom_id: customId,
      response,
      error: { code: typeof apiCode === 'string' ? apiCode : error.code, message: error.message },
      ...tail,
    },
    ok: false,
  }
}
