#!/usr/bin/env node
// `pnpm bench [--quick] [--filter=<package>]`: builds, then runs every package's benchmarks one
// package at a time (benchmarks must not share the CPU with each other).
import { spawnSync } from 'node:child_process'
import { cpus } from 'node:os'

const args = process.argv.slice(2)
const filters = args.filter((a) => a.startsWith('--filter')).flatMap((a) => ['--filter', a.split('=')[1]])
const passThrough = args.filter((a) => !a.startsWith('--filter'))
console.log(
  `boundkit benchmarks: Node ${process.version}, ${cpus()[0]?.model.trim()} x ${cpus().length} CPUs`,
)
const result = spawnSync(
  'turbo',
  ['run', 'bench', '--concurrency=1', '--output-logs=full', ...filters, '--', ...passThrough],
  { stdio: 'inherit', shell: process.platform === 'win32' },
)
process.exit(result.status ?? 1)
