import { Charge, type CostEntry, type LimiterReport, type Reporter, UNTRACKED } from './charge'
import { saneAmount } from './cost'
import { LearnedWindow } from './learned-window'
import { LinkedList } from './linked-list'
import type { RateLimit } from './options'
import { type HeaderFamilies, type RateInfo, rateInfo } from './rate-headers'
import { RateWindow } from './rate-window'
import { ServerBudget } from './server-budget'
import type { WindowStats } from './stats'
import { WeightedWindow } from './weighted-window'

type Window = RateWindow | WeightedWindow

/** A start this old has reached the server, whatever the fastest round trip says (ms). */
const SEEN_MS = 50

/** How the windows are built. */
export interface WindowsOptions {
  windows: readonly RateLimit[]
  /** The header families read, undefined: none. */
  headers: HeaderFamilies | undefined
  /** Each attempt gets its own charge (start time) even without a weighted window (adaptive concurrency). */
  track: boolean
  /** Longest server reset followed, in ms (`retry.maxRetryAfter`): a longer one is ignored. */
  maxReset: number
}

/**
 * The rate windows of a limiter: they admit starts (counting 1 or the task's cost), correct a
 * cost when `report` gives the real one, and follow the server's rate-limit headers.
 */
export class Windows implements Reporter {
  readonly all: readonly Window[]
  /** The windows with a `cost`, in the order of a call's cost vector. */
  readonly weighted: readonly WeightedWindow[]
  /** Each attempt gets its own `Charge` (else they share `UNTRACKED`). */
  readonly tracked: boolean
  /** Answers' headers are read into the windows' server budgets. */
  readonly reads: boolean
  /** There are rate windows: they, not adaptive concurrency, answer a 429. */
  readonly paces: boolean
  /** Some window counts starts (no `cost`): a start can leave no room for the next one. */
  readonly countsStarts: boolean
  readonly #families: HeaderFamilies
  readonly #maxReset: number
  readonly #now: () => number
  /** Budget came back (a refund, a server reset): the gate checks again. */
  readonly #freed: () => void
  /** Attempts started and not yet ended, while headers are read: the server may not have counted them yet. */
  readonly #inTransit = new LinkedList<Charge>()

  /** The shortest time from a start to its answer seen (ms): what the server has surely seen. */
  #fastest = Number.POSITIVE_INFINITY

  constructor(options: WindowsOptions, now: () => number, freed: () => void) {
    this.all = options.windows.map((w) =>
      w.cost === undefined
        ? new RateWindow(w.limit, w.interval)
        : new WeightedWindow(w.limit, w.interval, w.cost, w.refund ?? 'auto'),
    )
    this.weighted = this.all.filter((w): w is WeightedWindow => w instanceof WeightedWindow)
    this.reads = options.headers !== undefined && this.all.length > 0
    this.paces = this.all.length > 0
    this.countsStarts = this.all.length > this.weighted.length
    if (this.reads) {
      for (const w of this.all) {
        w.server = new ServerBudget()
        w.learned = new LearnedWindow(w.limit, w.interval, w.cost === undefined ? undefined : w.refund)
      }
    }
    this.tracked = this.reads || this.weighted.length > 0 || options.track
    this.#families = options.headers ?? 'auto'
    this.#maxReset = options.maxReset
    this.#now = now
    this.#freed = freed
  }

  /** The earliest time every window allows a start of `cost` (aligned with `weighted`; undefined: 0). */
  freeAt(cost: readonly number[] | undefined, now: number): number {
    let at = Number.NEGATIVE_INFINITY
    let k = 0
    for (const w of this.all) {
      const amount = w.cost === undefined ? 1 : (cost?.[k++] ?? 0) * (w.learned?.scale ?? 1)
      const own = w.freeAt(amount, now)
      if (own > at) at = own
      const server = w.learned ? this.#serverFreeAt(w, amount, now) : Number.NEGATIVE_INFINITY
      if (server > at) at = server
    }
    return at
  }

