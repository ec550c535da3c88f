// How the workspace's scripts start pnpm: the very pnpm that started them (npm_execpath) when there
// is one, else the version pinned in package.json's `packageManager` through npx (no corepack).
import { readFileSync } from 'node:fs'

/** `[command, ...leadingArgs]`; append pnpm's own arguments. */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath ?? ''
  if (/pnpm/.test(execPath)) return [process.execPath, execPath]
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  return ['npx', '-y', manifest.packageManager]
}
