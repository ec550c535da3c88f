/** Child Node processes for the fault tests: their stdout lines, a wait for one, their exit. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface TestProcess {
  child: ChildProcess
  lines: string[]
  /** Resolves with the first line (seen or to come) for which `match` is true. */
  waitFor(match: (line: string) => boolean): Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const started = new Set<ChildProcess>()

/** Starts a fixture with `args`; `env` is added to this process's environment. */
export function startProcess(fixture: string, args: string[], env: Record<string, string> = {}): TestProcess {
  const file = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))
  const child = spawn(process.execPath, [file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  started.add(child)
  const lines: string[] = []
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>()
  let rest = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      started.delete(child)
      resolve({ code, signal })
    })
  })
  return {
    child,
    lines,
    exited,
    waitFor: (match) => {
      const seen = lines.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve })
        void exited.then(({ code, signal }) => reject(new Error(`${fixture} exited (${code ?? signal})`)))
      })
    },
  }
}

/** Kills (SIGKILL) every child still running: the tests' clean-up. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    ),
  )
}

/**
 * What `ended` resolves with and the ms it took from this call, or `undefined` if it takes more
 * than `bound` ms (a process that does not end: the bound is a generous cap, not a measurement).
 */
export async function endsWithin<T extends object>(
  ended: Promise<T>,
  bound: number,
): Promise<(T & { ms: number }) | undefined> {
  const start = performance.now()
  let timer: NodeJS.Timeout | undefined
  const result = await Promise.race([
    ended,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), bound)
    }),
  ])
  clearTimeout(timer)
  return result && { ...result, ms: performance.now() - start }
}
