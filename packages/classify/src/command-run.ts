import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { TICK_MS } from './children-cpu'
import type { WrapperResult, WrapperSpec } from './command-wrapper'
import { ClassifyError } from './errors'
import { programText } from './format'
import type { Guard } from './guard'
import { startLoadReading } from './machine-load'
import type { ResolvedCommandOptions } from './options'
import type { CommandRun } from './report'
import type { TreeTimes } from './tree-times'

/**
 * One run of a command, as a child process: measured through the wrapper program, or spawned
 * directly for the probe. A failed run is an ERR_COMMAND_FAILED with its exit and standard error.
 */

const tailLength = 2000

interface Spawned {
  child: ChildProcess
}

/** Kills the process when the guard gives up on it, and re-throws. */
export async function guarded<T>(spawned: Spawned & { result: Promise<T> }, guard: Guard): Promise<T> {
  try {
    return await guard.wait(spawned.result, (error) => error)
  } catch (error) {
    spawned.child.kill('SIGTERM')
    throw error
  }
}

function notFound(command: string, cause: unknown): ClassifyError {
  return new ClassifyError('ERR_COMMAND_FAILED', `Command \`${command}\` was not found (ENOENT)`, {
    cause,
    command: { exitCode: null, signal: null, stderrTail: '' },
  })
}

function failed(display: string, exitCode: number | null, signal: string | null, stderr: string) {
  const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`
  const tail = stderr.slice(-tailLength)
  return new ClassifyError(
    'ERR_COMMAND_FAILED',
    `Command \`${display}\` ${how}${tail ? `: ${tail.trim()}` : ''}`,
    {
      command: { exitCode, signal, stderrTail: tail },
    },
  )
}

/**
 * The readings of a command's processes must have seen this share of the CPU time the kernel
 * counted for it (once that is 2 clock ticks or more) for their waits to be taken as the command's:
 * processes that lived less than a reading interval are missed, and so are their waits.
 */
const minCoverage = 0.8

/**
 * The time a command waited for a core, ms, from the readings of its processes (`tree`): `null`
 * without them or when they missed too much of its CPU time (see `minCoverage`). What the readings
 * missed (a process's last moments after its last reading; on a busy machine the reader itself
 * waits for a core) is taken to have waited as the part they saw: the waits are scaled by the CPU
 * time the kernel counted over the CPU time read. At most the time the command did not run.
 */
export function commandWait(wallMs: number, cpuMs: number | null, tree: TreeTimes | null): number | null {
  if (tree === null || cpuMs === null) return null
  if (cpuMs >= 2 * TICK_MS && tree.cpuMs < minCoverage * cpuMs) return null
  const seen = cpuMs >= 2 * TICK_MS && tree.cpuMs > 0 ? Math.min(1, tree.cpuMs / cpuMs) : 1
  return Math.max(0, Math.min(tree.waitMs / seen, wallMs - Math.min(cpuMs, wallMs)))
}

let wrapper: string | undefined

/**
 * The wrapper program (src/command-wrapper.ts), built beside this module as command-wrapper.cjs;
 * running from the sources (this package's own tests), the built one in dist.
 */
function wrapperPath(): string {
  if (wrapper !== undefined) return wrapper
  for (const candidate of ['./command-wrapper.cjs', '../dist/command-wrapper.cjs']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url))
    if (existsSync(path)) {
      wrapper = path
      return path
    }
  }
  throw new ClassifyError(
    'ERR_COMMAND_FAILED',
    `The wrapper program command-wrapper.cjs is missing beside ${fileURLToPath(import.meta.url)}; ` +
      'classifyCommand needs the files of @boundkit/classify as published (its dist folder)',
  )
}

/** One measured run through the wrapper process. */
export function runWrapped(opts: ResolvedCommandOptions): Spawned & { result: Promise<CommandRun> } {
  const { command, args } = opts
  const spec: WrapperSpec = { command, args }
  const child = spawn(process.execPath, [wrapperPath(), JSON.stringify(spec)], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    cwd: opts.cwd,
    env: opts.env,
  })
  const stopLoad = startLoadReading()
  let stderr = ''
  let out = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-tailLength)
  })
  const fd3 = child.stdio[3] as NodeJS.ReadableStream
  fd3.setEncoding('utf8')
  fd3.on('data', (chunk: string) => {
    out += chunk
  })
  const result = new Promise<CommandRun>((resolve, reject) => {
    child.on('error', (error) => {
      stopLoad()
      reject(error)
    })
    child.on('close', (wrapperCode, wrapperSignal) => {
      const machineLoad = stopLoad()
      let parsed: WrapperResult
      try {
        parsed = JSON.parse(out) as WrapperResult
      } catch {
        reject(failed(programText(command, args), wrapperCode, wrapperSignal, stderr))
        return
      }
      if ('error' in parsed) {
        const cause = Object.assign(new Error(parsed.error.message), { code: parsed.error.code })
        if (parsed.error.code === 'ENOENT') reject(notFound(command, cause))
        else {
          reject(
            new ClassifyError(
              'ERR_COMMAND_FAILED',
              `Command \`${command}\` could not start: ${parsed.error.message}`,
              {
                cause,
                command: { exitCode: null, signal: null, stderrTail: stderr },
              },
            ),
          )
        }
        return
      }
      const exitCode = parsed.code
      if (exitCode !== 0) {
        reject(failed(programText(command, args), exitCode, parsed.signal, stderr))
        return
      }
      const { wallMs, cpu, tree } = parsed
      const cpuMs = cpu ? cpu.user + cpu.system : null
      const waitMs = commandWait(wallMs, cpuMs, tree)
      resolve({
        wallMs,
        cpuUserMs: cpu ? cpu.user : null,
        cpuSystemMs: cpu ? cpu.system : null,
        cpuMs,
        cpuRatio: cpuMs === null ? null : cpuMs / Math.max(wallMs, 1e-6),
        waitMs,
        busyRatio: cpuMs === null ? null : cpuMs / Math.max(wallMs - (waitMs ?? 0), 1e-6),
        machineLoad,
        exitCode,
      })
    })
  })
  return { child, result }
}

/** One unmeasured run for the probe: the command spawned directly, timed from spawn to exit. */
export function runDirect(opts: ResolvedCommandOptions): Spawned & { result: Promise<void> } {
  const { command, args } = opts
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd, env: opts.env })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-tailLength)
  })
  const result = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(notFound(command, error)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else reject(failed(programText(command, args), code, signal, stderr))
    })
  })
  return { child, result }
}
