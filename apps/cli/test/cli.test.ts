import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

async function boundkit(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('the built boundkit binary', () => {
  it('prints help and exits 0', async () => {
    const result = await boundkit('--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: boundkit')
  })

  it('prints its version', async () => {
    const result = await boundkit('--version')
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('exits 2 on an unknown option', async () => {
    const result = await boundkit('--no-such-flag')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown option '--no-such-flag'")
  })
})
