/** `boundkit worker` processes for the distributed tests, and input files of plain records. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { start } from './run-cli'

export type Started = ReturnType<typeof start>

/**
 * Starts `boundkit worker` on the queue `queue` at `redisUrl`; resolves once it is taking jobs.
 * Each started process is pushed to `children`, for the test's clean-up.
 */
export async function startWorker(
  children: Started[],
  redisUrl: string,
  queue: string,
  ...extra: string[]
): Promise<Started> {
  const started = start('worker', '--redis', redisUrl, '--queue', queue, ...extra)
  children.push(started)
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    started.child.stderr?.on('data', (chunk) => {
      stderr += chunk
      if (stderr.includes(' ready: ')) resolve()
    })
    void started.done.then((result) => reject(new Error(`the worker exited:\n${result.stderr}`)))
  })
  return started
}

/** Kills (SIGKILL) every child still running and waits for each to end. */
export async function stopAll(children: Started[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(({ child, done }) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      return done
    }),
  )
}

/** A JSONL file of `count` records `{"id":"r<i>"}` in `dir`. */
export async function records(dir: string, name: string, count: number): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, Array.from({ length: count }, (_, i) => `{"id":"r${i}"}\n`).join(''))
  return path
}
