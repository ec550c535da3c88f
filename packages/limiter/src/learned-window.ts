import { FIRST_WINDOW_MS, windowSpanOf } from '@boundkit/internal'
import type { RateInfo } from './rate-headers'
import type { CostLog, WindowLog } from './window-log'

/** The least a reset header may move for two answers to count as the same window (clock noise, ms). */
const SAME_RESET_MS = 30

/** A start this recent may reach the server after an answer read before it (ms). */
const QUIET_MS = 100

/**
 * What estimated costs keep in hand against the server's count, when the server counts otherwise than
 * the estimate (its scale is not 1): one start's estimate then misses it by up to 7% even once the
 * scale (the average) is right (`START_MARGIN`, on a start the answers' view admits alone), and the
 * average drifts as the prompts change (`SUM_MARGIN`, of a window's budget). Both grow with the
 * scale's distance from 1, in full from 10%. The view fills what they leave; a 429 costs more.
 */
const START_MARGIN = 0.1
const SUM_MARGIN = 0.03

/** One reading of the server's headers for a budget. */
interface Reading {
  at: number
  remaining: number
  resetAt: number
}

/**
 * How the server enforces one budget, as its headers show it. The declared limit per `interval`
 * is enforced over a window of `span` ms (`limit x span / interval` a window): the longest reset
 * seen (rounded up to a whole second, or below one to 100, 200, 250, 500 ms or 1 s; at most the
 * declared interval), 1 s before any, since a server
 * may enforce a minute's limit over shorter periods. It also learns whether the window slides
 * (resets move with each start), whether the server gives back what an answer did not use (its
 * remaining rose with nothing sliding out), and, for a cost, what the server charges for one unit
 * of the task's estimate (`scale`).
 */
export class LearnedWindow {
  /** The window the server enforces over (ms). */
  span: number
  /** What one `span` allows. */
  limit: number
  /** Resets moved with the starts: the window slides; until shown, quantized windows are assumed. */
  sliding = false
  /** A reported cost below the charge is given back: given by the caller, or shown by the headers. */
  refunds: boolean
  /** Whether refunds are settled: given, or shown either way by the headers. */
  #refundsKnown: boolean
  /** The server's charge for one unit of estimate (weighted windows). */
  scale = 1
  readonly #declared: { limit: number; interval: number }
  /** It counts estimated costs (a weighted window), not starts. */
  readonly #estimated: boolean
  #longestReset = 0
  /** Answers that showed no refund where one would have shown. */
  #noRefunds = 0
  #last: Reading | undefined = undefined
  /** Readings whose reset moved as only a sliding window's can (two make it so: one may be noise). */
  #slides = 0

  /** `refund`: the window's option, undefined for a window of starts. */
  constructor(limit: number, interval: number, refund: boolean | 'auto' | undefined) {
    this.#declared = { limit, interval }
    this.#estimated = refund !== undefined
    this.refunds = refund === true
    this.#refundsKnown = refund !== 'auto'
    this.span = Math.min(interval, FIRST_WINDOW_MS)
    this.limit = this.#perSpan(limit)
  }

