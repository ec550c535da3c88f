import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLimiter } from '@boundkit/limiter'
import type { JudgeRequestBody, JudgeResponseBody } from '@boundkit/server'
import { openWriter } from '@boundkit/writer'
import { errorRecord, postJson } from '../../http'
import { runChat } from './chat-run'
import { conversations } from './conversations'
import { runNaive } from './naive-client'
import { type ClientRun, type DemoContext, result, type Scenario, timed } from './scenario'
import { CLASSIFY_MAX_CONCURRENCY } from './scenario-classify'
import { demoServerOptions } from './server-options'

const RETRIES = 6
/** The naive client's first backoff (ms), doubled after each failure. */
const NAIVE_FIRST_DELAY = 100

/** The judge's answers are a few hundred bytes: a MiB is plenty. */
const MAX_RESPONSE_BYTES = 2 ** 20

async function judge(url: string, body: JudgeRequestBody, signal: AbortSignal): Promise<JudgeResponseBody> {
  const answer = await postJson(`${url}/v1/judge`, JSON.stringify(body), {
    signal,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  })
  return answer.body as JudgeResponseBody
}

/** The naive batch: all at once (no `concurrency`) or a fixed number at a time, Retry-After ignored. */
async function naive(context: DemoContext, items: JudgeRequestBody[], concurrency?: number) {
  const label = concurrency === undefined ? '  naive  ' : `  naive ${concurrency}`
  const progress = context.progress(label, items.length)
  try {
    return await runNaive(items, (item) => judge(context.url, item, AbortSignal.timeout(30_000)), {
      concurrency,
      retries: RETRIES,
      firstDelay: NAIVE_FIRST_DELAY,
      onSettled: (ok, failed) => progress.update(ok + failed, failed),
    })
  } finally {
    progress.stop()
  }
}

/**
 * Through the limiter, into an ordered JSONL file: one line per conversation, in input order. No
 * `rate`: the limiter is not told the server's limit, the 429s' Retry-After is all it goes on.
 */
