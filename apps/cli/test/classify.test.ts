import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { boundkit } from './run-cli'

describe('boundkit classify', () => {
  it('measures a command and prints its report as JSON', async () => {
    const result = await boundkit(
      'classify',
      '--runs',
      '2',
      '--time-budget',
      '20s',
      '--max-concurrency',
      '2',
      '--json',
      '--',
      process.execPath,
      '-e',
      'let x = 0; for (let i = 0; i < 3e7; i++) x += i',
    )
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.command).toBe(process.execPath)
    expect(['io', 'cpu', 'mixed', 'cpu-offloaded']).toContain(report.kind)
    expect(report.runs.length).toBeGreaterThanOrEqual(1)
    expect(report.recommendation.reasons.length).toBeGreaterThan(0)
  })

  it('prints a readable report by default', async () => {
    const result = await boundkit(
      'classify',
      '--runs',
      '1',
      '--time-budget',
      '10s',
      '--max-concurrency',
      '2',
      '--',
      process.execPath,
      '-e',
      '0',
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('kind:')
    expect(result.stdout).toContain('advice:')
  })

  it('measures an exported function called with --arg', async () => {
    const tasks = fileURLToPath(new URL('./fixtures/tasks.mjs', import.meta.url))
    const result = await boundkit(
      ...['classify', `${tasks}#wait`, '--arg', '20', '--runs', '2', '--time-budget', '10s'],
      ...['--max-concurrency', '4', '--json'],
    )
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    // Waiting on a timer keeps the main thread idle whatever the machine's load.
    expect(report.kind).toBe('io')
    expect(report.summary.callMs.median).toBeGreaterThanOrEqual(19)
    const missing = await boundkit('classify', `${tasks}#nope`)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("has no exported function 'nope' (functions: spin, wait)")
    // The text names the flags a user types, not the API's option names.
    const text = await boundkit(
      ...['classify', `${tasks}#wait`, '--arg', '20', '--runs', '2', '--time-budget', '10s'],
      ...['--max-concurrency', '2'],
    )
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^verdict: {2}(certain|UNCERTAIN): /m)
    expect(text.stdout).toContain('`--max-concurrency`')
    expect(text.stdout).not.toContain('`maxConcurrency`')
    // The pending 10-minute call does not hold the CLI once the time budget has run out.
    const slow = await boundkit('classify', `${tasks}#wait`, '--arg', '600000', '--time-budget', '300ms')
    expect(slow.code).toBe(1)
    expect(slow.stderr).toContain('raise `--time-budget`')
    const badArg = await boundkit('classify', `${tasks}#wait`, '--arg', '{oops')
    expect(badArg.code).toBe(2)
    expect(badArg.stderr).toContain('Expected --arg to be JSON')
  })
})
