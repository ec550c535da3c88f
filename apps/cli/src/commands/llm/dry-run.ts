import { existsSync } from 'node:fs'
import { EXIT } from '../../errors'
import type { BadLine } from '../../run/input/jsonl-input'
import { KeyTable } from '../../run/input/key-sets'
import { PriorOutcomes } from '../../run/input/prior'
import { type KeyRule, scanInput } from '../../run/input/scan'
import { readPrior } from '../../run/output/output-file'
import type { RunIo } from '../../run/runner'
import { formatMs, formatUsd } from '../../terminal'
import type { BuiltRequests } from './built'
import { planSplit, splitLines } from './deadline'
import { usesBatch } from './lane-flags'
import { atTheLimits, type Binding } from './least-time'
import { type PriceBook, worstTokens } from './prices'
import type { LlmSettings } from './settings'

/** One model's part of a dry run. */
interface ModelPlan {
  requests: number
  prompt: number
  /** Of `prompt`, that of requests asking for prompt caching (`cache_control`): priced as written to the cache at most. */
  cacheWriteMax: number
  completionMax: number
  /** Requests that set no bound on their answer (no `max_tokens`): their cost has no top. */
  unbounded: number
  /** USD: the prompts alone .. the prompts and every completion token; null when the model has no price. */
  costUsd: { min: number; max: number } | null
}

/** What `boundkit llm --dry-run` prints (`--json`: this object). */
export interface DryRunReport {
  dryRun: true
  input: string
  /** Requests this run would send (with `--resume`: those the output does not hold yet). */
  requests: number
  /** With `--resume`: requests the output already holds. */
  alreadyDone: number
  malformed: BadLine[]
  prompt: number
  completionMax: number
  unbounded: number
  /** Every model together; null when some model has no price. */
  costUsd: { min: number; max: number } | null
  models: Record<string, ModelPlan>
  /** The prompt tokens as `--tpm` counts them: by their characters (OpenAI's rate-limit rule). */
  chargedPrompt: number
  /** The least wall time `--rpm`, `--tpm`, `--itpm` and `--otpm` allow (a request counts its prompt and `max_tokens`), and which binds. */
  minMs: number | null
  binding: Binding | null
}

function planOf(models: Record<string, ModelPlan>, model: string): ModelPlan {
  models[model] ??= {
    requests: 0,
    prompt: 0,
    cacheWriteMax: 0,
    completionMax: 0,
    unbounded: 0,
    costUsd: { min: 0, max: 0 },
  }
  return models[model]
}

/**
 * Reads the whole input and sends nothing: how many requests, which lines are malformed, the prompt
 * tokens (estimated by the tokenizer), the most completion tokens (`max_tokens`), the cost range at
 * each model's price, and the least wall time the limits allow (`--tpm` counting prompts by their
 * characters, as OpenAI's rate limits do).
 */
export async function planRun(
  settings: LlmSettings,
  keys: KeyRule,
  built: BuiltRequests,
  prices: PriceBook,
): Promise<DryRunReport> {
  const resumes = settings.resume && existsSync(settings.out)
  const prior = resumes ? await readPrior(settings, keys) : new PriorOutcomes(new KeyTable(), false)
  const malformed: BadLine[] = []
  const { scan, selection } = await scanInput({ input: settings.input, skipBad: true }, keys, prior, (bad) =>
    malformed.push(bad),
  )
  const models: Record<string, ModelPlan> = {}
  let charged = 0
  let pos = 0
  for await (const { index, line, text, record, key } of selection.records()) {
    if (!prior.sends(key)) continue
    const item = { pos: pos++, index, line, key, text, record }
    const { prompt, completion } = built.tokens(item)
    charged += built.tokens(item).charged
    const model = built.model(item) ?? '(no model)'
    const plan = planOf(models, model)
    plan.requests++
    plan.prompt += prompt
    plan.cacheWriteMax += worstTokens(prompt, 0, built.of(item).body).cacheWrite ?? 0
    plan.completionMax += completion ?? 0
    if (completion === undefined) plan.unbounded++
  }
  for (const [model, plan] of Object.entries(models)) {
    const rates = prices.rates(model === '(no model)' ? undefined : model)
    plan.costUsd =
      rates === undefined
        ? null
        : {
            min: (plan.prompt * rates.input) / 1e6,
            max:
              ((plan.prompt - plan.cacheWriteMax) * rates.input +
                plan.cacheWriteMax * (rates.cacheWrite ?? rates.input) +
                plan.completionMax * rates.output) /
              1e6,
          }
  }
  const plans = Object.values(models)
  const sum = (pick: (plan: ModelPlan) => number) => plans.reduce((total, plan) => total + pick(plan), 0)
  const priced = plans.every((plan) => plan.costUsd !== null)
  const requests = sum((plan) => plan.requests)
  const prompt = sum((plan) => plan.prompt)
  const completionMax = sum((plan) => plan.completionMax)
  return {
    dryRun: true,
    input: settings.input,
    requests,
    alreadyDone: scan.alreadyDone,
    malformed,
    prompt,
    chargedPrompt: charged,
    completionMax,
    unbounded: sum((plan) => plan.unbounded),
    costUsd: priced
      ? { min: sum((plan) => plan.costUsd?.min ?? 0), max: sum((plan) => plan.costUsd?.max ?? 0) }
      : null,
    models,
    ...atTheLimits(settings, requests, { prompt, charged, completion: completionMax }),
  }
}