async function limited(context: DemoContext, items: JudgeRequestBody[], path: string, concurrency: number) {
  const limiter = createLimiter({ concurrency, retry: { retries: RETRIES } })
  const progress = context.progress('  limiter', items.length, () => ({ limiter: limiter.stats() }))
  const writer = await openWriter(path, { ordered: true, lock: true })
  let ok = 0
  let failed = 0
  const writes: Promise<void>[] = []
  // Each item's first start, for its latency on the live page (retries and cooldowns included).
  const started = new Map<number, number>()
  try {
    for await (const outcome of limiter.stream(items, (item, { signal, index }) => {
      if (!started.has(index)) started.set(index, performance.now())
      return judge(context.url, item, signal)
    })) {
      const start = started.get(outcome.index)
      started.delete(outcome.index)
      if (start !== undefined) context.record(performance.now() - start)
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
    const stats = limiter.stats()
    // Every attempt is a request: the first of each job that ended, and each retry.
    return {
      ok,
      failed,
      requests: stats.done + stats.failed + stats.retried,
      rateLimited: stats.rateLimited,
      retries: stats.retried,
      cooldowns: stats.cooldowns,
      cooldownMs: stats.cooldownMs,
    }
  } finally {
    await writer.close()
    await limiter.close()
    progress.stop()
  }
}

/** The concurrency classify advised for the API call, and why the batch uses the figure it uses. */
function batchConcurrency(context: DemoContext): { concurrency: number; why: string } {
  const advice = context.advice.apiCall
  if (advice === undefined) {
    return {
      concurrency: CLASSIFY_MAX_CONCURRENCY,
      why: `classify did not run: ${CLASSIFY_MAX_CONCURRENCY}, the most its probe tries in this demo`,
    }
  }
  if (advice.strategy !== 'limiter') {
    return {
      concurrency: CLASSIFY_MAX_CONCURRENCY,
      why: `classify advised ${advice.strategy} for the API call, not a limiter: ${CLASSIFY_MAX_CONCURRENCY}, the most its probe tries`,
    }
  }
  return { concurrency: advice.concurrency, why: 'as classify advised for the API call' }
}

/** The judge's token bucket refills in a second: each client starts with the full quota. */
const refill = () => sleep(1000 * (demoServerOptions.judge.burst / demoServerOptions.judge.ratePerSecond))

/** Thousands: `1,234`. */
const count = (n: number) => n.toLocaleString('en-US')

export const ioScenario: Scenario = {
  name: 'io',
  description:
    'I/O batch: RAG conversations judged by /v1/judge (a 50/s quota, faults on), naive clients vs @boundkit/limiter',
  async run(context) {
    const items = conversations(context.quick ? 200 : 500)
    await writeFile(
      join(context.outDir, 'conversations.jsonl'),
      `${items.map((i) => JSON.stringify(i)).join('\n')}\n`,
    )
    const path = join(context.outDir, 'judged.jsonl')
    await writeFile(path, '')
    const { ratePerSecond, faultRate } = demoServerOptions.judge
    context.log(
      `  ${items.length} conversations; the server allows ${ratePerSecond}/s (429 + Retry-After past it), ` +
        `${faultRate * 100}% faults (500s, resets)`,
    )
    const { concurrency, why } = batchConcurrency(context)
    const retrying = `each retried up to ${RETRIES} times after ${NAIVE_FIRST_DELAY} ms, doubling, Retry-After ignored`
    context.log(`  naive: all at once (Promise.all), ${retrying}`)
    await refill()
    const storm = await timed(() => naive(context, items))
    context.log(`  naive ${concurrency}: ${concurrency} at a time (as p-limit would), ${retrying}`)
    await refill()
    const base = await timed(() => naive(context, items, concurrency))
    context.log(
      `  limiter: concurrency ${concurrency} (${why}), no rate given: a 429's Retry-After pauses every call`,
    )
    await refill()
    const ours = await timed(() => limited(context, items, path, concurrency))
    const accounted = ours.value.ok + ours.value.failed
    const naiveRun = (client: string, run: typeof storm, width: number | null): ClientRun => ({
      client,
      concurrency: width,
      ms: run.ms,
      ...run.value,
      cooldowns: null,
      cooldownMs: null,
    })
    const clients: ClientRun[] = [
      naiveRun('naive: Promise.all, Retry-After ignored', storm, null),
      naiveRun(`naive: ${concurrency} at a time, Retry-After ignored`, base, concurrency),
      {
        client: `limiter: ${concurrency} in flight, Retry-After honoured`,
        concurrency,
        ms: ours.ms,
        ...ours.value,
      },
    ]
    context.log(
      '  the same conversations as chat completions, by `boundkit llm` (rpm/tpm windows, headers, adaptive concurrency)',
    )
    const chat = await runChat(context, items.slice(0, context.quick ? 40 : 200))
    return [
      result({
        scenario: 'io',
        title: 'I/O batch (judge API)',
        model: `limiter: ${concurrency} in flight, Retry-After`,
        baselineMs: base.ms,
        boundkitMs: ours.ms,
        ok: ours.value.ok,
        failed: ours.value.failed,
        notes: [
          `io: ${accounted}/${items.length} conversations accounted for in judged.jsonl (input order); ` +
            `the limiter made ${count(ours.value.requests)} requests (${ours.value.rateLimited} 429s) where the naive ` +
            `client at ${concurrency} made ${count(base.value.requests)} (${count(base.value.rateLimited)} 429s); ` +
            `all at once, it made ${count(storm.value.requests)} and lost ${storm.value.failed} conversations`,
          `llm: ${chat.ok} ok, ${chat.failed} failed chat completions in ${(chat.ms / 1000).toFixed(1)} s: ` +
            `${chat.tokensPerMinute} tokens/min against the limit of ${chat.limits.tpm}/min enforced per ` +
            `${demoServerOptions.chatWindowMs / 1000} s window (a run ending inside its last window averages above it), ` +
            `${chat.requestsPerSecond} requests/s, ${chat.rateLimited} 429s, concurrency settled at ${chat.concurrency} ` +
            '(chat-results.jsonl, Batch API output format)',
        ],
        files: ['conversations.jsonl', 'judged.jsonl', 'chat-requests.jsonl', 'chat-results.jsonl'],
        clients,
      }),
    ]
  },
}
