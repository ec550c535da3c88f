import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { redactUrl } from '@boundkit/internal'
import { UsageError } from '../../errors'
import { authHeaders } from '../../flags/auth'
import type { Endpoint } from './endpoint'
import { type LlmSettings, parseBaseUrl } from './settings'

/** The fields an endpoint may have; anything else is a mistake the file's reader is told about. */
const FIELDS = new Set([
  'name',
  'baseUrl',
  'apiKeyEnv',
  'azure',
  'rpm',
  'tpm',
  'concurrency',
  'models',
  'weight',
])
/** Fields that would hold a key itself: a key lives in the environment, never in the file. */
const KEY_FIELDS = new Set(['apiKey', 'api_key', 'key', 'authorization', 'headers'])
/** The most endpoints a file may list: each holds its own limiter. */
export const MAX_ENDPOINTS = 64

/** A bad `--endpoints` file: exit 2, the message naming the file and the field. */
export class EndpointsFileError extends UsageError {
  constructor(path: string, message: string) {
    super(`Bad --endpoints file ${path}: ${message}`, 'ERR_ENDPOINTS_FILE')
  }
}

const shown = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value))

type Fail = (field: string, expected: string, value: unknown) => never

function optionalInteger(fail: Fail, field: string, value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(field, `an integer from 1 to ${max}`, value)
  }
  return value
}

function concurrencyOf(fail: Fail, field: string, value: unknown): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto'
  return optionalInteger(fail, field, value, 10_000) as number
}

function modelsOf(fail: Fail, field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((model) => typeof model !== 'string' || model === '')
  ) {
    fail(field, 'a non-empty array of model names', value)
  }
  return value as string[]
}

/**
 * A variable's name as an error shows it: a conventional name (upper case, digits, `_`) as it is;
 * anything else may be a key pasted in its place, and is not printed.
 */
function nameShown(name: unknown): string {
  return typeof name === 'string' && /^[A-Z_][A-Z0-9_]{0,63}$/.test(name)
    ? name
    : '(not shown: it may be a key)'
}

/** The key's header of an endpoint: only by the name of the variable that holds it. */
function headersOf(fail: Fail, at: string, raw: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const { apiKeyEnv, azure } = raw
  if (apiKeyEnv !== undefined && (typeof apiKeyEnv !== 'string' || !/^[A-Za-z_]\w*$/.test(apiKeyEnv))) {
    fail(`${at}.apiKeyEnv`, 'the name of an environment variable', nameShown(apiKeyEnv))
  }
  if (azure !== undefined && typeof azure !== 'boolean') fail(`${at}.azure`, 'true or false', azure)
  if (apiKeyEnv === undefined) return {}
  if (!env[apiKeyEnv]) fail(`${at}.apiKeyEnv`, 'the name of a variable that is set', nameShown(apiKeyEnv))
  try {
    return authHeaders({ apiKeyEnv, azure: azure === true }, env)
  } catch {
    return fail(
      `${at}.apiKeyEnv`,
      'a variable holding a valid header value (no CR, LF or NUL)',
      nameShown(apiKeyEnv),
    )
  }
}

function endpointOf(fail: Fail, at: string, raw: unknown, env: NodeJS.ProcessEnv): Endpoint {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at, 'an object', raw)
  const entry = raw as Record<string, unknown>
  for (const field of Object.keys(entry)) {
    if (KEY_FIELDS.has(field)) {
      fail(`${at}.${field}`, 'no key in the file: name the variable that holds it with apiKeyEnv', '...')
    }
    if (!FIELDS.has(field)) fail(`${at}.${field}`, `one of the fields ${[...FIELDS].join(', ')}`, field)
  }
  const { name, baseUrl, weight } = entry
  if (typeof name !== 'string' || !/^[\w.:-]{1,64}$/.test(name)) {
    fail(`${at}.name`, 'a name of 1 to 64 letters, digits, _ . : or -', name)
  }
  let url = ''
  try {
    url = parseBaseUrl(typeof baseUrl === 'string' ? baseUrl : '')
  } catch {
    const shownUrl = typeof baseUrl === 'string' ? redactUrl(baseUrl) : baseUrl
    fail(`${at}.baseUrl`, 'an http or https URL without credentials', shownUrl)
  }
  if (weight !== undefined && !(typeof weight === 'number' && weight > 0 && weight <= 1000)) {
    fail(`${at}.weight`, 'a number above 0, at most 1000', weight)
  }
  return {
    name,
    baseUrl: url,
    headers: headersOf(fail, at, entry, env),
    rpm: optionalInteger(fail, `${at}.rpm`, entry.rpm, 1e9),
    tpm: optionalInteger(fail, `${at}.tpm`, entry.tpm, 1e12),
    concurrency: concurrencyOf(fail, `${at}.concurrency`, entry.concurrency),
    models: modelsOf(fail, `${at}.models`, entry.models),
    weight: (weight as number | undefined) ?? 1,
  }
}

