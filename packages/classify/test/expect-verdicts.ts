/**
 * The rules of the labelled suites (functions, commands): a verdict may say it is uncertain (its
 * samples split: the task lies near a threshold, or the shared machine changed pace mid-run), but a
 * certain one must never flip: every certain verdict of a task gives the same kind, and for a
 * clear-cut task its label (and its strategy, where given). At least 95% of all verdicts must match
 * their labels, and at least 80% must be certain, leaving out the verdicts whose only doubts are
 * that the machine was busy (each such doubt asks to classify again on a quieter machine): on a
 * busy machine, saying so is the verdict's job, not a hedge.
 */
import { expect } from 'vitest'
import type { Strategy, TaskKind } from '../src/index'
import type { Verdict } from './verdict-of'

/** A labelled task or command. */
export interface Labelled {
  name: string
  kind: TaskKind
  clearCut: boolean
  strategy?: Strategy
}

function seen(verdicts: readonly Verdict[]): string {
  return verdicts
    .map(
      (v) =>
        `${v.kind}/${v.strategy} ${v.atLeast ? '>=' : ''}${v.concurrency}${v.certain ? '' : ` (uncertain: ${v.doubts.join(' ')})`}`,
    )
    .join('; ')
}

/** Every certain verdict gives the same kind, and for a clear-cut task its label and strategy. */
export function expectSteady(task: Labelled, verdicts: readonly Verdict[]): void {
  const what = `${task.name}: ${seen(verdicts)}`
  const certain = verdicts.filter((v) => v.certain)
  expect(new Set(certain.map((v) => v.kind)).size, what).toBeLessThanOrEqual(1)
  if (!task.clearCut) return
  for (const v of certain) {
    expect(v.kind, what).toBe(task.kind)
    if (task.strategy) expect(v.strategy, what).toBe(task.strategy)
  }
}

/** A verdict uncertain only because the machine was busy: every doubt asks for a quieter machine. */
function busyOnly(v: Verdict): boolean {
  return !v.certain && v.doubts.every((doubt) => doubt.includes('on a quieter machine'))
}

/**
 * At least 95% of all verdicts as labelled, and at least 80% of them certain (of those not uncertain
 * only because the machine was busy).
 */
export function expectScore(all: readonly { label: TaskKind; verdicts: readonly Verdict[] }[]): void {
  const verdicts = all.flatMap((t) => t.verdicts.map((v) => ({ ...v, label: t.label })))
  const right = verdicts.filter((v) => v.kind === v.label).length
  expect(right / verdicts.length, JSON.stringify(all)).toBeGreaterThanOrEqual(0.95)
  const judged = verdicts.filter((v) => !busyOnly(v))
  const certain = judged.filter((v) => v.certain).length
  expect(certain / Math.max(judged.length, 1), JSON.stringify(all)).toBeGreaterThanOrEqual(0.8)
}

/**
 * How many of a task's verdicts advise concurrencies within one probe level of each other (a
 * factor of 2: a knee between two levels may read either): the most that fit in one such range.
 */
export function steadyAdvice(verdicts: readonly Verdict[]): number {
  const advised = verdicts.map((v) => v.concurrency)
  return Math.max(...advised.map((low) => advised.filter((c) => c >= low && c <= 2 * low).length))
}
