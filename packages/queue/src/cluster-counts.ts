import type { Redis } from 'ioredis'
import type { QueueClusterCounts } from './stats'

/**
 * The counts every worker of a queue adds to, in one Redis hash (`<prefix>:<queue>:boundkit:counts`),
 * so that a producer can report a cluster's 429s and waits as a local run reports its own.
 */
export function countsKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:boundkit:counts`
}

export async function readCounts(client: Redis, key: string): Promise<QueueClusterCounts> {
  const fields = await client.hgetall(key)
  const read = (name: keyof QueueClusterCounts) => Number(fields[name] ?? 0)
  return {
    rateLimited: read('rateLimited'),
    cooldownMs: read('cooldownMs'),
    tokenWaits: read('tokenWaits'),
    tokenWaitMs: read('tokenWaitMs'),
  }
}

/** Adds to the counts; a failure to count (Redis away) never fails a job. */
export function addCounts(client: Redis, key: string, add: Partial<QueueClusterCounts>): void {
  const batch = client.multi()
  for (const [name, value] of Object.entries(add)) batch.hincrby(key, name, Math.round(value))
  batch.exec().catch(() => {})
}
