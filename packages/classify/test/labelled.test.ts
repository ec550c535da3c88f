import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { classify, type TaskKind } from '../src/index'
import { createFixture, type LabelledTask } from './tasks'
import type { TopLevelVerdict } from './top-level'

/**
 * The labelled suite: each task is classified `repeats` times in a row (5: the stability bar). A
 * verdict may say it is uncertain (its samples split: the task lies near a threshold, or the shared
 * machine changed pace mid-run), but a certain one must never flip: every certain verdict of a task
 * gives the same kind, and for a clear-cut task its label (and its strategy, where given). At least
 * 95% of all verdicts must match their labels, and at least 80% must be certain.
 */
const repeats = 5
// A budget with room to spare: a classification that runs out of it fails (ERR_TIMEOUT), and this
// suite runs beside the others on a shared machine.
const options = { runs: 3, timeBudget: 8000, maxConcurrency: 4 }
const fixture = await createFixture()

type Verdict = TopLevelVerdict
interface TaskVerdicts {
  label: TaskKind
  verdicts: Verdict[]
}

afterAll(() => fixture.close())

/** Every certain verdict of a task gives the same kind, and for a clear-cut task its label and strategy. */
function expectSteady(task: LabelledTask, verdicts: readonly Verdict[]): void {
  const seen = verdicts
    .map((v) => `${v.kind}/${v.strategy}${v.certain ? '' : ` (uncertain: ${v.doubts.join(' ')})`}`)
    .join('; ')
  const certain = verdicts.filter((v) => v.certain)
  expect(new Set(certain.map((v) => v.kind)).size, `${task.name}: ${seen}`).toBeLessThanOrEqual(1)
  if (!task.clearCut) return
  for (const v of certain) {
    expect(v.kind, `${task.name}: ${seen}`).toBe(task.kind)
    if (task.strategy) expect(v.strategy, `${task.name}: ${seen}`).toBe(task.strategy)
  }
}

/** At least 95% of all verdicts as labelled, and at least 80% of them certain. */
function expectScore(all: readonly TaskVerdicts[]): void {
  const verdicts = all.flatMap((t) => t.verdicts.map((v) => ({ ...v, label: t.label })))
  const right = verdicts.filter((v) => v.kind === v.label).length
  expect(right / verdicts.length).toBeGreaterThanOrEqual(0.95)
  expect(verdicts.filter((v) => v.certain).length / verdicts.length).toBeGreaterThanOrEqual(0.8)
}

describe('labelled suite', () => {
  const results: TaskVerdicts[] = []

  it('has at least 20 tasks covering every kind', () => {
    expect(fixture.tasks.length).toBeGreaterThanOrEqual(20)
    const kinds = new Set(fixture.tasks.map((t) => t.kind))
    expect([...kinds].sort()).toEqual(['cpu', 'cpu-offloaded', 'io', 'mixed'])
  })

  for (const task of fixture.tasks) {
    it(`${task.name}: ${task.kind}${task.strategy ? ` / ${task.strategy}` : ''}`, {
      timeout: 60_000,
    }, async () => {
      const verdicts: Verdict[] = []
      for (let i = 0; i < repeats; i++) {
        const r = await classify(task.fn, options)
        verdicts.push({
          kind: r.kind,
          strategy: r.recommendation.strategy,
          certain: r.certainty.certain,
          doubts: r.certainty.doubts,
        })
      }
      results.push({ label: task.kind, verdicts })
      expectSteady(task, verdicts)
    })
  }

  it('classifies at least 95% of all runs as labelled', () => {
    expect(results.length).toBe(fixture.tasks.length)
    expectScore(results)
  })
})

describe('labelled suite, synchronous tasks at a script’s top level (before the event loop starts)', () => {
  // The event loop's utilization reads zero there: a sync task once read as waiting, 0% busy.
  it('classifies them as labelled', { timeout: 300_000 }, async () => {
    const root = fileURLToPath(new URL('..', import.meta.url))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'tsx/cjs', '-e', "require('./test/top-level.ts')", '3', JSON.stringify(options)],
      { cwd: root, maxBuffer: 16 << 20 },
    )
    const { verdicts, loopStarted } = JSON.parse(stdout) as {
      verdicts: Record<string, TopLevelVerdict[]>
      loopStarted: boolean
    }
    expect(loopStarted).toBe(false)
    const tasks = fixture.tasks.filter((t) => t.name in verdicts)
    expect(tasks.length).toBe(Object.keys(verdicts).length)
    expect(tasks.map((t) => t.kind)).toContain('cpu')
    for (const task of tasks) expectSteady(task, verdicts[task.name]!)
    expectScore(tasks.map((t) => ({ label: t.kind, verdicts: verdicts[t.name]! })))
  })
})
