import { parseArgs } from 'node:util'
import { expected } from '@boundkit/internal'
import { invalidOption } from './errors'
import { type JudgeOptions, resolveServerOptions, type ServerOptions } from './options'

type Kind = 'integer' | 'number' | 'string' | 'boolean' | 'list'

interface Setting {
  flag: string
  env: string
  /** The option it sets: a key of ServerOptions, or `judge.<key>`. */
  option: string
  kind: Kind
  /** The default as shown in --help and the README. */
  shown: string
  help: string
}

/** Every setting of the standalone server: flag, environment variable, option, default. */
export const SETTINGS: readonly Setting[] = [
  {
    flag: 'port',
    env: 'PORT',
    option: 'port',
    kind: 'integer',
    shown: '3000',
    help: 'TCP port (0: any free port)',
  },
  {
    flag: 'host',
    env: 'HOST',
    option: 'host',
    kind: 'string',
    shown: '127.0.0.1',
    help: 'interface to listen on',
  },
  {
    flag: 'body-limit',
    env: 'BOUNDKIT_BODY_LIMIT',
    option: 'bodyLimitBytes',
    kind: 'integer',
    shown: '1048576',
    help: 'largest request body, bytes (larger: 413)',
  },
  {
    flag: 'max-batch',
    env: 'BOUNDKIT_MAX_BATCH',
    option: 'maxBatchSize',
    kind: 'integer',
    shown: '100',
    help: 'most items in a request array (judge contexts)',
  },
  {
    flag: 'max-text',
    env: 'BOUNDKIT_MAX_TEXT',
    option: 'maxTextLength',
    kind: 'integer',
    shown: '20000',
    help: 'longest string field, characters',
  },
  {
    flag: 'max-fib-n',
    env: 'BOUNDKIT_MAX_FIB_N',
    option: 'maxFibN',
    kind: 'integer',
    shown: '40',
    help: 'largest n of /cpu/fib/:n (at most 78)',
  },
  {
    flag: 'max-image-side',
    env: 'BOUNDKIT_MAX_IMAGE_SIDE',
    option: 'maxImageSide',
    kind: 'integer',
    shown: '1024',
    help: 'largest image width or height, pixels',
  },
  {
    flag: 'image-cache-bytes',
    env: 'BOUNDKIT_IMAGE_CACHE_BYTES',
    option: 'imageCacheBytes',
    kind: 'integer',
    shown: '67108864',
    help: 'bytes of rendered images kept in memory (0: render every request)',
  },
  {
    flag: 'image-latency-ms',
    env: 'BOUNDKIT_IMAGE_LATENCY_MS',
    option: 'imageLatencyMs',
    kind: 'integer',
    shown: '0',
    help: "wait before answering an image (a remote origin's network time), ms",
  },
  {
    flag: 'threads',
    env: 'BOUNDKIT_THREADS',
    option: 'threads',
    kind: 'integer',
    shown: '(available parallelism)',
    help: 'worker threads of the pool (mode=pool, thumbnails)',
  },
  {
    flag: 'fetch-concurrency',
    env: 'BOUNDKIT_FETCH_CONCURRENCY',
    option: 'fetchConcurrency',
    kind: 'integer',
    shown: '8',
    help: 'image fetches in flight at once for /thumbnails',
  },
  {
    flag: 'shutdown-timeout',
    env: 'BOUNDKIT_SHUTDOWN_TIMEOUT_MS',
    option: 'shutdownTimeoutMs',
    kind: 'number',
    shown: '10000',
    help: 'ms to let in-flight requests finish on SIGTERM/SIGINT (Infinity: no deadline)',
  },
  {
    flag: 'log',
    env: 'BOUNDKIT_LOG',
    option: 'logger',
    kind: 'boolean',
    shown: 'false',
    help: 'log requests as JSON lines',
  },
  {
    flag: 'seed',
    env: 'BOUNDKIT_SEED',
    option: 'seed',
    kind: 'integer',
    shown: '(unset: Math.random)',
    help: 'seed of judge latency and faults',
  },
  {
    flag: 'judge-latency-dist',
    env: 'BOUNDKIT_JUDGE_LATENCY_DIST',
    option: 'judge.latencyDistribution',
    kind: 'string',
    shown: 'normal',
    help: 'fixed, uniform, normal or exponential',
  },
  {
    flag: 'judge-latency',
    env: 'BOUNDKIT_JUDGE_LATENCY_MS',
    option: 'judge.latencyMs',
    kind: 'number',
    shown: '200',
    help: 'mean judge latency, ms',
  },
  {
    flag: 'judge-latency-spread',
    env: 'BOUNDKIT_JUDGE_LATENCY_SPREAD_MS',
    option: 'judge.latencySpreadMs',
    kind: 'number',
    shown: '50',
    help: 'half-width (uniform) or standard deviation (normal), ms',
  },
  {
    flag: 'judge-latency-max',
    env: 'BOUNDKIT_JUDGE_LATENCY_MAX_MS',
    option: 'judge.latencyMaxMs',
    kind: 'number',
    shown: '5000',
    help: 'upper clamp of a latency draw, ms',
  },
  {
    flag: 'judge-rate',
    env: 'BOUNDKIT_JUDGE_RATE',
    option: 'judge.ratePerSecond',
    kind: 'number',
    shown: '50',
    help: 'token-bucket refill, requests/s (Infinity: no limit)',
  },
  {
    flag: 'judge-burst',
    env: 'BOUNDKIT_JUDGE_BURST',
    option: 'judge.burst',
    kind: 'integer',
    shown: '50',
    help: 'token-bucket capacity',
  },
  {
    flag: 'judge-fault-rate',
    env: 'BOUNDKIT_JUDGE_FAULT_RATE',
    option: 'judge.faultRate',
    kind: 'number',
    shown: '0',
    help: 'share of judge requests that fail, 0 to 1',
  },
  {
    flag: 'judge-fault-kinds',
    env: 'BOUNDKIT_JUDGE_FAULT_KINDS',
    option: 'judge.faultKinds',
    kind: 'list',
    shown: '500,503,reset',
    help: 'how failing requests fail, comma-separated',
  },
]

