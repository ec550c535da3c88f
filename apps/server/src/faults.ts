import type { RandomSource } from './random'

/** `'500'` and `'503'` answer with that status; `'reset'` destroys the connection without an answer. */
export type FaultKind = '500' | '503' | 'reset'

export const FAULT_KINDS: readonly FaultKind[] = ['500', '503', 'reset']

/** Returns a function that decides, per request, whether it fails and how. */
export function faultPicker(
  rate: number,
  kinds: readonly FaultKind[],
  random: RandomSource,
): () => FaultKind | undefined {
  return () => {
    if (rate <= 0 || kinds.length === 0 || random() >= rate) return undefined
    return kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))]
  }
}
