import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { helpText, parseCommandLine } from './command-line'
import { resolveServerOptions, type ServerOptions } from './options'
import { SETTINGS } from './settings'

describe('resolveServerOptions', () => {
  it('fills in the defaults', () => {
    const options = resolveServerOptions()
    expect(options).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      bodyLimitBytes: 1_048_576,
      maxBatchSize: 100,
      maxFibN: 40,
      maxImageSide: 1024,
      threads: availableParallelism(),
      fetchConcurrency: 8,
      shutdownTimeoutMs: 10_000,
      logger: false,
      random: Math.random,
      judge: {
        latencyDistribution: 'normal',
        latencyMs: 200,
        latencySpreadMs: 50,
        latencyMaxMs: 5000,
        ratePerSecond: 50,
        burst: 50,
        faultRate: 0,
        faultKinds: ['500', '503', 'reset'],
      },
      chatRpm: 600,
      chatTpm: 60_000,
      chatWindowMs: 10_000,
    })
  })

  it.each<[ServerOptions, string]>([
    [{ port: -1 }, 'Expected `port` to be an integer >= 0 and <= 65535, got `-1` (number)'],
    [{ maxFibN: 79 }, 'Expected `maxFibN` to be an integer >= 0 and <= 78, got `79` (number)'],
    [{ threads: 0 }, 'Expected `threads` to be an integer >= 1 and <= 1024, got `0` (number)'],
    [
      { judge: { faultRate: 2 } },
      'Expected `judge.faultRate` to be a number >= 0 and <= 1, got `2` (number)',
    ],
    [
      { judge: { latencyDistribution: 'gamma' as 'fixed' } },
      "Expected `judge.latencyDistribution` to be one of 'fixed'",
    ],
    [{ judge: { faultKinds: ['404' as '500'] } }, 'Expected `judge.faultKinds` to be an array of'],
    [{ random: 4 as unknown as () => number }, 'Expected `random` to be a function, got `4` (number)'],
    [{ host: '' }, 'Expected `host` to be a non-empty string'],
    [
      { shutdownTimeoutMs: 0 },
      'Expected `shutdownTimeoutMs` to be a number >= 1 (or Infinity), got `0` (number)',
    ],
    [
      { chatRpm: 5 },
      'Expected `chatRpm` to be at least 6 (one a window of chatWindowMs 10000), or Infinity, got `5` (number)',
    ],
    [{ chatTpm: Number.NaN }, 'Expected `chatTpm` to be a number >= 1'],
    [{ chatWindowMs: 60_001 }, 'Expected `chatWindowMs` to be an integer >= 1 and <= 60000'],
  ])('refuses %j', (options, message) => {
    expect(() => resolveServerOptions(options)).toThrow(message)
    try {
      resolveServerOptions(options)
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_INVALID_OPTION')
    }
  })

  it('makes a seeded random source from `seed`', () => {
    const a = resolveServerOptions({ seed: 9 }).random
    const b = resolveServerOptions({ seed: 9 }).random
    expect([a(), a()]).toEqual([b(), b()])
  })
})

describe('parseCommandLine', () => {
  it('defaults the standalone port to 3000', () => {
    expect(parseCommandLine([], {}).options).toEqual({ port: 3000, judge: {} })
  })

  it('reads flags and environment variables, a flag winning', () => {
    const { options } = parseCommandLine(['--port', '0', '--judge-rate', 'Infinity', '--log'], {
      PORT: '8080',
      BOUNDKIT_JUDGE_BURST: '7',
      BOUNDKIT_JUDGE_FAULT_KINDS: '503, reset',
      BOUNDKIT_JUDGE_LATENCY_DIST: 'fixed',
    })
    expect(options).toEqual({
      port: 0,
      logger: true,
      judge: {
        ratePerSecond: Number.POSITIVE_INFINITY,
        burst: 7,
        faultKinds: ['503', 'reset'],
        latencyDistribution: 'fixed',
      },
    })
  })

  it('reads the chat limits, Infinity included', () => {
    const { options } = parseCommandLine(['--chat-rpm', 'Infinity', '--chat-window-ms', '1000'], {
      BOUNDKIT_CHAT_TPM: '90000',
    })
    expect(options).toMatchObject({ chatRpm: Number.POSITIVE_INFINITY, chatTpm: 90_000, chatWindowMs: 1000 })
  })

  it('reads the Batch API settings into `batches`', () => {
    expect(parseCommandLine(['--batch-max-requests', '5'], {}).options.batches).toEqual({ maxRequests: 5 })
    const { options } = parseCommandLine([], { BOUNDKIT_BATCH_MAX_REQUESTS: '7' })
    expect(options.batches).toEqual({ maxRequests: 7 })
    expect(parseCommandLine([], {}).options.batches).toBeUndefined()
    expect(() => parseCommandLine(['--batch-max-requests', '0'], {})).toThrow(
      '(set by --batch-max-requests / BOUNDKIT_BATCH_MAX_REQUESTS)',
    )
  })

  it('reads the pool and fetch settings', () => {
    const { options } = parseCommandLine(['--threads', '3'], { BOUNDKIT_FETCH_CONCURRENCY: '4' })
    expect(options).toMatchObject({ threads: 3, fetchConcurrency: 4 })
  })

  it.each([
    [['--port', 'abc'], {}, 'Expected `--port / PORT` to be an integer, got `"abc"` (string)'],
    [[], { BOUNDKIT_THREADS: '0' }, '(set by --threads / BOUNDKIT_THREADS)'],
    [[], { BOUNDKIT_JUDGE_RATE: '0' }, '(set by --judge-rate / BOUNDKIT_JUDGE_RATE)'],
    [[], { BOUNDKIT_LOG: 'maybe' }, 'Expected `--log / BOUNDKIT_LOG` to be true or false'],
    [['--bogus'], {}, "Unknown option '--bogus'"],
    [['--chat-tpm', '5'], {}, '(set by --chat-tpm / BOUNDKIT_CHAT_TPM)'],
  ])('refuses %j %j with a clear message', (argv, env, message) => {
    expect(() => parseCommandLine(argv, env)).toThrow(message)
  })

  it('lists every setting in --help', () => {
    expect(parseCommandLine(['--help'], {}).help).toBe(true)
    for (const setting of SETTINGS) expect(helpText()).toContain(`--${setting.flag}`)
  })
})
