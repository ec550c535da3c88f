import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { commandWait } from './command-run'
import { watchTree } from './tree-times'

const busyLoop = 'let s = 0; for (let i = 0; i < 1e8; i++) s += i; if (s < 0) console.log(s)'

describe.runIf(process.platform === 'linux')('watchTree', () => {
  it('reads the threads of a child and of its grandchildren while they run', async () => {
    // sh starts node, which computes: the readings see node's CPU time, not only the shell's.
    const child = spawn('sh', ['-c', `"${process.execPath}" -e "${busyLoop}"; sleep 0.05`], {
      stdio: 'ignore',
    })
    const stop = watchTree(child.pid!, 10)
    await once(child, 'exit')
    const times = stop()
    // 1e8 additions cost well over 30 ms of CPU on any machine.
    expect(times!.cpuMs).toBeGreaterThan(30)
    expect(times!.waitMs).toBeGreaterThanOrEqual(0)
  })

  it('has no figures for a process it never saw', () => {
    expect(watchTree(2 ** 30, 10)()).toBeNull()
  })
})

describe('commandWait', () => {
  const tree = (cpuMs: number, waitMs: number) => ({ cpuMs, waitMs })

  it('takes the waits the readings saw, at most the time the command did not run', () => {
    expect(commandWait(500, 200, tree(200, 150))).toBe(150)
    expect(commandWait(500, 200, tree(200, 400))).toBe(300)
  })

  it('scales the waits by the CPU time the kernel counted over the CPU time read (the part missed waited alike)', () => {
    // 160 of 200 ms of CPU read, with 120 ms of waits: the whole run waited about 150 ms.
    expect(commandWait(1000, 200, tree(160, 120))).toBe(150)
    expect(commandWait(1000, 200, tree(250, 120))).toBe(120)
  })

  it('has no figure when the readings missed much of the CPU time (processes too short-lived)', () => {
    expect(commandWait(500, 200, tree(120, 150))).toBeNull()
    expect(commandWait(500, 200, null)).toBeNull()
    expect(commandWait(500, null, tree(120, 150))).toBeNull()
  })

  it('trusts the readings of a command with under 2 clock ticks of CPU time', () => {
    expect(commandWait(200, 10, tree(1, 0.5))).toBe(0.5)
  })
})
