import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, isAbsolute, join, relative } from 'node:path'

/** `arg` as one word of a POSIX shell: as it is when only safe characters, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`
}

/** The real path of the executable `name` found first on `PATH`, or undefined. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      const file = join(dir, name)
      accessSync(file, constants.X_OK)
      return realpathSync(file)
    } catch {}
  }
  return undefined
}

const real = (path: string): string | undefined => {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/** Where the command runs: its node, folder and environment (tests replace them). */
export interface Launch {
  execPath: string
  cwd: string
  env: NodeJS.ProcessEnv
}

const here = (): Launch => ({ execPath: process.execPath, cwd: process.cwd(), env: process.env })

/**
 * The words that start this command again from the same folder: `boundkit` when that name on `PATH`
 * is this very script (a linked `bin`), else `node <script>` (the script relative to the folder when
 * it is inside it), with the node on `PATH` when it is this one, else this node's full path.
 */
export function invocation(argv: readonly string[], launch: Launch): string[] {
  const script = argv[1]
  if (script === undefined) return ['boundkit']
  const self = real(script)
  if (self !== undefined && onPath('boundkit', launch.env) === self) return ['boundkit']
  const node = onPath('node', launch.env) === real(launch.execPath) ? 'node' : launch.execPath
  const fromHere = relative(launch.cwd, script)
  const path = fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : script
  return [node, path]
}

/** Header names whose values are credentials (never printed, never put in a job's data in Redis). */
export const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|key|token|secret|password|auth/i

/** `K: V` with V replaced by `<redacted>` when K names a credential. */
function redactHeader(header: string): string {
  const colon = header.indexOf(':')
  return colon > 0 && SECRET_HEADER.test(header.slice(0, colon).trim())
    ? `${header.slice(0, colon)}: <redacted>`
    : header
}

/** What a `--redis` URL reads without its password (the queue's `redactUrl`, given where it is loaded). */
export type RedactUrl = (url: string) => string

const hideAll: RedactUrl = () => '<redacted>'

/**
 * The arguments with the values of credential headers and the password of a `--redis` URL redacted:
 * the command is printed to stderr, which logs keep.
 */
function redactSecrets(args: readonly string[], redactUrl: RedactUrl): string[] {
  return args.map((arg, i) => {
    if (args[i - 1] === '--header') return redactHeader(arg)
    if (args[i - 1] === '--redis') return redactUrl(arg)
    if (arg.startsWith('--redis=')) return `--redis=${redactUrl(arg.slice('--redis='.length))}`
    return arg.startsWith('--header=') ? `--header=${redactHeader(arg.slice('--header='.length))}` : arg
  })
}

/**
 * The command line to run again to continue: the same one, with --resume, quoted for a POSIX shell.
 * The values of credential headers (`Authorization`, `*-Key`, `Cookie`, ...) read `<redacted>` and a
 * `--redis` URL's password `***`: put them back (or the variable they came from) before running it.
 */
export function resumeCommand(
  argv: readonly string[],
  launch: Launch = here(),
  redactUrl: RedactUrl = hideAll,
): string {
  const args = redactSecrets(argv.slice(2), redactUrl)
  if (!args.includes('--resume')) args.push('--resume')
  const command = [...invocation(argv, launch), ...args].map(shellQuote).join(' ')
  return args.some((arg) => arg.includes(': <redacted>'))
    ? `${command}\n  (credential header values read <redacted>: put them back, or the variable they came from, before running it)`
    : command
}
