import { type Command, Option } from 'commander'
import { UsageError } from '../../errors'
import { authHeaders } from '../../flags/auth'
import { parseInteger } from '../../flags/parsers'
import {
  ANTHROPIC_API_KEY_ENV,
  ANTHROPIC_BASE_URL,
  anthropicHeaders,
  detectProvider,
  type Provider,
} from './anthropic'

/** The most tokens per minute `--itpm` and `--otpm` take. */
const MAX_TPM = 1e12

/** The flags of the Anthropic format, as commander parsed them. */
export interface AnthropicFlags {
  provider?: Provider
  itpm?: number
  otpm?: number
}

/** The flags the other provider's settings need to be checked against. */
interface OtherFlags {
  template?: string
  azure?: boolean
  apiKeyEnv?: string
  baseUrl: string
  redis?: string
  via?: string
  deadline?: number
  endpoints?: string
}

/** What the Anthropic format sets: the provider, its budgets, and for Anthropic its base URL and headers. */
export interface ProviderSettings {
  provider: Provider
  itpm: number | undefined
  otpm: number | undefined
  /** Anthropic's base URL when `--base-url` was not given; undefined: the flag's. */
  baseUrl?: string
  /** Anthropic's headers (its key included); undefined: OpenAI's. */
  headers?: Record<string, string>
}

/** `--provider`: `openai` or `anthropic`. */
export function parseProvider(text: string): Provider {
  const name = text.trim().toLowerCase()
  if (name === 'openai' || name === 'anthropic') return name
  throw new UsageError(`Expected --provider to be 'openai' or 'anthropic', got '${text}'`)
}

/** Declares `--provider`, `--itpm` and `--otpm`. */
export function addAnthropicFlags(command: Command): Command {
  const perMinute = (flag: string) => (text: string) => parseInteger(flag, text, 1, { max: MAX_TPM })
  return command
    .addOption(
      new Option(
        '--provider <name>',
        "the API: 'openai', or 'anthropic' (Message Batches request lines to /v1/messages); default: from the input's first line",
      ).argParser(parseProvider),
    )
    .addOption(
      new Option(
        '--itpm <n>',
        "Anthropic: the account's input tokens per minute (each request counts its prompt)",
      ).argParser(perMinute('--itpm')),
    )
    .addOption(
      new Option(
        '--otpm <n>',
        "Anthropic: the account's output tokens per minute (each request counts max_tokens, then its usage once the server shows it counts so)",
      ).argParser(perMinute('--otpm')),
    )
}

/** Why a flag does not go with an Anthropic run, or undefined. */
function anthropicRefusal(flags: OtherFlags): string | undefined {
  if (flags.template !== undefined)
    return '--template builds OpenAI chat requests: not with --provider anthropic'
  if (flags.azure === true) return '--azure is an OpenAI key header: not with --provider anthropic'
  if (flags.redis !== undefined)
    return '--redis workers send OpenAI key headers: not with --provider anthropic'
  if (flags.via === 'batch' || flags.deadline !== undefined)
    return "--via batch and --deadline use OpenAI's Batch API: not with --provider anthropic"
  if (flags.endpoints !== undefined)
    return '--endpoints send OpenAI key headers: not with --provider anthropic'
  return undefined
}

/**
 * The provider (`--provider`, else the input's first line; `--template` runs are OpenAI's) and, for
 * Anthropic, its base URL (unless `--base-url` was given) and headers: the key of `--api-key-env`
 * (default `ANTHROPIC_API_KEY`) as `x-api-key`, and `anthropic-version`.
 */
export function providerSettings(
  input: string,
  flags: AnthropicFlags & OtherFlags,
  given: readonly string[],
  env: NodeJS.ProcessEnv,
): ProviderSettings {
  const provider = flags.provider ?? (flags.template === undefined ? detectProvider(input) : 'openai')
  const budgets = { itpm: flags.itpm, otpm: flags.otpm }
  if (provider === 'openai') {
    if (budgets.itpm !== undefined || budgets.otpm !== undefined) {
      throw new UsageError("--itpm and --otpm are Anthropic's budgets: give --tpm for OpenAI")
    }
    return { provider, ...budgets }
  }
  const refusal = anthropicRefusal(flags)
  if (refusal !== undefined) throw new UsageError(refusal)
  const name = flags.apiKeyEnv ?? ANTHROPIC_API_KEY_ENV
  const set = env[name] !== undefined && env[name] !== ''
  // authHeaders checks the key: a usage error for an unset --api-key-env or a value no header can hold.
  const key =
    set || flags.apiKeyEnv !== undefined
      ? authHeaders({ apiKeyEnv: name, azure: true }, env)['api-key']
      : undefined
  return {
    provider,
    ...budgets,
    baseUrl: given.includes('baseUrl') ? flags.baseUrl : ANTHROPIC_BASE_URL,
    headers: anthropicHeaders(key),
  }
}
