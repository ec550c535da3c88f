// Installed from its tarball: write ordered JSONL with fsync, resume it, and read the keys back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactFile, openWriter, readCompleted, Writer } from '@boundkit/writer'

const dir = mkdtempSync(join(tmpdir(), 'writer-smoke-'))
const file = join(dir, 'out.jsonl')
try {
  const writer = await openWriter(file, { ordered: true, durability: 'fsync' })
  if (!(writer instanceof Writer)) throw new Error('openWriter did not return a Writer')
  await Promise.all([2, 0, 1].map((seq) => writer.write({ id: seq }, { seq })))
  await writer.close()
  if (writer.stats().done !== 3) throw new Error('stats() did not count 3 records')
  const again = await openWriter(file, { ordered: true, resume: true, key: (r) => r.id })
  if (again.nextSeq !== 3 || again.completed.size !== 3) throw new Error('resume did not see 3 records')
  await again.write({ id: 3 }, { seq: 3 })
  await again.close()
  const ids = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).id)
  if (ids.join() !== '0,1,2,3') throw new Error(`unexpected file: ${ids}`)
  if ((await readCompleted(file, (r) => r.id)).size !== 4) throw new Error('readCompleted')
  const retried = await openWriter(file)
  await retried.write({ id: 1, again: true })
  await retried.close()
  const compacted = await compactFile(file, (r) => r.id, { order: [0, 1, 2, 3] })
  if (compacted.linesRead !== 5 || compacted.linesWritten !== 4) throw new Error('compactFile')
  if (!readFileSync(file, 'utf8').split('\n')[1].includes('again'))
    throw new Error('compactFile kept an old line')
  const error = await openWriter(file, { maxPending: 0 }).catch((e) => e)
  if (error.code !== 'ERR_INVALID_OPTION') throw new Error('expected ERR_INVALID_OPTION')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
