import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { classify, type TaskKind } from '../src/index'
import { expectScore, expectSteady } from './expect-verdicts'
import { createFixture } from './tasks'
import { type Verdict, verdictOf } from './verdict-of'

/**
 * The labelled suite of functions: each task is classified `repeats` times in a row (5: the
 * stability bar), under the rules of test/expect-verdicts.ts.
 */
const repeats = 5
// A budget with room to spare: a classification that runs out of it fails (ERR_TIMEOUT), and this
// suite runs beside the others on a shared machine.
const options = { runs: 3, timeBudget: 8000, maxConcurrency: 4 }
const fixture = await createFixture()

afterAll(() => fixture.close())

describe('labelled suite', () => {
  const results: { label: TaskKind; verdicts: Verdict[] }[] = []

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
      for (let i = 0; i < repeats; i++) verdicts.push(verdictOf(await classify(task.fn, options)))
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
      verdicts: Record<string, Verdict[]>
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