const count = (n: number) => n.toLocaleString('en-US')

/** The report as lines for a reader. */
function reportLines(report: DryRunReport, settings: LlmSettings, prices: PriceBook): string[] {
  const lines = [`dry run of ${report.input}: nothing sent`]
  const done = report.alreadyDone > 0 ? ` (${count(report.alreadyDone)} already in ${settings.out})` : ''
  lines.push(`requests:      ${count(report.requests)}${done}`)
  if (report.malformed.length > 0) {
    const shown = report.malformed.slice(0, 20).map((bad) => `  line ${bad.line}: ${bad.reason}`)
    const more =
      report.malformed.length > 20
        ? [`  ... and ${report.malformed.length - 20} more (--json lists them all)`]
        : []
    lines.push(
      `malformed:     ${report.malformed.length} lines${settings.skipBad ? ' (skipped with --skip-bad)' : ''}`,
      ...shown,
      ...more,
    )
  }
  lines.push(`prompt tokens: ${count(report.prompt)} (estimated by the tokenizer)`)
  const unbounded =
    report.unbounded > 0 ? `; ${report.unbounded} requests set no max_tokens (no top to their cost)` : ''
  lines.push(`completion:    at most ${count(report.completionMax)} tokens (max_tokens)${unbounded}`)
  for (const [model, plan] of Object.entries(report.models)) {
    const cost =
      plan.costUsd === null
        ? 'no price: give --price in=X,out=Y'
        : `${formatUsd(plan.costUsd.min)} .. ${formatUsd(plan.costUsd.max)}`
    const source = plan.costUsd === null ? '' : prices.fixed ? ' (--price)' : ' (price table)'
    lines.push(`cost ${model}: ${cost}${source}`)
  }
  if (report.costUsd !== null && Object.keys(report.models).length > 1) {
    lines.push(`cost in all:   ${formatUsd(report.costUsd.min)} .. ${formatUsd(report.costUsd.max)}`)
  }
  if (report.minMs !== null) {
    lines.push(`at the limits: at least ${formatMs(report.minMs)} (${report.binding} per minute bind)`)
  }
  return lines
}

/**
 * `boundkit llm --dry-run`: the plan on stdout (`--json`: as JSON). Exit code 0; 2 when the input has
 * malformed lines and `--skip-bad` was not given, as the run itself would refuse them.
 */
export async function dryRun(
  settings: LlmSettings,
  keys: KeyRule,
  built: BuiltRequests,
  prices: PriceBook,
  io: RunIo,
): Promise<number> {
  const report = await planRun(settings, keys, built, prices)
  const split = usesBatch(settings) ? await planSplit(settings, keys, built, prices) : undefined
  if (settings.json) io.stdout.write(`${JSON.stringify(split ? { ...report, split } : report)}\n`)
  else
    io.stdout.write(
      `${[...reportLines(report, settings, prices), ...(split ? splitLines(split) : [])].join('\n')}\n`,
    )
  return report.malformed.length > 0 && !settings.skipBad ? EXIT.usage : EXIT.ok
}
