import { parseArgs } from 'node:util'
import { expected } from '@boundkit/internal'
import type { BatchOptions } from './batches-options'
import { invalidOption } from './errors'
import { type JudgeOptions, resolveServerOptions, type ServerOptions } from './options'
import { SETTINGS, type Setting } from './settings'

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
  // The settings of a group (`judge.<key>`, `batches.<key>`) go to that group's options.
  const groups: Record<string, Record<string, unknown>> = { judge }
  for (const setting of SETTINGS) {
    const fromFlag = values[setting.flag]
    const raw = fromFlag ?? env[setting.env]
    if (raw === undefined) continue
    const value = typeof raw === 'boolean' ? raw : convert(setting, raw)
    const [group, key] = setting.option.split('.') as [string, string | undefined]
    if (key) groups[group] = { ...groups[group], [key]: value }
    else top[group] = value
  }
  const batches = groups.batches as BatchOptions | undefined
  const options = {
    ...top,
    judge: groups.judge as JudgeOptions,
    ...(batches === undefined ? {} : { batches }),
  } as ServerOptions
  try {
    resolveServerOptions(options)
  } catch (error) {
    const message = (error as Error).message
    const setting = SETTINGS.find((s) => message.includes(`\`${s.option}\``))
    invalidOption(setting ? `${message} (set by ${source(setting)})` : message)
  }
  return { options, help: values.help === true }
}
