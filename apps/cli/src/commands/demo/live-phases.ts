import type { RunReading } from '@boundkit/server/dashboard'
import { createProgress, type Progress } from '../../run/progress'
import type { OutputStream } from '../../terminal'

/** What a phase of the demo shows on the live page besides its counts: the stats of what it runs on. */
export type PhaseStats = Pick<RunReading, 'limiter' | 'pool' | 'pipeline'>

interface Phase {
  name: string
  done: number
  failed: number
  stats: () => PhaseStats
}

/**
 * The demo's scenarios on one live page. Each progress line of a scenario (its baseline, its boundkit
 * way) is a phase: while it runs the page shows its name, its counts and the stats of what it runs
 * on; the counts (and the limiters' 429s) of the phases that ended add up, so the totals only grow.
 */
export class DemoPhases {
  readonly #ended = { done: 0, failed: 0, rateLimited: 0 }
  #current: Phase | undefined
  /** The phase that ended last, its stats as they were at its end (the page keeps showing them). */
  #last: { name: string; stats: PhaseStats } = { name: '', stats: {} }

  /** The page's reading now. */
  read(): RunReading {
    const phase = this.#current
    const stats = phase ? phase.stats() : undefined
    return {
      ...(stats ?? this.#last.stats),
      done: this.#ended.done + (phase?.done ?? 0),
      failed: this.#ended.failed + (phase?.failed ?? 0),
      // The limiters' 429s add up too (retries and cooldowns are the phase's own, on its limiter; the
      // naive clients have no stats, so their 429s are in the summary only).
      rateLimited: this.#ended.rateLimited + (stats?.limiter?.rateLimited ?? 0),
      phase: phase?.name ?? this.#last.name,
    }
  }

  /** The progress line of a phase named `<scenario>: <label>`, which is also its part of the page until `stop()`. */
  progress(
    scenario: string,
    label: string,
    total: number,
    stream: OutputStream,
    stats: () => PhaseStats = () => ({}),
  ): Progress {
    const bar = createProgress({ label, total, stream })
    const phase: Phase = { name: `${scenario}: ${label.trim()}`, done: 0, failed: 0, stats }
    this.#current = phase
    return {
      update(done, failed = phase.failed) {
        bar.update(done, failed)
        phase.done = done - failed
        phase.failed = failed
      },
      tick(failed = false) {
        bar.tick(failed)
        if (failed) phase.failed++
        else phase.done++
      },
      stop: () => {
        bar.stop()
        if (this.#current !== phase) return
        this.#ended.done += phase.done
        this.#ended.failed += phase.failed
        const stats = phase.stats()
        this.#ended.rateLimited += stats.limiter?.rateLimited ?? 0
        this.#last = { name: phase.name, stats }
        this.#current = undefined
      },
    }
  }
}
