import { answerOf, errorRecord, type HttpAnswer, JSON_HEADERS, postJson } from '../../http'
import { distributed } from '../../run/distributed'
import { batchKeys } from '../../run/input/scan'
import { local } from '../../run/local'
import { processIo, type RunIo, runJob } from '../../run/runner'
import { printSummary } from '../../run/summary'
import { outputLine } from './output-line'
import type { BatchSettings } from './settings'

/** Where the command prints, the signals it listens to, how it exits at once (tests replace them). */
export type BatchIo = RunIo

/**
 * `boundkit batch`: POSTs every pending record of the input (its line as written) to `--url` through a
 * limiter and writes one line per record, in input order. Resolves with the exit code: 0 all ok, 1 some
 * failed, 130 interrupted; a usage error (exit 2) is thrown before any request.
 */
export async function runBatch(settings: BatchSettings, io: BatchIo = processIo): Promise<number> {
  const { summary, scan, exitCode, live } = await runJob<HttpAnswer>(
    {
      label: 'batch',
      settings,
      keys: batchKeys(settings.key),
      executor: settings.redis
        ? distributed({
            redis: settings.redis,
            resume: settings.resume,
            attempts: settings.retries + 1,
            rate: settings.rate && { max: settings.rate.limit, duration: settings.rate.interval },
            // No secret here: the command refused credential headers with --redis.
            request: (item) => ({
              url: settings.url,
              method: 'POST',
              headers: { ...JSON_HEADERS, ...settings.headers },
              body: item.text,
              maxResponseBytes: settings.maxResponseBytes,
            }),
            answer: answerOf,
          })
        : local({
            limiter: {
              concurrency: settings.concurrency,
              ...(settings.rate === undefined ? {} : { rate: settings.rate }),
              timeout: settings.timeout,
              retry: settings.retries === 0 ? false : { retries: settings.retries },
            },
            request: (item, signal) =>
              postJson(settings.url, item.text, {
                headers: settings.headers,
                signal,
                maxResponseBytes: settings.maxResponseBytes,
              }),
          }),
      line: (item, result, attempts, ms) => {
        if ('value' in result) {
          const { status, body } = result.value
          return { line: outputLine(item, status, { response: body }, attempts, ms), ok: true }
        }
        const error = errorRecord(result.error)
        return { line: outputLine(item, error.status ?? null, { error }, attempts, ms), ok: false }
      },
    },
    io,
  )
  printSummary(settings, scan, summary, io)
  await live?.stay(io.onInterrupt)
  return exitCode
}
