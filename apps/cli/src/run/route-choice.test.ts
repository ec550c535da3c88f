import { describe, expect, it } from 'vitest'
import type { EndpointLane } from './endpoint-lane'
import type { Pending } from './executor'
import { RouteChoice, WAITING_PER_ENDPOINT } from './route-choice'

/** An endpoint as the choice reads it: drained until `until` (0: never drained), cooling down or not. */
function lane(state: { drainedUntil?: number; probing?: boolean; coolingDown?: boolean }): EndpointLane {
  const until = state.drainedUntil ?? (state.probing ? 1 : 0)
  return {
    limiter: { stats: () => ({ coolingDown: state.coolingDown === true }) },
    health: { drained: (now: number) => now < until, until },
    room: () => 1,
    route: { weight: 1 },
    waiting: 0,
  } as unknown as EndpointLane
}

const item = { pos: 0 } as Pending
const servesAll = () => true

describe('RouteChoice', () => {
  it('sends a failed attempt elsewhere at once only to an endpoint taking requests', () => {
    const later = Date.now() + 60_000
    // Both drained: the attempt waits its backoff, it does not use up its attempts between them.
    expect(
      new RouteChoice([lane({ drainedUntil: later }), lane({ drainedUntil: later })], servesAll).hasOther(
        item,
        0,
      ),
    ).toBe(false)
    // The other waits out a Retry-After: no better.
    expect(new RouteChoice([lane({}), lane({ coolingDown: true })], servesAll).hasOther(item, 0)).toBe(false)
    expect(new RouteChoice([lane({ drainedUntil: later }), lane({})], servesAll).hasOther(item, 0)).toBe(true)
    expect(new RouteChoice([lane({}), lane({})], () => false).hasOther(item, 0)).toBe(false)
  })

  it('gives an endpoint back from a drain one request, its probe', () => {
    const choice = new RouteChoice([lane({ probing: true }), lane({})], servesAll)
    const [probing, healthy] = choice.snapshot(Date.now())
    expect(probing!.space).toBe(1)
    expect(healthy!.space).toBe(WAITING_PER_ENDPOINT)
  })
})
