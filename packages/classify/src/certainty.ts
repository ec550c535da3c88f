import type { Certainty, TaskKind } from './report'

/** Share of the readings that must agree with the verdict for it to be certain. */
export const agreement = 0.75

/** How many readings gave each kind. */
export function tally(kinds: readonly TaskKind[]): Partial<Record<TaskKind, number>> {
  const votes: Partial<Record<TaskKind, number>> = {}
  for (const kind of kinds) votes[kind] = (votes[kind] ?? 0) + 1
  return votes
}

/** True when fewer than `agreement` of the readings agree with the verdict. */
export function disputed(kind: TaskKind, kinds: readonly TaskKind[]): boolean {
  return kinds.filter((k) => k === kind).length < agreement * kinds.length
}

/**
 * The certainty of `kind` given what each reading said on its own (`what`: "samples" or "runs"),
 * and any doubts about the recommendation found elsewhere.
 */
export function certaintyOf(
  kind: TaskKind,
  kinds: readonly TaskKind[],
  what: string,
  otherDoubts: readonly string[] = [],
): Certainty {
  const votes = tally(kinds)
  const doubts: string[] = []
  if (disputed(kind, kinds)) {
    const others = (Object.entries(votes) as [TaskKind, number][])
      .filter(([k]) => k !== kind)
      .map(([k, n]) => `${n} read ${k}`)
      .join(', ')
    doubts.push(
      `Only ${votes[kind] ?? 0} of ${kinds.length} ${what} read ${kind} on their own (${others}): the task lies ` +
        'near a threshold on this machine, so another classification may read it otherwise.',
    )
  }
  doubts.push(...otherDoubts)
  return { certain: doubts.length === 0, votes, doubts }
}
