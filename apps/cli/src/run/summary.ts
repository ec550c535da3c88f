import { colorEnabled, formatMs, type OutputStream, paint } from '../terminal'
import type { RequestStats } from './executor'
import type { InputScan } from './input/scan'

/** What the run asked of the server: every attempt is one request. */
export type RequestCounts = Omit<RequestStats, 'concurrency'>

/** What `--json` prints at the end (with `resume`, the command to continue, when interrupted). */
export interface BatchSummary extends RequestCounts {
  input: string
  out: string
  records: number
  badLines: number
  /** Records the output already held and this run skipped (count). */
  alreadyDone: number
  /** Of `alreadyDone`, those whose newest line is a failure: `--retry-failed` sends them again (count). */
  alreadyFailed: number
  /** Records whose newest line was a failure, sent again by `--retry-failed` (count). */
  resent: number
  written: number
  ok: number
  failed: number
  notWritten: number
  interrupted: boolean
  /** The run stopped starting records at `--max-cost` (exit code 3). */
  stoppedBy?: 'max-cost'
  ms: number
  resume?: string
}

/** `3284 requests for 2000 records (1284 retries); 429s: 12; cooldowns: 3 (4.2 s)`. */
export function requestsLine(summary: BatchSummary): string {
  const records = summary.ok + summary.failed
  return (
    `${summary.requests} requests for ${records} record${records === 1 ? '' : 's'} (${summary.retries} retries); ` +
    `429s: ${summary.rateLimited}; cooldowns: ${summary.cooldowns} (${formatMs(summary.cooldownMs)})`
  )
}

/**
 * The end of a run: its summary on stdout (one line, or JSON), the requests it made and its
 * `details` lines (not with `--json`: they are in the JSON) and what is left to do on stderr.
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
    if (scan.alreadyDone > 0) {
      const failed = scan.alreadyFailed > 0 ? ` (${scan.alreadyFailed} of them failed)` : ''
      parts.push(`${scan.alreadyDone} already done${failed}`)
    }
    if (scan.resend > 0) {
      // Interrupted, some of them were not sent yet: the resumed run sends them.
      parts.push(`${scan.resend} failed before and ${summary.interrupted ? 'to send again' : 'sent again'}`)
    }
    if (scan.badLines > 0) parts.push(`${scan.badLines} bad lines skipped`)
    io.stdout.write(`${parts.join(', ')} in ${formatMs(summary.ms)}; results in ${settings.out}\n`)
    for (const line of [requestsLine(summary), ...details]) io.stderr.write(`${line}\n`)
  }
  const style = paint(colorEnabled(io.stderr))
  const todo = scan.records - scan.alreadyDone
  if (summary.interrupted) {
    io.stderr.write(
      `${style.yellow('Interrupted')}: ${summary.notWritten} of ${todo} records not written yet. To continue, run:\n  ${summary.resume}\n`,
    )
  } else if (summary.stoppedBy === 'max-cost') {
    io.stderr.write(
      `${style.yellow('Stopped at --max-cost')}: ${summary.notWritten} of ${todo} records not sent yet. To continue, raise --max-cost and run:\n  ${summary.resume}\n`,
    )
  } else if (summary.failed > 0) {
    io.stderr.write(
      `${style.red(`${summary.failed} of ${todo} records failed`)} (see "error" in ${settings.out}); add --resume --retry-failed to send them again\n`,
    )
  }
  if (scan.alreadyFailed > 0) {
    io.stderr.write(
      `${style.yellow(`${scan.alreadyFailed} of the ${scan.alreadyDone} records already done had failed`)} (their newest line in ${settings.out} is an error): add --retry-failed to send them again\n`,
    )
  }
}