const source = (setting: Setting) => `--${setting.flag} / ${setting.env}`

function convert(setting: Setting, text: string): unknown {
  const trimmed = text.trim()
  switch (setting.kind) {
    case 'string':
      return trimmed
    case 'list':
      return trimmed
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    case 'boolean':
      if (['1', 'true', 'yes', 'on', ''].includes(trimmed.toLowerCase())) return true
      if (['0', 'false', 'no', 'off'].includes(trimmed.toLowerCase())) return false
      return invalidOption(expected(source(setting), 'true or false', text))
    default: {
      const value = /^[+-]?infinity$/i.test(trimmed)
        ? Number(trimmed.replace(/infinity/i, 'Infinity'))
        : Number(trimmed)
      if (trimmed === '' || Number.isNaN(value)) {
        return invalidOption(
          expected(source(setting), setting.kind === 'integer' ? 'an integer' : 'a number', text),
        )
      }
      return value
    }
  }
}

/** What `--help` prints. */
export function helpText(): string {
  const rows = SETTINGS.map(
    (s) => `  --${s.flag.padEnd(22)} ${s.env.padEnd(34)} ${s.help} (default ${s.shown})`,
  )
  return [
    'Usage: node dist/main.js [options]',
    '',
    '  flag                     environment variable',
    ...rows,
  ].join('\n')
}

/**
 * Reads the standalone server's options from flags and environment variables (a flag wins over its
 * variable), then checks them all. A bad value throws `ServerError` `ERR_INVALID_OPTION` naming the
 * flag and the variable. Returns `undefined` options when `--help` was asked for.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): { options: ServerOptions; help: boolean } {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          SETTINGS.map((s) => [
            s.flag,
            { type: s.kind === 'boolean' ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
      },
    }))
  } catch (error) {
    return invalidOption(`${(error as Error).message}. Run with --help for the list of options.`)
  }
  const top: Record<string, unknown> = { port: 3000 }
  const judge: Record<string, unknown> = {}
  for (const setting of SETTINGS) {
    const fromFlag = values[setting.flag]
    const raw = fromFlag ?? env[setting.env]
    if (raw === undefined) continue
    const value = typeof raw === 'boolean' ? raw : convert(setting, raw)
    const [group, key] = setting.option.split('.')
    if (key) judge[key] = value
    else top[group!] = value
  }
  const options = { ...top, judge: judge as JudgeOptions } as ServerOptions
  try {
    resolveServerOptions(options)
  } catch (error) {
    const message = (error as Error).message
    const setting = SETTINGS.find((s) => message.includes(`\`${s.option}\``))
    invalidOption(setting ? `${message} (set by ${source(setting)})` : message)
  }
  return { options, help: values.help === true }
}
