import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The test command's first step: what the suite needs from the machine, or one line saying how to get it.
const script = fileURLToPath(new URL('../../../scripts/test-needs.mjs', import.meta.url))

describe('scripts/test-needs.mjs', () => {
  it('stops at once with one line that names what is missing and the command that installs it', () => {
    const result = spawnSync(process.execPath, [script], {
      env: { ...process.env, BOUNDKIT_CHROMIUM: '/nonexistent/chromium' },
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('tests need chromium')
    expect(lines[0]).toContain('apt-get install -y chromium')
  })

  it('passes quietly on a machine that has both (this one runs the dashboard and queue tests)', () => {
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
