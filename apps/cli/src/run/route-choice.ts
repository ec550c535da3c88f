import type { EndpointLane } from './endpoint-lane'
import type { Pending } from './executor'

/**
 * Attempts that may wait in an endpoint's limiter, not started: the others wait for an endpoint to
 * start one, so each endpoint takes records as fast as it starts them, and a drained one has few to
 * give back.
 */
export const WAITING_PER_ENDPOINT = 16

/** An endpoint as one round of choices sees it. */
interface LaneView {
  /** 0: takes requests; 1: its limiter waits out a Retry-After; 2: drained. */
  rank: number
  /** Its room times its weight; for a drained one, how soon its drain ends (the sooner, the higher). */
  score: number
  /** Attempts that may still be given to it this round. */
  space: number
}

/**
 * Which endpoint a record's next attempt goes to: among those serving it, the ones taking requests
 * (else those waiting out a Retry-After, else the drained ones), the one with the most room.
 */
export class RouteChoice {
  readonly #lanes: readonly EndpointLane[]
  readonly #serves: (item: Pending, route: number) => boolean

  constructor(lanes: readonly EndpointLane[], serves: (item: Pending, route: number) => boolean) {
    this.#lanes = lanes
    this.#serves = serves
  }

  /** Every endpoint's rank, room and space now, for one round of choices. */
  snapshot(now: number): LaneView[] {
    return this.#lanes.map((lane) => {
      const stats = lane.limiter.stats()
      const drained = lane.health.drained(now)
      return {
        rank: drained ? 2 : stats.coolingDown ? 1 : 0,
        score: drained ? -lane.health.until : lane.room(stats) * lane.route.weight,
        // An endpoint back from a drain takes one request, its probe, until that one is answered.
        space: (lane.health.until > 0 ? 1 : WAITING_PER_ENDPOINT) - lane.waiting,
      }
    })
  }

  /**
   * The endpoint for `item` (`avoid`: where it just failed, chosen only when no other of its rank
   * serves it), `'wait'` when those of the best rank have no space now, undefined when none serves it.
   */
  choose(views: LaneView[], item: Pending, avoid: number | undefined): number | 'wait' | undefined {
    const serving = views.flatMap((view, route) => (this.#serves(item, route) ? [{ view, route }] : []))
    if (serving.length === 0) return undefined
    const rank = Math.min(...serving.map(({ view }) => view.rank))
    let tier = serving.filter(({ view }) => view.rank === rank)
    if (tier.length > 1) tier = tier.filter(({ route }) => route !== avoid)
    let best: { view: LaneView; route: number } | undefined
    for (const entry of tier) {
      if (entry.view.space > 0 && (best === undefined || entry.view.score > best.view.score)) best = entry
    }
    if (best === undefined) return 'wait'
    best.view.space--
    return best.route
  }

  /**
   * Whether another endpoint than `route` that takes requests now (not drained, not cooling down)
   * serves `item`: only then does a failed attempt go there at once; else it waits its backoff and
   * `Retry-After` (endpoints all down must not use up a record's attempts in a few round trips).
   */
  hasOther(item: Pending, route: number): boolean {
    const views = this.snapshot(Date.now())
    return views.some((view, other) => other !== route && view.rank === 0 && this.#serves(item, other))
  }
}
