import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, isAbsolute, join, relative } from 'node:path'
import { redactUrl as redactHttpUrl, SECRET_NAME } from '@boundkit/internal'

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

/** `K: V` with V replaced by `<redacted>` when K names a credential. */
function redactHeader(header: string): string {
  const colon = header.indexOf(':')
  return colon > 0 && SECRET_NAME.test(header.slice(0, colon).trim())
    ? `${header.slice(0, colon)}: <redacted>`
    : header
}

/** What a `--redis` URL reads without its password (the queue's `redactUrl`, given where it is loaded). */
export type RedactUrl = (url: string) => string

const hideAll: RedactUrl = () => '<redacted>'

/** An argument that is a URL (`--url`, `--base-url`, a `--redis` URL the queue did not load for). */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * The arguments with the values of credential headers, the password of a `--redis` URL and the
 * credentials in any other URL (`user:pass@`, `?api_key=`) redacted: the command is printed to
 * stderr, which logs keep.
 */
function redactSecrets(args: readonly string[], redactUrl: RedactUrl): string[] {
  const redactValue = (option: string | undefined, value: string): string => {
    if (option === '--header') return redactHeader(value)
    if (option === '--redis') return redactUrl(value)
    return URL_LIKE.test(value) ? redactHttpUrl(value) : value
  }
  return args.map((arg, i) => {
    const equals = /^(--[a-z-]+)=(.*)$/s.exec(arg)
    if (equals !== null) return `${equals[1]}=${redactValue(equals[1], equals[2] as string)}`
    return redactValue(args[i - 1], arg)
  })
}

/**
 * The command as it was typed, its secrets redacted as in `resumeCommand` (for the live page): `boundkit`
 * and the arguments, quoted for a POSIX shell.
 */
export function typedCommand(argv: readonly string[], redactUrl: RedactUrl = hideAll): string {
  return ['boundkit', ...redactSecrets(argv.slice(2), redactUrl)].map(shellQuote).join(' ')
}

/**
 * The command line to run again to continue: the same one, with --resume, quoted for a POSIX shell.
 * The values of credential headers (`Authorization`, `*-Key`, `Cookie`, ...) read `<redacted>`, and a
 * URL's password and credential query parameters (`?api_key=`) `***`: put them back (or the variable
 * they came from) before running it.
 */
export function resumeCommand(
  argv: readonly string[],
  launch: Launch = here(),
  redactUrl: RedactUrl = hideAll,
): string {
  const args = redactSecrets(argv.slice(2), redactUrl)
  if (!args.includes('--resume')) args.push('--resume')
  const command = [...invocation(argv, launch), ...args].map(shellQuote).join(' ')
  const notes = [
    ...(args.some((arg) => arg.includes(': <redacted>')) ? ['credential header values read <redacted>'] : []),
    ...(args.some((arg, i) => arg !== argv[i + 2] && arg.includes('***'))
      ? ['URL credentials read ***']
      : []),
  ]
  return notes.length === 0
    ? command
    : `${command}\n  (${notes.join('; ')}: put them back, or the variable they came from, before running it)`
}
