import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../test/helpers'

const root = fileURLToPath(new URL('..', import.meta.url))
// Inside the package, so that `import '@boundkit/writer'` resolves to the built package (self-reference).
const folder = mkdtempSync(join(root, '.readme-example-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** The ```js block of the README section headed `heading`. */
function block(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find((part) => part.startsWith(heading))
  const code = section && /^```js\n([\s\S]*?)^```$/m.exec(section)?.[1]
  if (code === undefined) throw new Error(`no js block under "## ${heading}"`)
  return code
}

describe('the README', () => {
  it('"Retrying failures" runs as written: 40 lines compacted to one per item, in input order, all ok', () => {
    const file = join(folder, 'retry.mjs')
    writeFileSync(file, block('Retrying failures'))
    const cwd = tempDir()
    const stdout = execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' })
    expect(stdout).toBe('40 lines -> 30, one per item\n')
    const lines = readFileSync(join(cwd, 'retried.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: 30 }, (_, i) => `item-${i}`))
    expect(lines.every((line) => line.error === undefined)).toBe(true)
  })
})
