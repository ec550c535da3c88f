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
})
