import { UsageError } from '../../errors'
import type { HttpAnswer } from '../../http'
import type { OpenExecutor, Pending } from '../../run/executor'
import type { KeyRule } from '../../run/input/scan'
import { BatchLane } from './batch-lane'
import { readState, statePath } from './batch-state'
import type { BuiltRequests } from './built'
import { BATCH_PRICE_SHARE, planSplit } from './deadline'
import { usesBatch } from './lane-flags'
import type { PriceBook } from './prices'
import { llmExecutor } from './send'
import type { LlmSettings } from './settings'
import { SplitLanes } from './split-lanes'

/** How a run with `--via batch` or `--deadline` sends its records, and what each pays. */
export interface Lanes {
  executor: OpenExecutor<HttpAnswer>
  /** The share of the live price a record pays: 1 live, `BATCH_PRICE_SHARE` through the Batch API. */
  share(item: Pending): number
  /** After a run that returned: once the batch ended and its records were written, its files and state go. */
  settle(): Promise<void>
}

/**
 * The lanes of a run, or undefined for a live run. A batch under way for the output (its state file)
 * is collected with `--resume` and the lane flags that made it, and refused otherwise; with
 * `--deadline`, the split the state holds is kept, else it is planned from the input.
 */
export async function openLanes(
  settings: LlmSettings,
  keys: KeyRule,
  built: BuiltRequests,
  prices: PriceBook,
): Promise<Lanes | undefined> {
  const state = await readState(settings.out)
  if (state !== undefined) {
    // Its records must go to the same batch as before: sent live, they would be paid for twice.
    const how = state.throughLine === undefined ? '--via batch' : '--deadline'
    const same = state.throughLine === undefined ? settings.via === 'batch' : settings.deadline !== undefined
    if (!settings.resume || !same) {
      throw new UsageError(
        `A batch is under way for ${settings.out} (${statePath(settings.out)}): collect it with --resume ${how}, or remove that file to start over`,
      )
    }
  }
  if (!usesBatch(settings)) return undefined
  const throughLine =
    settings.deadline === undefined
      ? Number.POSITIVE_INFINITY
      : (state?.throughLine ?? (await planSplit(settings, keys, built, prices)).throughLine)
  let batch: BatchLane | undefined
  return {
    executor: async (out, stderr) => {
      batch = new BatchLane(settings, built, stderr, Number.isFinite(throughLine) ? throughLine : undefined)
      if (settings.deadline === undefined) return batch
      return new SplitLanes(batch, await llmExecutor(settings, built)(out, stderr), throughLine)
    },
    share: (item) => (item.line <= throughLine ? BATCH_PRICE_SHARE : 1),
    settle: async () => {
      await batch?.forget()
    },
  }
}
