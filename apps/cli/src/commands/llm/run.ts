import { readFile } from 'node:fs/promises'
import { UsageError } from '../../errors'
import type { HttpAnswer } from '../../http'
import type { Pending } from '../../run/executor'
import { processIo, type RunBudget, type RunIo, runJob } from '../../run/runner'
import { printSummary } from '../../run/summary'
import { colorEnabled, paint } from '../../terminal'
import { anthropicFailed, anthropicLine, anthropicPrior } from './anthropic'
import { BuiltRequests } from './built'
import { dryRun } from './dry-run'
import { openLanes } from './lanes'
import { leastTime } from './least-time'
import { costOf, Ledger } from './ledger'
import { llmLine } from './output-line'
import { PriceBook, worstTokens } from './prices'
import { completionBound, type LlmRequest, llmKeys, loadCountTokens, requestsOf } from './requests'
import { llmExecutor } from './send'
import { endpointsExecutor } from './send-endpoints'
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

/** Whether a chat request has parts that are not text (images, audio, files): their tokens have no bound before it is sent. */
function hasMediaParts(request: LlmRequest): boolean {
  const messages = request.body.messages
  if (!Array.isArray(messages)) return false
  return messages.some((message) => {
    const content = (message as { content?: unknown } | null)?.content
    return (
      Array.isArray(content) && content.some((part) => (part as { type?: unknown } | null)?.type !== 'text')
    )
  })
}

/**
 * Why `--max-cost` cannot bound a request: its answer has no `max_tokens`, it has image or audio
 * parts, or its model has no price.
 */
function maxCostRefusal(prices: PriceBook): (request: LlmRequest) => string | undefined {
  return (request) => {
    if (completionBound(request) === undefined) {
      return 'no max_tokens (or max_completion_tokens): --max-cost needs a bound on every answer'
    }
    if (hasMediaParts(request)) {
      return 'parts that are not text (images, audio, files): --max-cost cannot bound their tokens before sending'
    }
    const model = typeof request.body.model === 'string' ? request.body.model : undefined
    if (prices.rates(model) === undefined) {
      return `model ${JSON.stringify(model ?? null)} has no price: --max-cost needs one (give --price in=X,out=Y)`
    }
    return undefined
  }
}

/** The limits of the run as one line, for the live page. */
function limitsLine(settings: LlmSettings): string {
  return [
    settings.rpm === undefined ? undefined : `--rpm ${settings.rpm}`,
    settings.tpm === undefined ? undefined : `--tpm ${settings.tpm}`,
    settings.itpm === undefined ? undefined : `--itpm ${settings.itpm}`,
    settings.otpm === undefined ? undefined : `--otpm ${settings.otpm}`,
    settings.maxCost === undefined ? undefined : `--max-cost $${settings.maxCost}`,
    `--concurrency ${settings.concurrency}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ')
}

/**
 * `boundkit llm`: sends every pending request of an OpenAI Batch API request file (or plain records
 * filled into `--template`) to `--base-url`, paced by `--rpm`/`--tpm` and the answers' rate-limit
 * headers, within `--max-cost`, and writes the Batch API output format, in input order. With
 * `--dry-run`, sends nothing and prints the plan. Resolves with the exit code.
 */
export async function runLlm(settings: LlmSettings, io: RunIo = processIo): Promise<number> {
  const style = paint(colorEnabled(io.stderr))
  const warn = (text: string) => io.stderr.write(`${style.yellow('warning')}: ${text}\n`)
  const prices = new PriceBook(settings.price, settings.baseUrl, (model) =>
    warn(`model ${JSON.stringify(model)} has no price in the price table (give --price in=X,out=Y)`),
  )
  const refuse = settings.maxCost === undefined ? undefined : maxCostRefusal(prices)
  const requestOf = requestsOf(settings, await readTemplate(settings.template), refuse)
  const anthropic = settings.provider === 'anthropic'
  const keys = { ...llmKeys(requestOf), ...(anthropic ? { failed: anthropicFailed } : {}) }
  const needsTokens =
    settings.tpm !== undefined ||
    settings.itpm !== undefined ||
    settings.otpm !== undefined ||
    settings.maxCost !== undefined ||
    settings.dryRun ||
    settings.deadline !== undefined
  const built = new BuiltRequests(requestOf, needsTokens ? await loadCountTokens() : undefined)
  if (settings.dryRun) return dryRun(settings, keys, built, prices, io)
  const lanes = await openLanes(settings, keys, built, prices)
  const share = (item: Pending) => lanes?.share(item) ?? 1
  const ledger = new Ledger(prices, (ignored) =>
    warn(`an answer gives a usage that is not a token count (${ignored}): it counts as 0 tokens`),
  )
  const budget: RunBudget | undefined =
    settings.maxCost === undefined
      ? undefined
      : {
          cap: settings.maxCost,
          spent: () => ledger.file.costUsd,
          worstCase: (item) => {
            const { completion } = built.tokens(item)
            const prompt = built.promptBound(item)
            const tokens = worstTokens(prompt, completion ?? 0, built.of(item).body)
            const cost = prices.cost(tokens, built.model(item))
            return cost === undefined ? Number.POSITIVE_INFINITY : cost * share(item)
          },
          answerCost: (item, value) => {
            const body = (value as HttpAnswer).body
            if ((body as { usage?: unknown } | null)?.usage === undefined) return undefined
            return ledger.answerCost(body, built.model(item), share(item))
          },
        }
  const started = performance.now()
  const { summary, scan, stats, exitCode, live } = await runJob<HttpAnswer>(
    {
      label: 'llm',
      settings,
      keys,
      executor:
        lanes?.executor ??
        (settings.endpoints
          ? endpointsExecutor(settings, settings.endpoints, built, (body, model) =>
              ledger.answerCost(body, model),
            )
          : llmExecutor(settings, built)),
      line: (item, result, attempts, ms) => {
        if ('value' in result) ledger.add(result.value.body, built.model(item), undefined, share(item))
        const options = { jsonAnswer: settings.jsonAnswer, attempts, ms }
        return (anthropic ? anthropicLine : llmLine)(String(item.key), result, options)
      },
      progressDetail: () => `${ledger.perMinute()} tok/min`,
      etaFloor: (left) => leastTime(settings, left, built.averageTokens()),
      limits: limitsLine(settings),
      liveDetail: () => ({
        tokens: { perMinute: ledger.perMinute(), limitPerMinute: settings.tpm ?? null },
        cost: { usd: costOf(ledger.file), maxUsd: settings.maxCost ?? null },
      }),
      priorLine: (line) => ledger.addPrior(anthropic ? anthropicPrior(line) : line),
      ...(budget === undefined ? {} : { budget }),
    },
    io,
  )
  await lanes?.settle()
  const ms = performance.now() - started
  const fields = llmSummary(settings, ledger, stats, summary.ok + summary.failed, ms)
  printSummary(settings, scan, { ...summary, ...fields }, io, llmDetails(fields, ms))
  await live?.stay(io.onInterrupt)
  return exitCode
}
