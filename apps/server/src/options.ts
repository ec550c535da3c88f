import { availableParallelism } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import {
  booleanOption,
  choiceOption,
  expected,
  functionOption,
  numberOption,
  timeoutOption,
} from '@boundkit/internal'
import { type BatchOptions, type ResolvedBatchOptions, resolveBatchOptions } from './batches-options'
import type { ChatAccounting, ChatWindowMode } from './chat-budget'
import { invalidOption } from './errors'
import { FAULT_KINDS, type FaultKind } from './faults'
import type { LatencyDistribution } from './latency'
import { type RandomSource, seededRandom } from './random'

const LATENCY_DISTRIBUTIONS: readonly LatencyDistribution[] = ['fixed', 'uniform', 'normal', 'exponential']

/** How `POST /v1/judge` behaves: its latency, its rate limit and its faults. */
export interface JudgeOptions {
  /** Shape of the latency drawn for each answer. @default 'normal' */
  latencyDistribution?: LatencyDistribution
  /** Mean latency (the fixed value for `'fixed'`), in ms. @default 200 */
  latencyMs?: number
  /** Half-width (`uniform`) or standard deviation (`normal`) of the latency, in ms. @default 50 */
  latencySpreadMs?: number
  /** Upper clamp of every latency draw, in ms. @default 5000 */
  latencyMaxMs?: number
  /** Token-bucket refill rate, requests per second; `Infinity` turns the limit off. @default 50 */
  ratePerSecond?: number
  /** Token-bucket capacity: requests allowed in a burst. @default 50 */
  burst?: number
  /** Share of requests that fail, 0 to 1. @default 0 */
  faultRate?: number
  /** How a failing request fails, picked uniformly among these. @default ['500', '503', 'reset'] */
  faultKinds?: readonly FaultKind[]
}

export interface ServerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** Largest request body accepted, in bytes; larger gets 413. @default 1048576 (1 MiB) */
  bodyLimitBytes?: number
  /** Most items in one array of a request (judge `contexts`). @default 100 */
  maxBatchSize?: number
  /** Longest string field of a request, in characters. @default 20000 */
  maxTextLength?: number
  /** Largest `n` of `GET /cpu/fib/:n`. @default 40 */
  maxFibN?: number
  /** Largest width or height of a generated image, in pixels. @default 1024 */
  maxImageSide?: number
  /** Bytes of rendered images kept in memory (least recently used out first); 0 renders every request. @default 67108864 (64 MiB) */
  imageCacheBytes?: number
  /** Wait before answering an image, in ms: stands in for a remote origin's network time. @default 0 */
  imageLatencyMs?: number
  /** Worker threads of the pool behind `mode=pool` and `/thumbnails`. @default os.availableParallelism() */
  threads?: number
  /** Image fetches in flight at once for `POST /thumbnails` (one limiter for the whole server). @default 8 */
  fetchConcurrency?: number
  /**
   * How long `close()` lets in-flight requests finish, in ms (>= 1, or `Infinity`: no deadline). Past it,
   * work that can stop (thumbnail items, pool-mode fib) is stopped and answered, and after one more
   * second the connections still open are cut. @default 10000
   */
  shutdownTimeoutMs?: number
  /** Log requests as JSON lines (pino) on stdout. @default false */
  logger?: boolean
  /** Serve the live page of the server at `/dashboard/` (read-only: what it answers, its pool and pipeline). @default true */
  dashboard?: boolean
  /** Seed of the random source used for judge latency and faults; unset uses `Math.random`. */
  seed?: number
  /** Random source for judge latency and faults (tests); wins over `seed`. @default Math.random */
  random?: RandomSource
  /** Clock of the judge rate limit, in ms (tests). @default performance.now */
  now?: () => number
  /** How the judge waits out its latency (tests can hold requests in flight). @default a timer */
  sleep?: (ms: number) => Promise<void>
  /** The judge endpoint's behaviour (also the latency and faults of `POST /v1/chat/completions`). */
  judge?: JudgeOptions
  /**
   * Requests per minute `POST /v1/chat/completions` admits, enforced per window of `chatWindowMs`
   * (each allows `chatRpm x chatWindowMs / 60000`); `Infinity` turns the request limit off. @default 600
   */
  chatRpm?: number
  /**
   * Tokens per minute `POST /v1/chat/completions` admits (prompt estimate + max tokens charged at
   * admission; see `chatAccounting`), enforced per window of `chatWindowMs`; `Infinity` turns it off.
   * @default 60000
   */
  chatTpm?: number
  /** Width of the windows over which `chatRpm` and `chatTpm` are enforced, in ms (1 to 60000). @default 10000 */
  chatWindowMs?: number
  /**
   * `'fixed'`: quantized windows of `chatWindowMs` counted from the server's start, each starting from
   * zero; `'sliding'`: what was admitted in the last `chatWindowMs`. @default 'fixed'
   */
  chatWindowMode?: ChatWindowMode
  /**
   * `'reserve'`: a request's token charge (prompt + max tokens) is final at admission, as OpenAI
   * documents (a usage above it is added); `'refund'`: once answered, its charge becomes its real
   * usage while it still counts. @default 'reserve'
   */
  chatAccounting?: ChatAccounting
  /** The Batch API's behaviour (`/v1/files`, `/v1/batches`): how long a batch takes, when it expires, its caps. */
  batches?: BatchOptions
  /**
   * Requests per minute `POST /v1/messages` (Anthropic's shape) admits, enforced per window of
   * `chatWindowMs` (fixed or sliding as `chatWindowMode`); `Infinity` turns it off. @default 600
   */
  messagesRpm?: number
  /**
   * Input tokens per minute (ITPM) `POST /v1/messages` admits: each request's prompt, final at
   * admission; `Infinity` turns it off. @default 60000
   */
  messagesItpm?: number
  /**
   * Output tokens per minute (OTPM) `POST /v1/messages` admits: each request's `max_tokens` at
   * admission, settled to its answer's output tokens; `Infinity` turns it off. @default 12000
   */
  messagesOtpm?: number
}

