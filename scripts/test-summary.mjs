#!/usr/bin/env node
// Adds up the JSON reports vitest wrote in every package and prints one plain closing line,
// "tests: N passed, N failed", so a reader (and CI) sees the whole suite's result in one place.
// Exits 1 when a test failed, a package wrote no report, or vitest itself reported an error.
// `--clean` removes the reports first, so a package that crashed cannot pass on an old report.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const clean = process.argv.includes('--clean')

let passed = 0
let failed = 0
let skipped = 0
const missing = []
const unsuccessful = []
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name)
    if (!existsSync(join(dir, 'vitest.config.ts'))) continue
    const report = join(dir, '.vitest-results.json')
    if (clean) {
      rmSync(report, { force: true })
      continue
    }
    if (!existsSync(report)) {
      missing.push(dir)
      continue
    }
    const json = JSON.parse(readFileSync(report, 'utf8'))
    passed += json.numPassedTests
    failed += json.numFailedTests
    skipped += json.numPendingTests + (json.numTodoTests ?? 0)
    if (!json.success) unsuccessful.push(dir)
  }
}
if (clean) process.exit(0)
if (unsuccessful.length) console.log(`vitest reported errors in: ${unsuccessful.join(', ')}`)
if (missing.length) console.log(`no test report from: ${missing.join(', ')}`)
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || missing.length > 0 || unsuccessful.length > 0 || passed === 0 ? 1 : 0)
