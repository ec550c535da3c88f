/**
 * Cheap reads of jobs' states in Redis, on the producer's own connection: whether outstanding jobs
 * finished (one pipelined round trip for all of them, two short fields each, where reading each whole
 * job took a round trip and its data), and removing a job that finished so that its key runs again.
 */
import type { Queue as BullQueue } from 'bullmq'
import type { Redis } from 'ioredis'

/** What Redis says of a job now: gone (a restarted Redis lost it), finished, or waiting or running. */
export type JobPresence = 'missing' | 'finished' | 'open'

/** The presence of each job of `ids`, in one round trip; a failed read says `open` (read again later). */
export async function presenceOf(
  client: Redis,
  bull: BullQueue,
  ids: readonly string[],
): Promise<JobPresence[]> {
  if (ids.length === 0) return []
  const pipeline = client.pipeline()
  // Every job hash has a `timestamp` (set when it is added) and a `finishedOn` once it finished.
  for (const id of ids) pipeline.hmget(bull.toKey(id), 'timestamp', 'finishedOn')
  const replies = (await pipeline.exec()) ?? []
  return ids.map((_, i) => {
    const [error, fields] = replies[i] ?? [new Error('no reply'), null]
    if (error || !Array.isArray(fields)) return 'open'
    if (fields[0] === null) return 'missing'
    return fields[1] === null ? 'open' : 'finished'
  })
}

/**
 * Removes job `id` if it finished (`'finished'`: completed or failed; `'failed'`: failed only);
 * a job waiting or running stays. Resolves with whether it was removed.
 */
export async function removeIfFinished(
  client: Redis,
  bull: BullQueue,
  id: string,
  which: 'finished' | 'failed',
): Promise<boolean> {
  const [finishedOn, failedReason] = await client.hmget(bull.toKey(id), 'finishedOn', 'failedReason')
  if (!finishedOn) return false
  // A job that failed an attempt and then completed keeps its reason: the failed set says which.
  if (which === 'failed' || failedReason) {
    const failed = (await client.zscore(bull.toKey('failed'), id)) !== null
    if (which === 'failed' && !failed) return false
  }
  return (await bull.remove(id)) === 1
}
