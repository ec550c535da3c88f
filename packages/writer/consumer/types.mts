// Type tests of the packed declarations, compiled by the consumer check (never run): each
// `@ts-expect-error` line must be an error.
import { compactFile, openWriter, readCompleted } from '@boundkit/writer'
import { type Equal, expectType } from './expect.mjs'

interface Row {
  id: string
  score: number
}

export async function keys() {
  const writer = await openWriter<Row>('scores.jsonl', { resume: true, key: (row) => row.id })
  await writer.write({ id: 'a', score: 1 })
  // @ts-expect-error: a Row has no `name`
  await openWriter<Row>('scores.jsonl', { resume: true, key: (row) => row.name })
  const ids = await readCompleted('scores.jsonl', (row: Row) => row.id)
  expectType<Equal<typeof ids, Set<string>>>()
  await compactFile('scores.jsonl', (row: Row) => row.id)
}
