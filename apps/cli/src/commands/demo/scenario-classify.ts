import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ClassifyReport, classify } from '@boundkit/classify'
import { retry } from '@boundkit/limiter'
import { fib } from '@boundkit/server'
import { result, type Scenario, timed } from './scenario'

/** The most concurrency classify's probe tries here; the I/O batch falls back to it. */
export const CLASSIFY_MAX_CONCURRENCY = 8

interface SampleTask {
  name: string
  /** The kind a reader would expect, for the notes. */
  expected: string
  /** Its advice is kept for the I/O batch, which makes the same call. */
  advisesApiCall?: true
  fn: () => Promise<unknown> | unknown
}

function samples(url: string): SampleTask[] {
  const body = JSON.stringify({
    id: 'classify-demo',
    question: 'What is the event loop?',
    contexts: ['The event loop runs callbacks one at a time.'],
    answer: 'It runs callbacks one at a time.',
  })
  // Any HTTP answer (a 429 or an injected 500 too) ends the call: classify measures the wait. The
  // demo server also resets some connections, and classify stops at the first error its task throws
  // (ERR_TASK_FAILED), so a reset is retried at once, as a client of a flaky API would.
  const judge = () =>
    retry(
      async ({ signal }) => {
        const response = await fetch(`${url}/v1/judge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal,
        })
        return response.text()
      },
      { retries: 6, minDelay: 10, maxDelay: 50 },
    )
  return [
    {
      name: 'API call (POST /v1/judge)',
      expected: 'io',
      fn: judge,
      advisesApiCall: true,
    },
    { name: 'CPU loop (fib(30))', expected: 'cpu', fn: () => fib(30) },
    {
      name: 'mixed job (an API call, then fib(32) on its answer)',
      expected: 'mixed',
      fn: async () => {
        await judge()
        return fib(32)
      },
    },
  ]
}

export const classifyScenario: Scenario = {
  name: 'classify',
  description: 'classify: three sample tasks measured, with verdicts and reasons (@boundkit/classify)',
  async run(context) {
    const reports: { task: string; expected: string; report?: ClassifyReport; error?: string }[] = []
    // A deadline, not a pace: a machine busy with other work must not fail a task that takes 10 ms a call.
    const timeBudget = context.quick ? 15_000 : 30_000
    const total = await timed(async () => {
      for (const task of samples(context.url)) {
        try {
          const report = await classify(task.fn, { timeBudget, maxConcurrency: CLASSIFY_MAX_CONCURRENCY })
          reports.push({ task: task.name, expected: task.expected, report })
          const r = report.recommendation
          if (task.advisesApiCall) {
            context.advice.apiCall = { strategy: r.strategy, concurrency: r.concurrency }
          }
          context.log(`  ${task.name}: ${report.kind} -> ${r.strategy} (concurrency ${r.concurrency})`)
          context.log(`    ${r.reasons[0] ?? ''}`)
        } catch (error) {
          reports.push({ task: task.name, expected: task.expected, error: (error as Error).message })
          context.log(`  ${task.name}: failed: ${(error as Error).message}`)
        }
      }
    })
    await writeFile(join(context.outDir, 'classify.json'), `${JSON.stringify(reports, null, 2)}\n`)
    const measured = reports.filter((r) => r.report !== undefined)
    return [
      result({
        scenario: 'classify',
        title: 'classify: 3 sample tasks',
        model: measured.map((r) => `${r.report?.kind}->${r.report?.recommendation.strategy}`).join(', '),
        baselineMs: null,
        boundkitMs: total.ms,
        ok: measured.length,
        failed: reports.length - measured.length,
        notes: reports.map((r) =>
          r.report
            ? `classify: ${r.task}: ${r.report.kind} (expected ${r.expected}), use ${r.report.recommendation.strategy}`
            : `classify: ${r.task}: failed (${r.error})`,
        ),
        files: ['classify.json'],
      }),
    ]
  },
}
