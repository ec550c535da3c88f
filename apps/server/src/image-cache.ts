import type { ServerMetrics } from './metrics'

/**
 * The images already rendered, least recently used first out, bounded by their total size: a real
 * origin serves stored bytes, so once an image is cached a download costs the network, not a render.
 */
export class ImageCache {
  readonly #entries = new Map<string, Buffer>()
  readonly #maxBytes: number
  #bytes = 0

  /** @param maxBytes total size kept; 0 keeps nothing. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  get size(): number {
    return this.#entries.size
  }

  get totalBytes(): number {
    return this.#bytes
  }

  get(key: string): Buffer | undefined {
    const value = this.#entries.get(key)
    if (value) {
      // Re-insert: a Map iterates in insertion order, so the first entry is the least recently used.
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.#maxBytes) return
    const old = this.#entries.get(key)
    if (old) {
      this.#entries.delete(key)
      this.#bytes -= old.length
    }
    this.#entries.set(key, value)
    this.#bytes += value.length
    for (const [oldest, bytes] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= bytes.length
    }
  }

  /** `boundkit_image_cache_entries` and `boundkit_image_cache_bytes`, read at each scrape. */
  addGauges(metrics: ServerMetrics): void {
    metrics.addGauge({
      name: 'boundkit_image_cache_entries',
      help: 'Rendered images kept in memory',
      collect: () => this.size,
    })
    metrics.addGauge({
      name: 'boundkit_image_cache_bytes',
      help: 'Bytes of rendered images kept in memory',
      collect: () => this.totalBytes,
    })
  }
}
