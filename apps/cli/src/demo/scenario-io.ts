import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLimiter, retry } from '@boundkit/limiter'
import type { JudgeRequestBody, JudgeResponseBody } from '@boundkit/server'
import { openWriter } from '@boundkit/writer'
import { errorRecord, postJson } from '../batch/http'
import { createProgress } from '../progress'
import { runChat } from './chat-run'
import { conversations } from './conversations'
import { type DemoContext, result, type Scenario, timed } from './scenario'

const RETRIES = 6
const CONCURRENCY = 16
/** Below the server's 100/s so 429s stay occasional; bursts still meet its bucket. */
const RATE = { limit: 9, interval: 100 }

/** The judge's answers are a few hundred bytes: a MiB is plenty. */
const MAX_RESPONSE_BYTES = 2 ** 20

async function judge(url: string, body: JudgeRequestBody, signal: AbortSignal): Promise<JudgeResponseBody> {
  const answer = await postJson(`${url}/v1/judge`, JSON.stringify(body), {
    signal,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  })
  return answer.body as JudgeResponseBody
}

/** One conversation at a time, each retried on its own (Retry-After honoured): the naive loop. */
async function serial(context: DemoContext, items: JudgeRequestBody[]) {
  const progress = createProgress({ label: '  serial ', total: items.length, stream: context.stream })
  let ok = 0
  let failed = 0
  for (const item of items) {
    try {
      await retry(({ signal }) => judge(context.url, item, signal), { retries: RETRIES })
      ok++
    } catch {
      failed++
    }
    progress.update(ok + failed, failed)
  }
  progress.stop()
  return { ok, failed }
}

/** Through the limiter, into an ordered JSONL file: one line per conversation, in input order. */
async function limited(context: DemoContext, items: JudgeRequestBody[], path: string) {
  const progress = createProgress({ label: '  limiter', total: items.length, stream: context.stream })
  const limiter = createLimiter({ concurrency: CONCURRENCY, rate: RATE, retry: { retries: RETRIES } })
  let retried = 0
  let cooldowns = 0
  limiter.on('retry', () => retried++)
  limiter.on('cooldown', () => cooldowns++)
  const writer = await openWriter(path, { ordered: true, lock: true })
  let ok = 0
  let failed = 0
  const writes: Promise<void>[] = []
  try {
    for await (const outcome of limiter.stream(items, (item, { signal }) =>
      judge(context.url, item, signal),
    )) {
      const item = items[outcome.index] as JudgeRequestBody
      const line =
        outcome.status === 'fulfilled'
          ? {
              id: item.id,
              index: outcome.index,
              attempts: outcome.attempts,
              scores: outcome.value.scores,
              verdict: outcome.value.verdict,
            }
          : {
              id: item.id,
              index: outcome.index,
              attempts: outcome.attempts,
              error: errorRecord(outcome.error),
            }
      if (outcome.status === 'fulfilled') ok++
      else failed++
      writes.push(writer.write(line, { seq: outcome.index }))
      progress.update(ok + failed, failed)
    }
    await Promise.all(writes)
  } finally {
    await writer.close()
    await limiter.close()
    progress.stop()
  }
  return { ok, failed, retried, cooldowns }
}

export const ioScenario: Scenario = {
  name: 'io',
  description:
    'I/O batch: RAG conversations judged by /v1/judge (429s and faults on), serial vs @boundkit/limiter',
  async run(context) {
    const items = conversations(context.quick ? 100 : 500)
    await writeFile(
      join(context.outDir, 'conversations.jsonl'),
      `${items.map((i) => JSON.stringify(i)).join('\n')}\n`,
    )
    const path = join(context.outDir, 'judged.jsonl')
    await writeFile(path, '')
    context.log(`  ${items.length} conversations; faults and a 100/s rate limit are on`)
    const base = await timed(() => serial(context, items))
    const ours = await timed(() => limited(context, items, path))
    const accounted = ours.value.ok + ours.value.failed
    context.log(
      '  the same conversations as chat completions, by `boundkit llm` (rpm/tpm windows, headers, adaptive concurrency)',
    )
    const chat = await runChat(context, items.slice(0, context.quick ? 40 : 200))
    return [
      result({
        scenario: 'io',
        title: 'I/O batch (judge API)',
        model: `limiter: ${CONCURRENCY} in flight, ${RATE.limit * 10}/s`,
        baselineMs: base.ms,
        boundkitMs: ours.ms,
        ok: ours.value.ok,
        failed: ours.value.failed,
        notes: [
          `io: ${accounted}/${items.length} conversations accounted for in judged.jsonl (input order); ` +
            `${ours.value.retried} retries, ${ours.value.cooldowns} Retry-After cooldowns; ` +
            `serial baseline: ${base.value.ok} ok, ${base.value.failed} failed`,
          `llm: ${chat.ok} ok, ${chat.failed} failed chat completions in ${(chat.ms / 1000).toFixed(1)} s: ` +
            `${chat.tokensPerMinute} tokens/min against the limit of ${chat.limits.tpm}, ` +
            `${chat.requestsPerSecond} requests/s, ${chat.rateLimited} 429s, concurrency settled at ${chat.concurrency} ` +
            '(chat-results.jsonl, Batch API output format)',
        ],
        files: ['conversations.jsonl', 'judged.jsonl', 'chat-requests.jsonl', 'chat-results.jsonl'],
      }),
    ]
  },
}
