import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rejection } from '@boundkit/internal'
import { describe, expect, it } from 'vitest'
import { type ClassifyError, classifyCommand, format } from './index'

// A budget no loaded machine reaches: each classification ends at maxConcurrency 4 long before it.
const small = { runs: 2, timeBudget: 60_000, maxConcurrency: 4 }
const busyLoop = 'let s = 0; for (let i = 0; i < 1e8; i++) s += i; if (s < 0) console.log(s)'

describe('classifyCommand', () => {
  it('says a command that sleeps is I/O-bound', async () => {
    const report = await classifyCommand('sleep', ['0.2'], small)
    expect(report.kind).toBe('io')
    expect(report.runs.length).toBe(2)
    expect(report.recommendation.strategy).toBe('limiter')
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
    expect(format(report)).toContain('command:  sleep 0.2')
  })

  it('counts the CPU time of grandchildren (sh -> node)', { timeout: 60_000 }, async () => {
    const script = `"${process.execPath}" -e "${busyLoop}"`
    const report = await classifyCommand('sh', ['-c', script], {
      runs: 1,
      maxConcurrency: 2,
      timeBudget: 30_000,
    })
    // 1e8 additions cost well over 30 ms of CPU on any machine; none of it is the shell's own.
    expect(report.summary.cpuMs).toBeGreaterThan(30)
    expect(report.runs[0]!.machineLoad).toBeGreaterThanOrEqual(1)
    // CPU time / wall time of a command is not corrected for load: on a busy machine a CPU-bound
    // command can read lower, but never as waiting for certain.
    if (report.kind === 'io') expect(report.certainty.certain, format(report)).toBe(false)
  })

  it('reports a command that does not exist', async () => {
    const error = await rejection(classifyCommand('boundkit-no-such-command', [], small))
    expect(error.code).toBe('ERR_COMMAND_FAILED')
    expect(error.message).toBe('Command `boundkit-no-such-command` was not found (ENOENT)')
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('reports a failing command with its exit code and the tail of stderr', async () => {
    const error = await rejection<ClassifyError>(
      classifyCommand('sh', ['-c', 'echo broken pipe >&2; exit 3'], small),
    )
    expect(error.code).toBe('ERR_COMMAND_FAILED')
    expect(error.command).toEqual({ exitCode: 3, signal: null, stderrTail: 'broken pipe\n' })
    expect(error.message).toMatch(/exited with code 3: broken pipe/)
  })

  it('runs a command again after one failed run, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boundkit-classify-'))
    try {
      // The first run fails (a reset connection, say); every later one sleeps 50 ms.
      const script = 'if [ ! -f "$MARK" ]; then touch "$MARK"; exit 7; fi; sleep 0.05'
      const report = await classifyCommand('sh', ['-c', script], {
        ...small,
        env: { ...process.env, MARK: join(dir, 'failed-once') },
      })
      expect(report.failedRuns).toBe(1)
      expect(report.kind).toBe('io')
      expect(format(report)).toContain('failed:   1 run failed and was skipped')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stops a command that outlives the time budget', async () => {
    const error = await rejection(classifyCommand('sleep', ['30'], { timeBudget: 300 }))
    expect(error.code).toBe('ERR_TIMEOUT')
  })

  it('checks its arguments', async () => {
    expect((await rejection(classifyCommand('', []))).code).toBe('ERR_INVALID_OPTION')
    expect((await rejection(classifyCommand('ls', 'x' as never))).message).toBe(
      'Expected `args` to be an array of strings, got `"x"` (string)',
    )
    expect((await rejection(classifyCommand('ls', [], { runs: 0 }))).code).toBe('ERR_INVALID_OPTION')
    expect((await rejection(classifyCommand('ls', [], { cwd: 1 } as never))).message).toBe(
      'Expected `cwd` to be a string, got `1` (number)',
    )
    expect((await rejection(classifyCommand('ls', [], { env: null } as never))).code).toBe(
      'ERR_INVALID_OPTION',
    )
  })
})