/** A file named `.yaml` or `.yml` is YAML; any other, JSON. */
const YAML_FILE = /\.ya?ml$/i

/**
 * The file's data: YAML (the `yaml` package, loaded only for such a file; aliases bounded by its
 * default `maxAliasCount`, so a small file cannot expand into a huge one) or JSON.
 */
function dataOf(path: string, text: string): unknown {
  const yaml = YAML_FILE.test(path)
  try {
    if (!yaml) return JSON.parse(text)
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
    return parse(text)
  } catch (error) {
    const firstLine = String((error as Error).message).split('\n')[0]
    throw new EndpointsFileError(path, `not ${yaml ? 'YAML' : 'JSON'} (${firstLine})`)
  }
}

/** The endpoints of a file's text (`{ "endpoints": [...] }`, JSON or YAML), checked; `path` names it in errors. */
export function parseEndpoints(path: string, text: string, env: NodeJS.ProcessEnv): Endpoint[] {
  const fail: Fail = (field, expected, value) => {
    throw new EndpointsFileError(path, `expected ${field} to be ${expected}, got ${shown(value)}`)
  }
  const data = dataOf(path, text)
  const list = (data as { endpoints?: unknown } | null)?.endpoints
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENDPOINTS) {
    fail('endpoints', `an array of 1 to ${MAX_ENDPOINTS} endpoints`, list)
  }
  const endpoints = (list as unknown[]).map((raw, i) => endpointOf(fail, `endpoints[${i}]`, raw, env))
  const names = endpoints.map((endpoint) => endpoint.name)
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  if (twice !== undefined) fail(`endpoints[${names.lastIndexOf(twice)}].name`, 'unique', twice)
  return endpoints
}

function readEndpoints(path: string, env: NodeJS.ProcessEnv): Endpoint[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new EndpointsFileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`)
  }
  return parseEndpoints(path, text, env)
}

/** The flags an endpoint gives for itself, refused beside `--endpoints`. */
const OWN_FLAGS: Record<string, string> = {
  baseUrl: '--base-url',
  rpm: '--rpm',
  tpm: '--tpm',
  concurrency: '--concurrency',
  apiKeyEnv: '--api-key-env',
  azure: '--azure',
  redis: '--redis',
  via: '--via',
  deadline: '--deadline',
}

/** Why a flag does not go with `--endpoints`. */
function clashReason(flag: string): string {
  if (flag === 'redis') return 'the workers send with their own key'
  if (flag === 'via' || flag === 'deadline') return 'a Batch API job goes to one API'
  return 'each endpoint gives its own'
}

/**
 * Refuses the flags that do not go with `--endpoints` (exit 2, `ERR_NOT_WITH_ENDPOINTS`): checked
 * before the other flags' own checks (`--deadline` needs `--rpm` or `--tpm`, which `--endpoints`
 * refuses), so the message names the clash, and before anything is read or sent.
 */
export function refuseBesideEndpoints(flags: { endpoints?: string }, given: readonly string[]): void {
  if (flags.endpoints === undefined) return
  const clash = given.find((name) => OWN_FLAGS[name] !== undefined)
  if (clash !== undefined) {
    throw new UsageError(
      `${OWN_FLAGS[clash]} does not go with --endpoints (${clashReason(clash)})`,
      'ERR_NOT_WITH_ENDPOINTS',
    )
  }
}

/** A sum over the endpoints, undefined when one of them has no such limit. */
function total(endpoints: readonly Endpoint[], limit: (endpoint: Endpoint) => number | undefined) {
  const limits = endpoints.map(limit)
  return limits.every((n) => n !== undefined) ? limits.reduce((a, b) => a + b, 0) : undefined
}

/**
 * `--endpoints <file>`, read and checked before anything is sent: the run's settings with the
 * endpoints, their limits summed (for the ETA and the summary), and no key of the default variable
 * (each endpoint sends its own).
 */
export function withEndpoints(
  settings: LlmSettings,
  flags: { endpoints?: string; header?: [string, string][] },
  given: readonly string[],
  env = process.env,
): LlmSettings {
  if (flags.endpoints === undefined) return settings
  refuseBesideEndpoints(flags, given)
  // However they were set: the Batch API lanes would send every record to one API, not the endpoints.
  if (settings.via === 'batch' || settings.deadline !== undefined) {
    const flag = settings.via === 'batch' ? 'via' : 'deadline'
    throw new UsageError(
      `${OWN_FLAGS[flag]} does not go with --endpoints (${clashReason(flag)})`,
      'ERR_NOT_WITH_ENDPOINTS',
    )
  }
  const endpoints = readEndpoints(flags.endpoints, env)
  return {
    ...settings,
    endpoints,
    baseUrl: endpoints[0]!.baseUrl,
    rpm: total(endpoints, (endpoint) => endpoint.rpm),
    tpm: total(endpoints, (endpoint) => endpoint.tpm),
    headers: Object.fromEntries(flags.header ?? []),
  }
}
