#!/usr/bin/env node
// What the test suite needs from the machine beyond Node and npm: `redis-server` (the queue's tests
// start their own), Debian's Chromium (the live page's tests drive it through playwright-core), and
// `python3` and `curl` (commands of the classifier's labelled suite).
// Missing ones are installed with apt-get when this user may (root, or sudo without a password);
// otherwise the suite stops at once with one line that names what is missing and how to install it.
// `--check` only reports. Used by `pnpm test` and by .ci/run.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const chromium = process.env.BOUNDKIT_CHROMIUM ?? '/usr/bin/chromium'
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
const missing = [
  ...['redis-server', 'python3', 'curl'].filter((name) => !onPath(name)),
  ...(existsSync(chromium) ? [] : ['chromium']),
]
if (missing.length === 0) process.exit(0)

const install = `apt-get install -y ${missing.join(' ')}`
const root = process.getuid?.() === 0
const sudo = !root && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
// A Chromium somewhere else (BOUNDKIT_CHROMIUM) is the user's to install.
const installable = onPath('apt-get') && (root || sudo) && process.env.BOUNDKIT_CHROMIUM === undefined
if (process.argv.includes('--check') || !installable) {
  const where = chromium === '/usr/bin/chromium' ? '' : ` (BOUNDKIT_CHROMIUM=${chromium})`
  console.error(
    `tests need ${missing.join(' and ')}${where}: install with \`sudo apt-get update && sudo ${install}\``,
  )
  process.exit(1)
}

console.error(`tests need ${missing.join(' and ')}: installing with apt-get`)
const run = (args) =>
  execFileSync(
    sudo ? 'sudo' : args[0],
    sudo ? ['env', 'DEBIAN_FRONTEND=noninteractive', ...args] : args.slice(1),
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    },
  )
run(['apt-get', 'update'])
run(['apt-get', 'install', '-y', ...missing])
