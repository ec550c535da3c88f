import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type ClassifyOptions,
  type ClassifyReport,
  type CommandReport,
  classify,
  classifyCommand,
  format,
} from '@boundkit/classify'
import { EXIT, UsageError } from '../../errors'
import { colorEnabled, paint } from '../../terminal'

/** The flags of the options that the report and the errors name. */
const optionNames = { maxConcurrency: '--max-concurrency', timeBudget: '--time-budget', runs: '--runs' }

/** An error of the classification, with the API's option names replaced by the flags. */
function withFlags(error: unknown): unknown {
  if (error instanceof Error) {
    for (const [name, flag] of Object.entries(optionNames)) {
      error.message = error.message.replaceAll(`\`${name}\``, `\`${flag}\``)
    }
  }
  return error
}

/** The flags of `boundkit classify`, as commander parsed them. */
export interface ClassifyFlags {
  /** `--arg`, parsed JSON: `undefined` when not given. */
  arg?: unknown
  runs: number
  timeBudget: number
  maxConcurrency: number
  json?: boolean
}

/** `./tasks.mjs#resize` into the module path and the export name (`default` when there is no `#`). */
export function parseModuleTarget(target: string): { module: string; exportName: string } {
  const hash = target.lastIndexOf('#')
  const module = hash === -1 ? target : target.slice(0, hash)
  const exportName = hash === -1 ? 'default' : target.slice(hash + 1)
  if (module === '' || exportName === '') {
    throw new UsageError(`Expected <module>#<export>, got '${target}'`)
  }
  return { module, exportName }
}

async function loadFunction(target: string): Promise<(arg?: unknown) => unknown> {
  const { module, exportName } = parseModuleTarget(target)
  const url = /^[a-z]+:/i.test(module) ? module : pathToFileURL(resolve(module)).href
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(url)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT') {
      throw new UsageError(`Cannot load module ${module}: ${(error as Error).message}`)
    }
    throw error
  }
  const fn = loaded[exportName]
  if (typeof fn !== 'function') {
    const names = Object.keys(loaded).filter((name) => typeof loaded[name] === 'function')
    throw new UsageError(
      `${module} has no exported function '${exportName}'${names.length > 0 ? ` (functions: ${names.join(', ')})` : ''}`,
    )
  }
  return fn as (arg?: unknown) => unknown
}

/**
 * `boundkit classify -- <command ...>` measures a command; `boundkit classify <module>#<export>`
 * measures an exported function called with `--arg`. Prints the report (or JSON) and resolves with 0.
 */
export async function runClassify(target: string[], cli: ClassifyFlags, dashDash: boolean): Promise<number> {
  const options: ClassifyOptions = {
    runs: cli.runs,
    timeBudget: cli.timeBudget,
    maxConcurrency: cli.maxConcurrency,
  }
  if (target.length === 0) {
    throw new UsageError('Nothing to classify: give a command after --, or <module>#<export>')
  }
  let report: ClassifyReport | CommandReport
  if (dashDash || target.length > 1) {
    if (cli.arg !== undefined) throw new UsageError('--arg applies to <module>#<export>, not to a command')
    const [command, ...args] = target as [string, ...string[]]
    try {
      report = await classifyCommand(command, args, options)
    } catch (error) {
      const { code, message } = error as { code?: unknown; message?: string }
      if (code === 'ERR_COMMAND_FAILED' && message?.includes('(ENOENT)')) throw new UsageError(message)
      throw withFlags(error)
    }
  } else {
    const fn = await loadFunction(target[0] as string)
    const arg = cli.arg
    report = await classify(() => fn(arg), options).catch((error: unknown) => {
      // A task cannot be cancelled: once the classification gives up on it (a timeout, Ctrl-C),
      // the CLI exits when the error is printed instead of waiting for the task to settle.
      setTimeout(() => process.exit(), 0).unref()
      throw withFlags(error)
    })
  }
  if (cli.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else {
    const style = paint(colorEnabled(process.stdout))
    const text = format(report, { optionNames }).replace(/^(advice:.*)$/m, (line) => style.bold(line))
    process.stdout.write(`${text}\n`)
  }
  return EXIT.ok
}
