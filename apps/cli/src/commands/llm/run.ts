import { readFile } from 'node:fs/promises'
import { type Usage, usageOf } from '@boundkit/internal'
import { UsageError } from '../../errors'
import type { HttpAnswer } from '../../http'
import { processIo, type RunIo, runJob } from '../../run/runner'
import { printSummary } from '../../run/summary'
import { llmLine } from './output-line'
import { llmKeys, loadCountTokens, requestsOf } from './requests'
import { llmExecutor } from './send'
import type { LlmSettings } from './settings'
import { llmDetails, llmSummary } from './summary'

async function readTemplate(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined
  try {
    return await readFile(path, 'utf8')
  } catch {
    throw new UsageError(`Template file not found: ${path}`)
  }
}

/**
 * `boundkit llm`: sends every pending request of an OpenAI Batch API request file (or plain records
 * filled into `--template`) to `--base-url`, paced by `--rpm`/`--tpm` and the answers' rate-limit
 * headers, and writes the Batch API output format, in input order. Resolves with the exit code.
 */
export async function runLlm(settings: LlmSettings, io: RunIo = processIo): Promise<number> {
  const requestOf = requestsOf(settings, await readTemplate(settings.template))
  const countTokens = settings.tpm === undefined ? undefined : await loadCountTokens()
  const tokens: Usage = { prompt: 0, completion: 0, total: 0 }
  /** Answers whose usage held a count that is not a token count, and the first such count. */
  const insane = { answers: 0, first: '' }
  const started = performance.now()
  const { summary, scan, stats, exitCode, live } = await runJob<HttpAnswer>(
    {
      label: 'llm',
      settings,
      keys: llmKeys(requestOf),
      executor: llmExecutor(settings, requestOf, countTokens),
      line: (item, result, attempts, ms) => {
        if ('value' in result) {
          const usage = usageOf(result.value.body)
          if (usage.ignored !== undefined && insane.answers++ === 0) {
            insane.first = usage.ignored
            io.stderr.write(
              `warning: the answer to custom_id ${JSON.stringify(item.key)} gives a usage that is not a token count (${usage.ignored}): it counts as 0 tokens\n`,
            )
          }
          tokens.prompt += usage.prompt
          tokens.completion += usage.completion
          tokens.total += usage.total
        }
        return llmLine(String(item.key), result, { jsonAnswer: settings.jsonAnswer, attempts, ms })
      },
      progressDetail: (elapsed) =>
        `${elapsed > 0 ? Math.round((tokens.total * 60_000) / elapsed) : 0} tok/min`,
    },
    io,
  )
  const ms = performance.now() - started
  const fields = llmSummary(settings, tokens, stats, summary.ok + summary.failed, ms, insane.answers)
  printSummary(settings, scan, { ...summary, ...fields }, io, llmDetails(fields, ms))
  await live?.stay(io.onInterrupt)
  return exitCode
}
