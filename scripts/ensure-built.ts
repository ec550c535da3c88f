import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { pnpmCommand } from './pnpm.mjs'

// Vitest global set-up: build this package and its workspace dependencies where `dist` is missing or
// older than the sources. Under `pnpm test` turbo has built everything already and this does nothing.
const workspaceRoot = resolve(fileURLToPath(new URL('..', import.meta.url)))

interface Manifest {
  name: string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

function workspacePackages(): Map<string, string> {
  const byName = new Map<string, string>()
  for (const group of ['packages', 'apps']) {
    const groupDir = join(workspaceRoot, group)
    if (!existsSync(groupDir)) continue
    for (const entry of readdirSync(groupDir)) {
      const manifestPath = join(groupDir, entry, 'package.json')
      if (existsSync(manifestPath))
        byName.set(readManifest(join(groupDir, entry)).name, join(groupDir, entry))
    }
  }
  return byName
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
}

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function isStale(dir: string): boolean {
  const dist = join(dir, 'dist')
  if (!existsSync(join(dir, 'tsup.config.ts'))) return false
  if (!existsSync(dist) || readdirSync(dist).length === 0) return true
  const sources = ['src', 'package.json', 'tsup.config.ts'].map((p) => join(dir, p)).filter(existsSync)
  return Math.max(...sources.map(newestMtime)) > newestMtime(dist)
}

/** The package's workspace dependencies, deepest first, then the package itself. */
function buildOrder(dir: string, packages: Map<string, string>, seen = new Set<string>()): string[] {
  const manifest = readManifest(dir)
  if (seen.has(manifest.name)) return []
  seen.add(manifest.name)
  const deps = { ...manifest.dependencies, ...manifest.devDependencies }
  const order: string[] = []
  for (const [name, range] of Object.entries(deps)) {
    const depDir = packages.get(name)
    if (depDir && range.startsWith('workspace:')) order.push(...buildOrder(depDir, packages, seen))
  }
  order.push(dir)
  return order
}

function runBuild(dir: string): void {
  const [cmd, ...args] = pnpmCommand()
  execFileSync(cmd!, [...args, 'run', 'build'], { cwd: dir, stdio: 'inherit' })
}

export default function setup(project: TestProject): void {
  const packages = workspacePackages()
  for (const dir of buildOrder(project.config.root, packages)) {
    if (isStale(dir)) {
      console.log(`[ensure-built] building ${readManifest(dir).name}`)
      runBuild(dir)
    }
  }
}
