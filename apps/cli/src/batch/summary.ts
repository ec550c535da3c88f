import { colorEnabled, formatMs, type OutputStream, paint } from '../terminal'
import type { InputScan } from './scan'

/** What `--json` prints at the end (with `resume`, the command to continue, when interrupted). */
export interface BatchSummary {
  input: string
  out: string
  records: number
  badLines: number
  alreadyDone: number
  written: number
  ok: number
  failed: number
  notWritten: number
  interrupted: boolean
  ms: number
  resume?: string
}

/**
 * The end of a run: its summary on stdout (one line, or JSON), its `details` lines (not with
 * `--json`: they are in the JSON) and what is left to do on stderr.
 */
export function printSummary(
  settings: { json: boolean; out: string },
  scan: InputScan,
  summary: BatchSummary,
  io: { stdout: OutputStream; stderr: OutputStream },
  details: readonly string[] = [],
): void {
  if (settings.json) io.stdout.write(`${JSON.stringify(summary)}\n`)
  else {
    const out = paint(colorEnabled(io.stdout))
    const parts = [
      out.green(`${summary.ok} ok`),
      summary.failed > 0 ? out.red(`${summary.failed} failed`) : '0 failed',
    ]
    if (scan.alreadyDone > 0) parts.push(`${scan.alreadyDone} already done`)
    if (scan.badLines > 0) parts.push(`${scan.badLines} bad lines skipped`)
    io.stdout.write(`${parts.join(', ')} in ${formatMs(summary.ms)}; results in ${settings.out}\n`)
  }
  if (!settings.json) for (const line of details) io.stderr.write(`${line}\n`)
  const style = paint(colorEnabled(io.stderr))
  const todo = scan.records - scan.alreadyDone
  if (summary.interrupted) {
    io.stderr.write(
      `${style.yellow('Interrupted')}: ${summary.notWritten} of ${todo} records not written yet. To continue, run:\n  ${summary.resume}\n`,
    )
  } else if (summary.failed > 0) {
    io.stderr.write(
      `${style.red(`${summary.failed} of ${todo} records failed`)} (see "error" in ${settings.out})\n`,
    )
  }
}
