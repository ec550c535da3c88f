import { describe, expect, it } from 'vitest'
import type { EndpointLane } from './endpoint-lane'
import type { Pending } from './executor'
import { RouteChoice, WAITING_PER_ENDPOINT } from './route-choice'

/** An endpoint as the choice reads it: drained until `until` (0: never drained), cooling down or not. */
function lane(state: {
  drainedUntil?: number
  probing?: boolean
  coolingDown?: boolean
  /** Its `tpm`: a record of more tokens never starts there. */
  tpm?: number
  /** The models it was taken out for (401, 403, 404). */
  refused?: string[]
  /** Its room now, as a share of its limits (below 0: more waits than it has left). */
  room?: number
  /** Attempts given to it, not started. */
  waiting?: number
}): EndpointLane {
  const until = state.drainedUntil ?? (state.probing ? 1 : 0)
  return {
    limiter: { stats: () => ({ coolingDown: state.coolingDown === true }) },
    health: { drained: (now: number) => now < until, until },
    room: () => state.room ?? 1,
    holds: (cost: { tokens: number } | undefined) =>
      (cost?.tokens ?? 0) <= (state.tpm ?? Number.POSITIVE_INFINITY),
    refusal: (model: string) =>
      state.refused?.includes(model) ? { status: 404, model, error: new Error('HTTP 404') } : undefined,
    route: { weight: 1 },
    waiting: state.waiting ?? 0,
  } as unknown as EndpointLane
}

const item = { pos: 0 } as Pending
const routes = (serves: () => boolean) => ({ serves, model: () => 'm', cost: () => undefined })
const servesAll = routes(() => true)

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
    expect(
      new RouteChoice(
        [lane({}), lane({})],
        routes(() => false),
      ).hasOther(item, 0),
    ).toBe(false)
  })

  it('gives an endpoint back from a drain one request, its probe', () => {
    const choice = new RouteChoice([lane({ probing: true }), lane({})], servesAll)
    const [probing, healthy] = choice.snapshot(Date.now())
    expect(probing!.space).toBe(1)
    expect(healthy!.space).toBe(WAITING_PER_ENDPOINT)
  })

  it('gives an endpoint without room nothing to wait for while another has room, even when that one has no space now', () => {
    const choose = (lanes: EndpointLane[]) => {
      const routes = new RouteChoice(lanes, servesAll)
      return routes.choose(routes.snapshot(Date.now()), item, undefined)
    }
    // The second's window is spent: a record given it would wait for its next window.
    expect(choose([lane({ room: 0.3 }), lane({ room: -0.1 })])).toBe(0)
    expect(choose([lane({ room: 0.3, waiting: WAITING_PER_ENDPOINT }), lane({ room: -0.1 })])).toBe('wait')
    // None has room: the one with the most, while it has space.
    expect(choose([lane({ room: -0.5 }), lane({ room: -0.1 })])).toBe(1)
    expect(choose([lane({ room: -0.5 }), lane({ room: -0.1, waiting: WAITING_PER_ENDPOINT })])).toBe(0)
  })

  it("leaves out an endpoint taken out for the record's model, and one whose tpm can never hold it while another can", () => {
    const sized = (tokens: number) => ({ serves: () => true, model: () => 'm', cost: () => ({ tokens }) })
    const choice = (lanes: EndpointLane[], tokens: number) => {
      const routes = new RouteChoice(lanes, sized(tokens))
      return routes.choose(routes.snapshot(Date.now()), item, undefined)
    }
    expect(choice([lane({ refused: ['m'] }), lane({})], 10)).toBe(1)
    expect(choice([lane({ refused: ['other'] }), lane({})], 10)).toBe(0)
    expect(choice([lane({ refused: ['m'] }), lane({ refused: ['m'] })], 10)).toBe(undefined)
    expect(new RouteChoice([lane({ refused: ['m'] })], sized(10)).refusal(item)).toMatchObject({
      status: 404,
    })
    expect(new RouteChoice([lane({ refused: ['m'] }), lane({})], sized(10)).refusal(item)).toBe(undefined)
    expect(choice([lane({ tpm: 100 }), lane({ tpm: 10_000 })], 500)).toBe(1)
    expect(choice([lane({ tpm: 100 }), lane({ tpm: 10_000 })], 50)).toBe(0)
    // None can hold it: the first, whose limiter fails it with ERR_COST_TOO_HIGH.
    expect(choice([lane({ tpm: 100 }), lane({ tpm: 200 })], 500)).toBe(0)
    expect(new RouteChoice([lane({ tpm: 100 }), lane({ tpm: 10_000 })], sized(500)).hasOther(item, 1)).toBe(
      false,
    )
  })
})
