import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const dirs: string[] = []

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boundkit-writer-'))
  dirs.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** The lines of a file (without the final newline). */
export function linesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  if (text === '') return []
  return text.slice(0, -1).split('\n')
}

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
}

/** Starts `node <fixture> ...args`; `lines` collects its stdout line by line. */
export function startChild(name: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [fixture(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  let rest = ''
  const listeners = new Set<(line: string) => void>()
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const listener of listeners) listener(line)
    }
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    onLine(listener: (line: string) => void) {
      listeners.add(listener)
    },
    /** Resolves at the first line that `match` accepts. */
    waitFor(match: (line: string) => boolean): Promise<string> {
      const found = lines.find(match)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        listeners.add((line) => {
          if (match(line)) resolve(line)
        })
        void exited.then(() => reject(new Error(`child exited first; stderr: ${stderr}`)))
      })
    },
  }
}
