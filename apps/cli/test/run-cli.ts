import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

export interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The environment of each run, read at the call (a test may set a variable first). */
const env = () => ({ ...process.env, NO_COLOR: '1' })

/** Runs the built binary to its end. */
export function boundkit(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: env(), maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null
        resolve({ code: failed ? (failed.code ?? null) : 0, signal: failed?.signal ?? null, stdout, stderr })
      },
    )
  })
}

/** Starts the built binary and hands back the child and a promise of its result. */
export function start(...args: string[]): { child: ChildProcess; done: Promise<Result> } {
  return started(spawn(process.execPath, [main, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] }))
}

/** The command printed after "To continue, run:" (or "exiting now ... run:") on stderr. */
export function printedResume(stderr: string): string {
  const line = /run:\n {2}(.+)\n/.exec(stderr)?.[1]
  if (line === undefined) throw new Error(`no command to continue with in:\n${stderr}`)
  return line
}

/** Runs a command line as a user would paste it: through /bin/sh, from the folder the tests run in. */
export function startLine(commandLine: string): { child: ChildProcess; done: Promise<Result> } {
  // exec: the signals a test sends reach the command itself, not the shell.
  return started(
    spawn('/bin/sh', ['-c', `exec ${commandLine}`], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] }),
  )
}

function started(child: ChildProcess): { child: ChildProcess; done: Promise<Result> } {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Resolves once the child has written `text` to stderr (its stderr must be a pipe). */
export function stderrShows(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = ''
    const look = (chunk: Buffer | string) => {
      seen += chunk
      if (!seen.includes(text)) return
      child.stderr?.off('data', look)
      resolve()
    }
    child.stderr?.on('data', look)
  })
}
