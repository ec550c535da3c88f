import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linesOf, startChild, tempDir } from '../test/helpers'
import { openWriter } from './index'

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(result.stdout.toString())
}

describe('one writer per file', () => {
  it('locks the file within this process and releases it on close', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file)
    const lock = JSON.parse(readFileSync(`${file}.lock`, 'utf8'))
    expect(lock).toMatchObject({ pid: process.pid, hostname: hostname() })
    await expect(openWriter(file)).rejects.toMatchObject({ code: 'ERR_LOCKED' })
    await writer.close()
    expect(existsSync(`${file}.lock`)).toBe(false)
    const again = await openWriter(file)
    await again.close()
  })

  it('gives ERR_LOCKED while a live process holds it, and takes it over at once after SIGKILL', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const holder = startChild('hold-lock.mjs', [file, 'hold'])
    await holder.waitFor((line) => line === 'ready')
    await expect(openWriter(file, { resume: true })).rejects.toMatchObject({
      code: 'ERR_LOCKED',
      message: expect.stringContaining(`process ${holder.child.pid}`),
    })
    holder.child.kill('SIGKILL')
    await holder.exited
    expect(existsSync(`${file}.lock`)).toBe(true)
    const writer = await openWriter(file, { resume: true, key: (r) => (r as { from: number }).from })
    expect([...writer.completed]).toEqual([holder.child.pid])
    await writer.close()
  })

  it('removes the lock when the holding process exits normally without closing', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const holder = startChild('hold-lock.mjs', [file, 'exit'])
    const { code } = await holder.exited
    expect(code, holder.stderr()).toBe(0)
    expect(linesOf(file)).toHaveLength(1)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  it('takes over a lock left by a dead pid on this host', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid(), hostname: hostname() }))
    const writer = await openWriter(file)
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid)
    await writer.close()
  })

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid is a zombie (killed, not yet reaped by its parent)',
    async () => {
      const file = join(tempDir(), 'out.jsonl')
      // The background sleep's parent execs into a program that never reaps it: killed, it stays a zombie.
      const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      try {
        const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', resolve)))
        // Killed while the shell still runs, the sleep would be reaped by the shell: wait for the exec.
        const comm = () => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim()
        for (let i = 0; i < 500 && comm() !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 10))
        expect(comm()).toBe('sleep')
        process.kill(pid, 'SIGKILL')
        const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.[0]
        for (let i = 0; i < 500 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10))
        expect(state()).toBe('Z')
        writeFileSync(`${file}.lock`, JSON.stringify({ pid, hostname: hostname() }))
        const writer = await openWriter(file)
        await writer.close()
      } finally {
        parent.kill('SIGKILL')
      }
    },
  )

  it.each(['0', '-1', '1.5', '1e12', '"123"', 'null'])(
    'treats a lock with pid %s as invalid: taken over at once, never held forever',
    async (pid) => {
      const file = join(tempDir(), 'out.jsonl')
      writeFileSync(`${file}.lock`, `{"pid":${pid},"hostname":${JSON.stringify(hostname())}}`)
      const writer = await openWriter(file)
      expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid)
      await writer.close()
    },
  )

  it('respects a lock from another host', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, hostname: 'elsewhere.example' }))
    await expect(openWriter(file)).rejects.toMatchObject({
      code: 'ERR_LOCKED',
      message: expect.stringContaining('elsewhere.example'),
    })
  })

  it('takes over a torn (unreadable) lock once it is old, not while it is fresh', async () => {
    const file = join(tempDir(), 'out.jsonl')
    writeFileSync(`${file}.lock`, '')
    await expect(openWriter(file)).rejects.toMatchObject({ code: 'ERR_LOCKED' })
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    const writer = await openWriter(file)
    await writer.close()
  })

  it('takes no lock with lock: false', async () => {
    const file = join(tempDir(), 'out.jsonl')
    const writer = await openWriter(file, { lock: false })
    expect(existsSync(`${file}.lock`)).toBe(false)
    await writer.close()
  })
})