  /** How far the server's count is from the estimate, 0 to 1 (in full from a scale 10% off 1). */
  get #misses(): number {
    return this.#estimated ? Math.min(1, Math.abs(1 - this.scale) / 0.1) : 0
  }

  /** What a start of estimated `amount` (scaled) may cost the server, with the margin it keeps. */
  padded(amount: number): number {
    return amount * (1 + START_MARGIN * this.#misses)
  }

  /** Margin for the time between a start here and its admission there, once a reset was read (ms). */
  get guard(): number {
    return this.#longestReset === 0 ? 0 : Math.min(20, this.span / 50)
  }

  #perSpan(perInterval: number): number {
    return Math.max(1, Math.floor((perInterval * this.span) / this.#declared.interval))
  }

  /**
   * When a start of `amount` fits in the learned window, from the window's own log of starts: in the
   * quantized window the last reset showed (what started since it began, a guard before included,
   * since a start just before may reach the server after), else in a sliding one.
   */
  freeAt(log: WindowLog, amount: number, now: number): number {
    // Nothing learned yet of a window no longer than the declared: that one says it all.
    if (this.#longestReset === 0 && this.span === this.#declared.interval) return Number.NEGATIVE_INFINITY
    const limit = this.limit * (1 - SUM_MARGIN * this.#misses)
    const edge = this.#last?.resetAt
    if (this.sliding || edge === undefined) return log.freeAtOver(amount, limit, this.span + this.guard, now)
    const start = edge + Math.floor((now - edge) / this.span) * this.span
    const used = log.usedSince(start - this.guard, now)
    // A start larger than the window's whole budget goes in a window that holds none of ours (as in a
    // sliding one): the span may be learned too short (a reset read late in a longer window), and
    // waiting for room that never comes, nothing in flight, no answer would ever correct it.
    if (used + amount <= limit || used === 0) return Number.NEGATIVE_INFINITY
    return start + this.span
  }

  /** The start of what the server counts now: the last `span` when sliding, else its window's start. */
  countedSince(resetAt: number, now: number): number {
    return (this.sliding ? now : resetAt) - this.span - this.guard
  }

  /**
   * Learns from one reading: the span from its reset, whether the window slides, and whether the
   * server refunds. `log` is the window's own log of starts; `unused`: the answered attempt reported
   * less than it was charged. Returns true when refunds were just shown.
   */
  observe(info: RateInfo, now: number, log: WindowLog, unused = false): boolean {
    if (info.resetMs > this.#longestReset) {
      this.#longestReset = info.resetMs
      // The first reset replaces the assumed window; a longer one later widens it.
      this.span = Math.min(this.#declared.interval, windowSpanOf(info.resetMs))
      this.limit = this.#perSpan(this.#declared.limit)
    }
    const reading = { at: now, remaining: info.remaining, resetAt: now + info.resetMs }
    const last = this.#last
    this.#last = reading
    if (last === undefined) return false
    const moved = reading.resetAt - last.resetAt
    const noise = Math.max(SAME_RESET_MS, this.span / 100)
    // A quantized window's end stays put (or moves by whole windows); a sliding one's follows its starts.
    const quantized = Math.abs(moved - Math.round(moved / this.span) * this.span) <= noise
    if (!quantized && moved > 0 && ++this.#slides >= 2) this.sliding = true
    if (this.#refundsKnown || Math.abs(moved) > noise) return false
    if (reading.remaining <= last.remaining) {
      // An answer that used less than its charge, no start that may have reached the server in
      // between, and nothing came back: no refunds (twice, as a slow start can hide a refund).
      const quiet = !log.startedWithin(last.at - Math.max(noise, QUIET_MS), now, now)
      if (unused && quiet && ++this.#noRefunds >= 2) this.#refundsKnown = true
      return false
    }
    // The same window, and more remains: a refund, unless a start of ours slid out in between.
    const from = last.at - this.span - this.guard - noise
    const to = now - this.span + noise
    if (from <= now - log.interval || log.startedWithin(from, to, now)) return false
    this.refunds = true
    this.#refundsKnown = true
    return true
  }

  /**
   * Learns what the server charges per unit of estimate from one reading of a weighted window: what
   * its window holds (its limit for the span less what remains; `announced` per minute, as both
   * header families give it) against the estimates of our starts in that window. Only a reading with
   * no start of ours since `seenBefore` teaches it: a later one may or may not have reached the server.
   * With refunds, the starts already answered count what they reported, and only the others tell the charge.
   */
  learnScale(info: RateInfo, now: number, log: CostLog, seenBefore: number): void {
    if (log.startedWithin(seenBefore, now, now)) return
    // A start just before the window's edge may have reached the server after it: such a reading
    // tells nothing sure.
    const edge = this.countedSince(now + info.resetMs, now) + this.guard
    if (log.startedWithin(edge - 2 * this.guard - SAME_RESET_MS, edge - 0.5, now)) return
    const perSpan = info.limit === undefined ? this.limit : Math.floor((info.limit * this.span) / 60_000)
    const held = perSpan - info.remaining
    let estimated = 0
    let answered = 0
    let pending = 0
    for (const entry of log.entriesSince(edge, now)) {
      if (entry.refused) continue
      estimated += entry.estimate
      if (entry.reported !== undefined) answered += entry.reported
      else pending += entry.estimate
    }
    // Too little seen to tell (or, with refunds, too little still unanswered).
    if (estimated < perSpan / 20 || (this.refunds && pending < estimated / 2)) return
    const scale = Math.min(4, Math.max(0.25, this.refunds ? (held - answered) / pending : held / estimated))
    if (!(scale > 0)) return
    // Refunds unknown: the reading may count refunds, so it can only say the charge is higher.
    if (!this.#refundsKnown) this.scale = Math.max(this.scale, scale)
    else this.scale += (scale - this.scale) / 4
  }
}
