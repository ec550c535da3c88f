import { describe, expect, it } from 'vitest'
import { createProgress } from './progress'

function fakeStream(isTTY: boolean) {
  const chunks: string[] = []
  return { chunks, stream: { isTTY, write: (text: string) => chunks.push(text) } }
}

describe('createProgress', () => {
  it('prints plain lines at most every interval without a TTY, and a last one on stop', () => {
    let now = 0
    const { chunks, stream } = fakeStream(false)
    const progress = createProgress({ label: 'batch', total: 10, stream, intervalMs: 1000, now: () => now })
    progress.tick()
    now = 500
    progress.tick()
    now = 1000
    progress.tick(true)
    now = 1500
    progress.tick()
    now = 2000
    progress.stop()
    // No closing line when the last periodic one already showed the final counts.
    progress.stop()
    expect(chunks).toHaveLength(3)
    for (const chunk of chunks) {
      expect(chunk.endsWith('\n')).toBe(true)
      expect(chunk).not.toContain('\r')
      expect(chunk).not.toContain('[')
    }
    expect(chunks[1]).toContain('3/10  30%  1 failed  3.0/s  ETA 2.3 s')
    expect(chunks[2]).toContain('4/10')
  })

  it('redraws one line with a bar, the rate and the ETA on a TTY', () => {
    let now = 0
    const { chunks, stream } = fakeStream(true)
    const progress = createProgress({ label: 'batch', total: 4, stream, now: () => now })
    now = 1000
    progress.update(2)
    now = 2000
    progress.update(4)
    progress.stop()
    expect(chunks[0]).toBe(
      `\r\u001b[2Kbatch  [${'#'.repeat(12)}${'-'.repeat(12)}]  2/4  50%  2.0/s  ETA 1.0 s`,
    )
    expect(chunks.at(-1)).toBe('\n')
  })

  it('does not repeat the last plain line on stop', () => {
    const { chunks, stream } = fakeStream(false)
    const progress = createProgress({ label: 'batch', total: 1, stream, now: () => 0 })
    progress.tick()
    progress.stop()
    expect(chunks).toHaveLength(1)
  })

  it('prints nothing when silent', () => {
    const { chunks, stream } = fakeStream(true)
    const progress = createProgress({ label: 'x', stream, silent: true })
    progress.tick()
    progress.stop()
    expect(chunks).toEqual([])
  })
})
