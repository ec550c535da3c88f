#!/usr/bin/env node
// `pnpm boundkit <command> ...` from anywhere in the repository, without a global link: builds the CLI
// and what it uses when their build is missing or stale (turbo's cache makes that a no-op when up to
// date), then runs it in the folder the user typed the command in (pnpm runs scripts at the root and
// gives the user's folder as INIT_CWD), so relative input and output paths mean what they say.
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pnpmCommand } from './pnpm.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const main = fileURLToPath(new URL('../apps/cli/dist/main.js', import.meta.url))
const pnpm = pnpmCommand()
execFileSync(
  pnpm[0],
  [
    ...pnpm.slice(1),
    'exec',
    'turbo',
    'run',
    'build',
    '--filter=@boundkit/cli...',
    '--output-logs=errors-only',
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
)
const child = spawn(process.execPath, [main, ...process.argv.slice(2)], {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  stdio: 'inherit',
})
// Ctrl-C reaches the CLI from the terminal itself (the whole process group): it decides, this waits.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => child.kill('SIGTERM'))
child.on('exit', (code, signal) => {
  if (signal !== null) process.kill(process.pid, signal)
  else process.exit(code ?? 1)
})
