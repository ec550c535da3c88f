import { describe, expect, it } from 'vitest'
import { paint } from '../../terminal'
import { result } from './scenario'
import { busyNote, clientsTable, summaryTable } from './table'

const row = result({
  scenario: 'io',
  title: 'I/O batch',
  model: 'limiter',
  baselineMs: 13_000,
  boundkitMs: 10_000,
  ok: 500,
  failed: 0,
  notes: [],
  files: [],
  clients: [
    {
      client: 'naive',
      concurrency: null,
      ms: 13_000,
      ok: 499,
      failed: 1,
      requests: 1714,
      rateLimited: 1191,
      retries: 1214,
      cooldowns: null,
      cooldownMs: null,
    },
    {
      client: 'limiter',
      concurrency: 8,
      ms: 10_000,
      ok: 500,
      failed: 0,
      requests: 532,
      rateLimited: 7,
      retries: 32,
      cooldowns: 5,
      cooldownMs: 5300,
    },
  ],
})

describe('clientsTable', () => {
  it('shows each client: time, ok/lost, requests, 429s, retries, cooldowns and time cooling', () => {
    const lines = clientsTable([row], paint(false)).split('\n')
    expect(lines[0]).toMatch(/^client\s+time\s+ok\/lost\s+requests\s+429s\s+retries\s+cooldowns\s+cooling$/)
    expect(lines[2]?.split(/\s{2,}/)).toEqual([
      'naive',
      '13.0 s',
      '499/1',
      '1,714',
      '1,191',
      '1,214',
      '-',
      '-',
    ])
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['limiter', '10.0 s', '500/0', '532', '7', '32', '5', '5.3 s'])
  })

  it('is empty when no scenario has clients', () => {
    expect(clientsTable([{ ...row, clients: undefined }], paint(false))).toBe('')
  })
})

describe('summaryTable and busyNote: a busy machine', () => {
  const cpu = result({
    scenario: 'cpu',
    title: 'CPU batch (fibonacci)',
    model: 'pool: 2 threads',
    baselineMs: 5000,
    boundkitMs: 5550,
    ok: 32,
    failed: 0,
    notes: [],
    files: [],
    load: { threads: 4.4, otherThreads: 2.1, cpus: 2, busy: true },
  })
  const quiet = {
    ...row,
    clients: undefined,
    load: { threads: 1.2, otherThreads: 0.1, cpus: 2, busy: false },
  }

  it('marks the rows that ran while other work kept the machine busy, beside their figures', () => {
    const lines = summaryTable([quiet, cpu], paint(false)).split('\n')
    expect(lines[0]).toMatch(/speedup\s+ok\/failed\s+machine$/)
    expect(lines[2]).toMatch(/1\.30x\s+500\/0$/)
    expect(lines[3]).toMatch(/0\.90x\s+32\/0\s+busy: 4\.4 threads ready, 2 CPUs$/)
    expect(busyNote([quiet, cpu])).toMatch(
      /^busy: .* than this machine has CPUs \(2\), up to 2\.1 of them other processes' .* slower than on a quiet machine and those speedups off/,
    )
  })

  it('says nothing of the machine when no row ran on a busy one', () => {
    const table = summaryTable([quiet, { ...cpu, load: null }], paint(false))
    expect(table.split('\n')[0]).toMatch(/ok\/failed$/)
    expect(table).not.toContain('busy')
    expect(busyNote([quiet, { ...cpu, load: null }])).toBe('')
  })
})