/** Options with every default filled in and every value checked. */
export interface ResolvedServerOptions {
  port: number
  host: string
  bodyLimitBytes: number
  maxBatchSize: number
  maxTextLength: number
  maxFibN: number
  maxImageSide: number
  imageCacheBytes: number
  imageLatencyMs: number
  threads: number
  fetchConcurrency: number
  shutdownTimeoutMs: number
  logger: boolean
  dashboard: boolean
  random: RandomSource
  now: () => number
  sleep: (ms: number) => Promise<void>
  judge: Required<JudgeOptions>
  chatRpm: number
  chatTpm: number
  chatWindowMs: number
  chatWindowMode: ChatWindowMode
  chatAccounting: ChatAccounting
  batches: ResolvedBatchOptions
  messagesRpm: number
  messagesItpm: number
  messagesOtpm: number
}

const integer = (name: string, value: unknown, min: number, max: number, fallback: number) =>
  numberOption(invalidOption, name, value, { integer: true, min, max }, fallback)

function resolveJudge(judge: JudgeOptions | undefined): Required<JudgeOptions> {
  if (judge !== undefined && (typeof judge !== 'object' || judge === null)) {
    invalidOption(expected('judge', 'an object', judge))
  }
  const j = judge ?? {}
  const faultKinds = j.faultKinds ?? FAULT_KINDS
  if (!Array.isArray(faultKinds) || faultKinds.some((k) => !FAULT_KINDS.includes(k))) {
    invalidOption(
      expected('judge.faultKinds', `an array of ${FAULT_KINDS.map((k) => `'${k}'`).join(', ')}`, faultKinds),
    )
  }
  return {
    latencyDistribution: choiceOption(
      invalidOption,
      'judge.latencyDistribution',
      j.latencyDistribution,
      LATENCY_DISTRIBUTIONS,
      'normal',
    ),
    latencyMs: numberOption(invalidOption, 'judge.latencyMs', j.latencyMs, { min: 0, max: 600_000 }, 200),
    latencySpreadMs: numberOption(invalidOption, 'judge.latencySpreadMs', j.latencySpreadMs, { min: 0 }, 50),
    latencyMaxMs: numberOption(
      invalidOption,
      'judge.latencyMaxMs',
      j.latencyMaxMs,
      { min: 0, max: 600_000 },
      5000,
    ),
    ratePerSecond: numberOption(
      invalidOption,
      'judge.ratePerSecond',
      j.ratePerSecond,
      { min: 0.001, allowInfinity: true },
      50,
    ),
    burst: integer('judge.burst', j.burst, 1, 1_000_000, 50),
    faultRate: numberOption(invalidOption, 'judge.faultRate', j.faultRate, { min: 0, max: 1 }, 0),
    faultKinds: [...new Set(faultKinds)],
  }
}