  /**
   * When the server allows a start of `amount` in `w`: while its last answer's view holds, that view
   * (the starts it counted freeing room when their answers' resets say they have slid out: in a
   * sliding window before the view's reset, in a quantized one at it), else the window it enforces.
   */
  #serverFreeAt(w: Window, amount: number, now: number): number {
    const server = w.server!
    const learned = w.learned!
    if (!server.active(now)) return learned.freeAt(w, amount, now)
    // The server's own count of this one start may be a little above our estimate of it.
    amount = learned.padded(amount)
    const held = server.freeAt(amount, now)
    // A window of starts keeps no answer per start: its starts free room only once it is shown to slide.
    if (held === Number.NEGATIVE_INFINITY || (w.cost === undefined && !learned.sliding)) return held
    // Only starts the view surely counted: one started a span before it may have slid out already.
    const since = server.setAt - learned.span
    const credit =
      w.cost === undefined
        ? w.creditAt(amount - server.remaining, since, learned.span + learned.guard)
        : w.creditAt(amount - server.remaining, since, server.setAt, now)
    if (credit === Number.NEGATIVE_INFINITY || credit >= held) return held
    // Room freed before the view's reset: in a quantized window, not before the window the starts
    // themselves show (an answer's reset read sooner than the others' puts the end early).
    return learned.sliding ? credit : Math.max(credit, learned.freeAt(w, amount, now))
  }

  /** Counts a start at `now` in every window; its charge lets `report` correct it later. */
  charge(now: number, cost: readonly number[] | undefined): Charge {
    // Sized at once: a first push would reserve 17 slots at every start.
    const entries = this.weighted.length === 0 ? undefined : new Array<CostEntry>(this.weighted.length)
    let k = 0
    for (const w of this.all) {
      if (w.cost === undefined) {
        w.record(now)
        w.server?.adjust(1, now, now)
      } else {
        const estimate = cost?.[k] ?? 0
        // Charged as the server is believed to charge it: its estimate in the server's units.
        const amount = estimate * (w.learned?.scale ?? 1)
        entries![k++] = w.record(now, amount, estimate)
        w.server?.adjust(amount, now, now)
      }
    }
    if (!this.tracked) return UNTRACKED
    const charge = new Charge(this, now, entries)
    if (this.reads) this.#inTransit.add(charge)
    return charge
  }

  ended(charge: Charge): void {
    this.#inTransit.delete(charge)
  }

  /**
   * `context.report()`: a real cost above the charge replaces it; one below replaces it only where
   * the server refunds (`refund: true`, or its headers showed it); then the headers are read.
   */
  report(charge: Charge, report: LimiterReport): void {
    const now = this.#now()
    let freed = false
    if (report.cost !== undefined && charge.entries) {
      const cost = report.cost
      this.weighted.forEach((w, k) => {
        const entry = charge.entries![k]!
        const amount = cost[w.cost]
        // Not a count one attempt can cost here (NaN, 1e308, '5'): the estimate stays.
        if (!saneAmount(amount, w.limit)) return
        entry.reported = amount
        if (amount === entry.cost || (amount < entry.cost && !this.#refunds(w))) return
        w.server?.adjust(amount - entry.cost, charge.start, now)
        if (amount < entry.cost) freed = true
        w.adjust(entry, amount)
      })
    }
    if (freed) this.#freed()
    if (report.headers !== undefined) {
      charge.headersRead = true
      this.read(charge, report.headers, now)
    }
  }

  /**
   * Reads an answer's rate-limit headers (to the attempt of `charge`) into the server budgets.
   * Unknown or malformed values are ignored; only a throwing `headers.get` throws. A reset past
   * `maxReset` is ignored too, as a Retry-After that long is not waited for: followed (even
   * capped), each answer saying 0 remain would hold the window that long again.
   */
  read(charge: Charge, headers: unknown, now: number): void {
    if (!this.reads || typeof headers !== 'object' || headers === null) return
    const found = rateInfo(headers, this.#families, now).filter((info) => info.resetMs <= this.#maxReset)
    if (found.length === 0) return
    this.#fastest = Math.min(this.#fastest, now - charge.start)
    let changed = false
    let k = 0
    for (const w of this.all) {
      const index = w.cost === undefined ? -1 : k++
      const view = this.#tightest(found, w)
      if (!view) continue
      if (this.#learn(w, view, now, charge.entries?.[index])) changed = true
      const remaining = view.remaining - this.#transit(charge, index)
      if (w.server!.update(remaining, view.resetMs, charge.start, now)) changed = true
    }
    if (changed) this.#freed()
  }

  /** What one reading teaches of `w`'s server window; true when room came back (refunds shown). */
  #learn(w: Window, view: RateInfo, now: number, entry: CostEntry | undefined): boolean {
    const learned = w.learned!
    const unused = entry?.reported !== undefined && entry.reported < entry.cost
    // Started more than half the fastest round trip (and 50 ms) ago: the server has seen it.
    const seenBefore = now - Math.max(SEEN_MS, this.#fastest / 2)
    const refundsShown = learned.observe(view, now, w, unused)
    // A sliding window frees this start once the newest start it counts now slid out, at the latest.
    if (entry) entry.slidesAt = now + view.resetMs
    if (w.cost === undefined) return false
    learned.learnScale(view, now, w, seenBefore)
    return refundsShown && w.refundReported(now)
  }

  /** A reported cost below the charge is given back in `w`. */
  #refunds(w: WeightedWindow): boolean {
    return w.refund === true || (w.refund === 'auto' && w.learned?.refunds === true)
  }

  /**
   * What the attempts started after the answered one and not yet ended cost in a window (`index`:
   * its weighted position, -1 for a window of starts): the server computed its answer before it saw
   * some of them (in transit), so they are counted now; each later answer corrects the view.
   */
  #transit(answered: Charge, index: number): number {
    let cost = 0
    for (let c = this.#inTransit.first; c; c = c.next) {
      if (c === answered || c.start < answered.start) continue
      cost += index < 0 ? 1 : (c.entries?.[index]?.cost ?? 0)
    }
    return cost
  }

  /** Of the budgets an answer gives, the one that applies to `w` with the least left. */
  #tightest(found: readonly RateInfo[], w: Window): RateInfo | undefined {
    let best: RateInfo | undefined
    for (const info of found) {
      if (!this.#matches(info.kind, w)) continue
      if (!best || info.remaining < best.remaining) best = info
    }
    return best
  }

  /** requests -> a window without cost; tokens -> 'tokens'; input/output tokens -> their own window, else 'tokens'. */
  #matches(kind: string, w: Window): boolean {
    if (kind === 'requests') return w.cost === undefined
    if (w.cost === kind) return true
    return w.cost === 'tokens' && kind !== 'tokens' && !this.all.some((other) => other.cost === kind)
  }

  stats(now: number): WindowStats[] {
    return this.all.map((w) => {
      const stats: WindowStats = { limit: w.limit, interval: w.interval, cost: w.cost, used: w.used(now) }
      if (w.server?.active(now)) {
        stats.serverRemaining = Math.max(0, w.server.remaining)
        stats.resetsInMs = w.server.resetAt - now
      }
      const learned = w.learned
      if (learned) {
        stats.serverWindow = {
          interval: learned.span,
          limit: learned.limit,
          sliding: learned.sliding,
          refunds: w.cost === undefined ? false : this.#refunds(w),
          scale: learned.scale,
        }
      }
      return stats
    })
  }
}
