import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JudgeRequestBody } from '@boundkit/server'
import type { RunIo } from '../../run/runner'
import { runLlm } from '../llm/run'
import { llmSettings } from '../llm/settings'
import type { LlmSummaryFields } from '../llm/summary'
import type { DemoContext } from './scenario'
import { demoServerOptions } from './server-options'

/** What the chat part of the I/O scenario reports. */
export interface ChatRun extends LlmSummaryFields {
  ok: number
  failed: number
  ms: number
}

/**
 * The conversations as an OpenAI Batch API request file, run by `boundkit llm`'s code path against
 * the demo server's `POST /v1/chat/completions` with its per-minute limits as `--rpm`/`--tpm`.
 */
export async function runChat(context: DemoContext, items: JudgeRequestBody[]): Promise<ChatRun> {
  const input = join(context.outDir, 'chat-requests.jsonl')
  const out = join(context.outDir, 'chat-results.jsonl')
  const lines = items.map((item, i) =>
    JSON.stringify({
      custom_id: `chat-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'demo-judge',
        messages: [{ role: 'user', content: JSON.stringify(item) }],
        max_tokens: 40,
      },
    }),
  )
  await writeFile(input, `${lines.join('\n')}\n`)
  await writeFile(out, '')
  let json = ''
  const io: RunIo = {
    stdout: {
      write: (text: string) => {
        json += text
      },
    },
    stderr: context.stream,
    argv: ['node', 'boundkit', 'llm', input, '--out', out],
    onInterrupt: () => () => {},
    exit: () => {},
  }
  const { chatRpm, chatTpm } = demoServerOptions
  const settings = llmSettings(input, {
    out,
    baseUrl: `${context.url}/v1`,
    rpm: chatRpm,
    tpm: chatTpm,
    concurrency: 'auto',
    maxAttempts: 8,
    timeout: 30_000,
    maxResponseBytes: 2 ** 20,
    jsonAnswer: true,
    resume: true,
    json: true,
  })
  await runLlm(settings, io)
  return JSON.parse(json) as ChatRun
}
