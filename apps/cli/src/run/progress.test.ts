import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createProgress } from './progress'

function fakeStream(isTTY: boolean) {
  const chunks: string[] = []
  return { chunks, stream: { isTTY, columns: 120, write: (text: string) => chunks.push(text) } }
}

describe('createProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('prints a plain line every interval without a TTY, and a last one on stop', () => {
    const { chunks, stream } = fakeStream(false)
    const progress = createProgress({ label: 'batch', total: 10, stream, intervalMs: 1000 })
    progress.tick()
    vi.advanceTimersByTime(500)
    progress.tick()
    progress.tick(true)
    vi.advanceTimersByTime(500)
    progress.tick()
    vi.advanceTimersByTime(500)
    progress.stop()
    progress.stop()
    const lines = chunks.join('').split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.slice(0, -1)).toEqual([
      'batch  0/10  0%  0.0/s  0 ms',
      'batch  3/10  30%  1 failed  3.0/s  ETA 2.3 s',
      'batch  4/10  40%  1 failed  2.7/s  ETA 2.3 s',
    ])
    expect(chunks.join('')).not.toContain('\r')
    expect(chunks.join('')).not.toContain('\u001b')
  })

  it('redraws one line in place with a bar, the rate and the ETA on a TTY', () => {
    const { chunks, stream } = fakeStream(true)
    const progress = createProgress({ label: 'batch', total: 4, stream })
    vi.advanceTimersByTime(1000)
    progress.update(2)
    // Redrawn by the next tick of the 10-per-second timer.
    vi.advanceTimersByTime(100)
    const output = chunks.join('')
    expect(output).toContain(`batch  [${'#'.repeat(12)}${'-'.repeat(12)}]  2/4  50%  1.8/s  ETA 1.1 s`)
    // In place: the cursor goes back to the line's start, and no line ends before stop.
    expect(output).toContain('\u001b[1G')
    expect(output).not.toContain('\n')
    vi.advanceTimersByTime(900)
    progress.update(4, 1)
    progress.stop()
    expect(chunks.join('')).toContain(`batch  [${'#'.repeat(24)}]  4/4  100%  1 failed  2.0/s  2.0 s`)
    expect(chunks.at(-1)).toBe('\n')
  })

  it('leaves no timer behind after stop', () => {
    const { stream } = fakeStream(false)
    const progress = createProgress({ label: 'x', total: 3, stream })
    expect(vi.getTimerCount()).toBe(1)
    progress.tick()
    progress.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('prints nothing when silent', () => {
    const { chunks, stream } = fakeStream(true)
    const progress = createProgress({ label: 'x', total: 1, stream, silent: true })
    progress.tick()
    progress.stop()
    expect(chunks).toEqual([])
  })
})
