import type { ErrorRecord } from './http'

/** The batch options, checked. */
export interface BatchSettings {
  input: string
  url: string
  out: string
  concurrency: number
  rate: { limit: number; interval: number } | undefined
  retries: number
  timeout: number
  headers: Record<string, string>
  key: string | undefined
  resume: boolean
  skipBad: boolean
  json: boolean
}

/** One line of the output file. */
export interface OutputLine {
  key: string | number
  index: number
  /** The HTTP status of the last answer; null when there was none (network error, timeout). */
  status: number | null
  response?: unknown
  error?: ErrorRecord
  attempts: number
  /** From the first attempt's start to the outcome, retries and waits included. */
  ms: number
}

export function outputLine(
  item: { key: string | number; index: number },
  status: number | null,
  result: { response: unknown } | { error: ErrorRecord },
  attempts: number,
  ms: number,
): OutputLine {
  return { key: item.key, index: item.index, status, ...result, attempts, ms: Math.round(ms * 10) / 10 }
}

function quote(arg: string): string {
  return /^[\w./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`
}

/** The command line to run again to continue: the same one, with --resume. */
export function resumeCommand(argv: readonly string[]): string {
  const args = argv.slice(2)
  if (!args.includes('--resume')) args.push('--resume')
  return ['boundkit', ...args].map(quote).join(' ')
}
