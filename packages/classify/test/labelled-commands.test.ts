import { availableParallelism } from 'node:os'
import { basename } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { classifyCommand, type TaskKind } from '../src/index'
import { createCommandFixture } from './commands'
import { expectScore, expectSteady, steadyAdvice } from './expect-verdicts'
import { type Verdict, verdictOf } from './verdict-of'

/**
 * The labelled suite of commands: each command is classified `repeats` times in a row, under the
 * rules of test/expect-verdicts.ts, and its advice must be steady: in at least 95% of all runs, a
 * command's advice lies within one probe level of its other runs' (a knee between two levels may
 * read either), and a CPU-bound command's is one per core.
 */
const repeats = 3
// Room for every probe level and its second reading: a probe cut short by the budget advises less.
const options = { runs: 3, timeBudget: 20_000, maxConcurrency: 8 }
const fixture = await createCommandFixture()

afterAll(() => fixture.close())

describe('labelled commands', () => {
  const results: { label: TaskKind; verdicts: Verdict[] }[] = []

  it('wait, compute and both, in node, python and the shell, with and without start-up', () => {
    const kinds = new Set(fixture.commands.map((c) => c.kind))
    expect([...kinds].sort()).toEqual(['cpu', 'io', 'mixed'])
    const programs = new Set(fixture.commands.map((c) => basename(c.command)))
    for (const program of ['node', 'python3', 'sh']) expect(programs).toContain(program)
    for (const kind of kinds) {
      const of = fixture.commands.filter((c) => c.kind === kind).map((c) => basename(c.command))
      expect(of, kind).toContain('node')
      expect(of, kind).toContain('python3')
      expect(of, kind).toContain('sh')
    }
  })

  for (const command of fixture.commands) {
    it(`${command.name}: ${command.kind}`, { timeout: 180_000 }, async () => {
      const verdicts: Verdict[] = []
      for (let i = 0; i < repeats; i++) {
        verdicts.push(verdictOf(await classifyCommand(command.command, command.args, options)))
      }
      results.push({ label: command.kind, verdicts })
      expectSteady(command, verdicts)
      for (const v of verdicts) expect(v.strategy).toBe('limiter')
      for (const v of verdicts.filter((v) => v.kind === 'cpu'))
        expect(v.concurrency).toBe(availableParallelism())
    })
  }

  it('classifies at least 95% of all runs as labelled, with steady advice', () => {
    expect(results.length).toBe(fixture.commands.length)
    expectScore(results)
    const steady = results.reduce((sum, r) => sum + steadyAdvice(r.verdicts), 0)
    expect(steady / (results.length * repeats), JSON.stringify(results)).toBeGreaterThanOrEqual(0.95)
  })
})
