import { type ChildProcess, fork, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixture, tempDir } from '../test/helpers'

const ROUNDS = 10
const PROCESSES = 12
const RECORDS = 50

type Report = { won: true; first: number } | { won: false; code: string; message: string }

function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(result.stdout.toString())
}

/**
 * The child's next IPC message. A child that reports and exits can have its 'exit' event come before
 * the message is read from the channel: only the channel's end ('disconnect') means it never came.
 */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const gone = () =>
      reject(new Error(`child ${child.pid} ended (exit code ${child.exitCode}) before reporting`))
    if (!child.connected) return gone()
    child.once('message', (message) => resolve(message as T))
    child.once('disconnect', gone)
  })
}

describe('a stale lock taken over by many processes at once', () => {
  it(`gives the writer to exactly one of ${PROCESSES} real processes, ${ROUNDS} rounds; the others get ERR_LOCKED`, async () => {
    const file = join(tempDir(), 'out.jsonl')
    const dead = deadPid()
    for (let round = 0; round < ROUNDS; round++) {
      writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, hostname: hostname() }))
      const children = Array.from({ length: PROCESSES }, () =>
        fork(fixture('race-lock.mjs'), [file, String(RECORDS)], { execArgv: [], stdio: 'pipe' }),
      )
      const exited = children.map((child) => new Promise((resolve) => child.once('exit', resolve)))
      await Promise.all(children.map((child) => nextMessage<string>(child)))
      const reports = children.map((child) => nextMessage<Report>(child))
      for (const child of children) child.send('go')
      const results = await Promise.all(reports)
      const winners = results.filter((r) => r.won)
      for (const [i, result] of results.entries()) {
        if (result.won) children[i]?.send('release')
      }
      await Promise.all(exited)
      const losers = results.filter((r): r is Extract<Report, { won: false }> => !r.won)
      expect(winners, `round ${round}`).toHaveLength(1)
      for (const loser of losers) {
        expect(loser.message).not.toContain('ENOENT')
        expect(loser, `round ${round}`).toMatchObject({ code: 'ERR_LOCKED' })
      }
      const seqs = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq: number }).seq)
      expect(seqs).toEqual(Array.from({ length: (round + 1) * RECORDS }, (_, i) => i))
    }
  }, 600_000)
})
