import { existsSync } from 'node:fs'
import { KeyTable } from '../../run/input/key-sets'
import { PriorOutcomes } from '../../run/input/prior'
import { type KeyRule, scanInput } from '../../run/input/scan'
import { readPrior } from '../../run/output/output-file'
import { formatMs, formatUsd } from '../../terminal'
import { batchCount, requestLine } from './batch-input-file'
import type { BuiltRequests } from './built'
import { atTheLimits, type LimitTokens } from './least-time'
import type { PriceBook } from './prices'
import type { LlmSettings } from './settings'

/**
 * The share of the live price a request pays through the Batch API: OpenAI's batch discount (50%);
 * the price table has no batch prices of its own.
 */
export const BATCH_PRICE_SHARE = 0.5

/** One lane of a split run: its requests, their tokens, and their cost range at the lane's price. */
export interface LanePlan {
  requests: number
  prompt: number
  completionMax: number
  /** USD: the prompts alone .. the prompts and every completion token; null when a model has no price. */
  costUsd: { min: number; max: number } | null
}

/** How a run splits between the Batch API (the first pending records) and the live API (the rest). */
export interface SplitPlan {
  /** `--deadline` (ms); undefined with `--via batch`. */
  deadlineMs: number | undefined
  /** The records up to this input line go through the Batch API (0: none). */
  throughLine: number
  /** The batches those records fill, at most `--batch-size` requests and `--batch-bytes` bytes each. */
  batches: number
  batch: LanePlan
  live: LanePlan
  /** The least time the live lane takes at the per-minute limits (ms). */
  liveMinMs: number
}

/** One pending record's figures, as the split needs them. */
interface Counted {
  line: number
  /** Bytes of its Batch API request line. */
  bytes: number
  prompt: number
  charged: number
  completion: number
  min: number | undefined
  max: number | undefined
}

/** Every record the run would send (with `--resume`: those the output does not hold), counted. */
async function countPending(
  settings: LlmSettings,
  keys: KeyRule,
  built: BuiltRequests,
  prices: PriceBook,
): Promise<Counted[]> {
  const resumes = settings.resume && existsSync(settings.out)
  const prior = resumes ? await readPrior(settings, keys) : new PriorOutcomes(new KeyTable(), false)
  const { selection } = await scanInput({ input: settings.input, skipBad: true }, keys, prior, () => {})
  const counted: Counted[] = []
  let pos = 0
  for await (const { index, line, text, record, key } of selection.records()) {
    if (!prior.sends(key)) continue
    const item = { pos: pos++, index, line, key, text, record }
    const { prompt, charged, completion = 0 } = built.tokens(item)
    const model = built.model(item)
    const min = prices.cost({ prompt, completion: 0 }, model)
    const max = prices.cost({ prompt, completion }, model)
    const bytes = Buffer.byteLength(requestLine(item, built))
    counted.push({ line, bytes, prompt, charged, completion, min, max })
  }
  return counted
}

/** The least time (ms) `requests` requests of `tokens` take at the per-minute limits. */
const leastMs = (settings: LlmSettings, requests: number, tokens: LimitTokens) =>
  atTheLimits(settings, requests, tokens).minMs ?? 0

function lanePlan(records: readonly Counted[], share: number): LanePlan {
  const priced = records.every((record) => record.min !== undefined && record.max !== undefined)
  const sum = (pick: (record: Counted) => number) =>
    records.reduce((total, record) => total + pick(record), 0)
  return {
    requests: records.length,
    prompt: sum((record) => record.prompt),
    completionMax: sum((record) => record.completion),
    costUsd: priced
      ? { min: sum((record) => record.min ?? 0) * share, max: sum((record) => record.max ?? 0) * share }
      : null,
  }
}

/**
 * The split of a run: with `--deadline`, the most records at the end of the input that the per-minute
 * limits let finish live before it (a request counting its prompt and `max_tokens`, as the dry run
 * counts them) go live, the records before them through the Batch API, which starts first; with
 * `--via batch`, every record through the Batch API. Either way, the batches they fill.
 */
export async function planSplit(
  settings: LlmSettings,
  keys: KeyRule,
  built: BuiltRequests,
  prices: PriceBook,
): Promise<SplitPlan> {
  const counted = await countPending(settings, keys, built, prices)
  let live = 0
  const liveTokens: LimitTokens = { prompt: 0, charged: 0, completion: 0 }
  const deadline = settings.deadline
  if (deadline !== undefined) {
    for (let at = counted.length - 1; at >= 0; at--) {
      const record = counted[at] as Counted
      const tokens = {
        prompt: liveTokens.prompt + record.prompt,
        charged: liveTokens.charged + record.charged,
        completion: liveTokens.completion + record.completion,
      }
      if (leastMs(settings, live + 1, tokens) > deadline) break
      live++
      Object.assign(liveTokens, tokens)
    }
  }
  const inBatch = counted.length - live
  const limits = { requests: settings.batchSize, bytes: settings.batchBytes }
  return {
    deadlineMs: deadline,
    throughLine: inBatch === 0 ? 0 : (counted[inBatch - 1] as Counted).line,
    batches: batchCount(
      counted.slice(0, inBatch).map((record) => record.bytes),
      limits,
    ),
    batch: lanePlan(counted.slice(0, inBatch), BATCH_PRICE_SHARE),
    live: lanePlan(counted.slice(inBatch), 1),
    liveMinMs: leastMs(settings, live, liveTokens),
  }
}

const count = (n: number) => n.toLocaleString('en-US')

const costText = (plan: LanePlan) =>
  plan.costUsd === null
    ? 'no price: give --price in=X,out=Y'
    : `${formatUsd(plan.costUsd.min)} .. ${formatUsd(plan.costUsd.max)}`

/** The split as lines of the dry run. */
export function splitLines(split: SplitPlan): string[] {
  const batches = split.batches === 1 ? '1 batch' : `${count(split.batches)} batches`
  const batch = `${count(split.batch.requests)} through the Batch API${split.throughLine > 0 ? ` (input lines up to ${split.throughLine}) in ${batches}` : ''}`
  const lines =
    split.deadlineMs === undefined
      ? [`via batch:     ${batch}`]
      : [
          `deadline:      ${formatMs(split.deadlineMs)}: ${count(split.live.requests)} live (at least ${formatMs(split.liveMinMs)} at the limits), ${batch}`,
          `cost live:     ${costText(split.live)}`,
        ]
  lines.push(`cost batch:    ${costText(split.batch)} (half the live price, within 24 h)`)
  return lines
}
