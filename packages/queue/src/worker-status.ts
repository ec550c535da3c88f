/**
 * What each worker of a queue publishes about itself in Redis, so that a producer (and its live page)
 * sees the whole cluster: one key a worker (`<prefix>:<queue>:boundkit:worker:<name>`, JSON) that
 * expires three publishing intervals after its last update, and a set of the names. A worker killed
 * with `kill -9` drops out once its key expires; one that closes removes it at once.
 */
import type { Redis } from 'ioredis'
import type { QueueWorkerStats } from './stats'

/** One worker as it last published itself (`queue.workers()`). */
export interface QueueWorkerStatus extends QueueWorkerStats {
  /** Its `workerName`. */
  name: string
  /** Its machine's host name and process id. */
  host: string
  pid: number
  /** Jobs it runs at once (its `concurrency`). */
  concurrency: number
  /** Its local limiter, which makes the `http` jobs' requests: slots, requests in flight and waiting, a cooldown. */
  limiter: { concurrency: number; running: number; queued: number; coolingDown: boolean }
  /** When it published this, epoch ms by its own clock. */
  at: number
}

function keys(prefix: string, queue: string): { names: string; worker: (name: string) => string } {
  const base = `${prefix}:${queue}:boundkit`
  return { names: `${base}:workers`, worker: (name) => `${base}:worker:${name}` }
}

/** Publishes a worker's status; it expires after `ttl` ms unless published again. */
export async function publishStatus(
  client: Redis,
  prefix: string,
  queue: string,
  status: QueueWorkerStatus,
  ttl: number,
): Promise<void> {
  const { names, worker } = keys(prefix, queue)
  await client
    .multi()
    .set(worker(status.name), JSON.stringify(status), 'PX', Math.max(1, Math.round(ttl)))
    .sadd(names, status.name)
    .exec()
}

/** Removes a worker's status (it closed). */
export async function removeStatus(
  client: Redis,
  prefix: string,
  queue: string,
  name: string,
): Promise<void> {
  const { names, worker } = keys(prefix, queue)
  await client.multi().del(worker(name)).srem(names, name).exec()
}

/** Every worker's last status, by name; the names whose status expired are forgotten. */
export async function readStatuses(
  client: Redis,
  prefix: string,
  queue: string,
): Promise<QueueWorkerStatus[]> {
  const { names, worker } = keys(prefix, queue)
  const all = (await client.smembers(names)).sort()
  if (all.length === 0) return []
  const values = await client.mget(all.map(worker))
  const gone = all.filter((_, i) => values[i] === null)
  if (gone.length > 0) await client.srem(names, ...gone)
  const statuses: QueueWorkerStatus[] = []
  for (const value of values) {
    if (value === null) continue
    try {
      statuses.push(JSON.parse(value) as QueueWorkerStatus)
    } catch {}
  }
  return statuses
}

/**
 * Publishes a worker's status every `interval` ms (and at `start`); its key lives three intervals.
 * A publish that fails (Redis away) is skipped: the next one tries again.
 */
export class StatusPublisher {
  readonly #client: () => Redis
  readonly #where: { prefix: string; queue: string }
  readonly #read: () => QueueWorkerStatus
  readonly #interval: number
  #timer: NodeJS.Timeout | undefined

  constructor(
    client: () => Redis,
    where: { prefix: string; queue: string },
    read: () => QueueWorkerStatus,
    interval: number,
  ) {
    this.#client = client
    this.#where = where
    this.#read = read
    this.#interval = interval
  }

  start(): void {
    if (this.#timer !== undefined || !Number.isFinite(this.#interval)) return
    this.#publish()
    this.#timer = setInterval(() => this.#publish(), this.#interval)
    this.#timer.unref()
  }

  /** Stops publishing; with `remove`, the status goes at once (a graceful close). */
  async stop(remove: boolean): Promise<void> {
    const started = this.#timer !== undefined
    clearInterval(this.#timer)
    this.#timer = undefined
    if (!started || !remove) return
    const { prefix, queue } = this.#where
    await removeStatus(this.#client(), prefix, queue, this.#read().name).catch(() => {})
  }

  #publish(): void {
    const { prefix, queue } = this.#where
    publishStatus(this.#client(), prefix, queue, this.#read(), 3 * this.#interval).catch(() => {})
  }
}