/** A per-minute chat limit: > 0 or `Infinity`, and at least one per window (one request, one token). */
function perMinuteLimit(name: string, value: unknown, fallback: number, windowMs: number): number {
  const limit = numberOption(invalidOption, name, value, { min: 1, allowInfinity: true }, fallback)
  if (Math.floor((limit * windowMs) / 60_000) < 1) {
    invalidOption(
      expected(
        name,
        `at least ${Math.ceil(60_000 / windowMs)} (one a window of chatWindowMs ${windowMs}), or Infinity`,
        value,
      ),
    )
  }
  return limit
}

/** Fills in defaults and checks every option; a bad one throws `ServerError` `ERR_INVALID_OPTION`. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  if (typeof options !== 'object' || options === null)
    invalidOption(expected('options', 'an object', options))
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0)
    invalidOption(expected('host', 'a non-empty string', host))
  const seed = integer('seed', options.seed, 0, 2 ** 32 - 1, 0)
  const random =
    functionOption<RandomSource>(invalidOption, 'random', options.random) ??
    (options.seed === undefined ? Math.random : seededRandom(seed))
  const chatWindowMs = integer('chatWindowMs', options.chatWindowMs, 1, 60_000, 10_000)
  return {
    port: integer('port', options.port, 0, 65_535, 0),
    host,
    bodyLimitBytes: integer('bodyLimitBytes', options.bodyLimitBytes, 1, 100 * 2 ** 20, 2 ** 20),
    maxBatchSize: integer('maxBatchSize', options.maxBatchSize, 1, 100_000, 100),
    maxTextLength: integer('maxTextLength', options.maxTextLength, 1, 10_000_000, 20_000),
    maxFibN: integer('maxFibN', options.maxFibN, 0, 78, 40),
    maxImageSide: integer('maxImageSide', options.maxImageSide, 1, 8192, 1024),
    imageCacheBytes: integer('imageCacheBytes', options.imageCacheBytes, 0, 2 ** 32, 64 * 2 ** 20),
    imageLatencyMs: integer('imageLatencyMs', options.imageLatencyMs, 0, 60_000, 0),
    threads: integer('threads', options.threads, 1, 1024, availableParallelism()),
    fetchConcurrency: integer('fetchConcurrency', options.fetchConcurrency, 1, 1024, 8),
    shutdownTimeoutMs: timeoutOption(invalidOption, 'shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000),
    logger: booleanOption(invalidOption, 'logger', options.logger, false),
    dashboard: booleanOption(invalidOption, 'dashboard', options.dashboard, true),
    random,
    now: functionOption<() => number>(invalidOption, 'now', options.now) ?? (() => performance.now()),
    sleep: functionOption<(ms: number) => Promise<void>>(invalidOption, 'sleep', options.sleep) ?? delay,
    judge: resolveJudge(options.judge),
    chatRpm: perMinuteLimit('chatRpm', options.chatRpm, 600, chatWindowMs),
    chatTpm: perMinuteLimit('chatTpm', options.chatTpm, 60_000, chatWindowMs),
    chatWindowMs,
    chatWindowMode: choiceOption(
      invalidOption,
      'chatWindowMode',
      options.chatWindowMode,
      ['fixed', 'sliding'] as const,
      'fixed',
    ),
    chatAccounting: choiceOption(
      invalidOption,
      'chatAccounting',
      options.chatAccounting,
      ['reserve', 'refund'] as const,
      'reserve',
    ),
    batches: resolveBatchOptions(options.batches),
    messagesRpm: perMinuteLimit('messagesRpm', options.messagesRpm, 600, chatWindowMs),
    messagesItpm: perMinuteLimit('messagesItpm', options.messagesItpm, 60_000, chatWindowMs),
    messagesOtpm: perMinuteLimit('messagesOtpm', options.messagesOtpm, 12_000, chatWindowMs),
  }
}
