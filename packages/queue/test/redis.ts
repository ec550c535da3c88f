/**
 * A private `redis-server` for one test file: a free port on 127.0.0.1, a temporary directory, no
 * snapshot, `noeviction` (what BullMQ needs). Never the machine's own Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  url: string
  port: number
  /** Stops the server (SIGTERM: with `appendonly`, it writes its data first). */
  stop(): Promise<void>
  /** Starts it again on the same port and directory. */
  start(): Promise<void>
  /** Stops it and removes its directory. */
  remove(): Promise<void>
}

/** A port free now (the kernel picks it); a clash with another process later is retried. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

interface RedisOptions {
  /** Keep the data on disk across a restart. */
  appendonly?: boolean
  /** The password it requires (`--requirepass`). */
  password?: string
  /** The most clients it takes at once (`--maxclients`). */
  maxclients?: number
}

function launch(port: number, dir: string, options: RedisOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
  args.push('--appendonly', options.appendonly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction')
  if (options.appendonly) args.push('--appendfsync', 'always')
  if (options.password !== undefined) args.push('--requirepass', options.password)
  if (options.maxclients !== undefined) args.push('--maxclients', String(options.maxclients))
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) resolve(child)
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') return reject(error)
      reject(
        new Error(
          'redis-server is not installed: `apt-get install -y redis-server` (the tests start their own)',
        ),
      )
    })
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output.slice(-2000)}`)))
  })
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'boundkit-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort()
    child = await launch(port, dir, options).catch((error) => {
      if (attempt >= 5) throw error
      return undefined
    })
  }
  const stop = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGTERM')
    })
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      child = await launch(port, dir, options)
    },
    remove: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
