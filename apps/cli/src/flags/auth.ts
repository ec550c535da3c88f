import { type Command, Option } from 'commander'
import { UsageError } from '../errors'

/** The environment variable `boundkit llm` reads the API key from by default. */
export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY'

/** `--api-key-env` and `--azure`, as commander parsed them (`llm`, `worker`). */
export interface AuthFlags {
  apiKeyEnv?: string
  azure?: boolean
}

/** Declares `--api-key-env <name>` (with its help) and `--azure`. */
export function addAuthFlags(command: Command, apiKeyEnvHelp: string, azureHelp: string): Command {
  return command
    .addOption(
      new Option('--api-key-env <name>', apiKeyEnvHelp).argParser((name: string) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          throw new UsageError(`Expected --api-key-env to name an environment variable, got '${name}'`)
        }
        return name
      }),
    )
    .option('--azure', azureHelp)
}

/**
 * The API key's header from the environment (`Authorization: Bearer`, or Azure's `api-key`), none when
 * the default variable is unset; the key itself never appears in a message.
 */
export function authHeaders(flags: AuthFlags, env: NodeJS.ProcessEnv): Record<string, string> {
  const name = flags.apiKeyEnv ?? DEFAULT_API_KEY_ENV
  const key = env[name]
  if (key === undefined || key === '') {
    if (flags.apiKeyEnv !== undefined)
      throw new UsageError(`The environment variable ${name} (--api-key-env) is not set`)
    return {}
  }
  const header: [string, string] =
    flags.azure === true ? ['api-key', key] : ['authorization', `Bearer ${key}`]
  try {
    new Headers([header])
  } catch {
    throw new UsageError(
      `The value of ${name} is not a valid HTTP header value (CR, LF, NUL or a character past U+00FF)`,
    )
  }
  return Object.fromEntries([header])
}
