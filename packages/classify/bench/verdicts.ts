/**
 * Prints the verdicts of the labelled suite (test/tasks.ts) as a Markdown table for the README:
 * `pnpm --filter @boundkit/classify verdicts`. Each task is classified `REPEATS` times (default 3)
 * with the default options; the figures are the medians of the last run.
 */
import { availableParallelism } from 'node:os'
import { classify } from '../src/index'
import { createFixture } from '../test/tasks'

const repeats = Number(process.env.REPEATS ?? 3)
const fixture = await createFixture()
const pct = (v: number) => `${Math.round(v * 100)}%`
const rows: string[] = []
let right = 0
let total = 0
try {
  for (const task of fixture.tasks) {
    const kinds: string[] = []
    let last: Awaited<ReturnType<typeof classify>> | undefined
    let slowest = 0
    for (let i = 0; i < repeats; i++) {
      last = await classify(task.fn)
      kinds.push(last.kind)
      slowest = Math.max(slowest, last.durationMs)
      total++
      if (last.kind === task.kind) right++
    }
    const r = last!
    const same = new Set(kinds).size === 1
    const ok = kinds.every((k) => k === task.kind)
    rows.push(
      `| ${task.name}${task.clearCut ? '' : ' (not clear-cut)'} | ${task.kind} | ${same ? `${kinds[0]} x${repeats}` : kinds.join(', ')} ${ok ? 'ok' : 'MISS'} | ` +
        `${r.recommendation.strategy} ${r.recommendation.concurrency} | ${r.summary.callMs.median.toFixed(1)} | ` +
        `${pct(r.summary.busy)} | ${pct(r.summary.offMainRatio)} | ${r.probe.bestSpeedup.toFixed(1)}x | ${(slowest / 1000).toFixed(1)} |`,
    )
    console.error(`${task.name}: ${kinds.join(', ')}`)
  }
} finally {
  await fixture.close()
}
console.log(
  `Node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString().slice(0, 10)}, ${repeats} runs per task, default options: ${right}/${total} verdicts as labelled.\n`,
)
console.log(
  '| task | label | verdicts | advice (last run) | ms per call | main busy | off-main busy | best speedup | slowest verdict, s |',
)
console.log('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) console.log(row)
