import { describe, expectTypeOf, it } from 'vitest'
import { compactFile, openWriter, readCompleted } from './index'

// Type-level only: nothing here opens a file.
interface Row {
  id: string
  score: number
}

describe('types', () => {
  it("gives `key` the writer's record type", () => {
    const check = async () => {
      await openWriter<Row>('out.jsonl', {
        resume: true,
        key: (row) => {
          expectTypeOf(row).toEqualTypeOf<Row>()
          return row.id
        },
      })
      // @ts-expect-error: a Row has no `name`
      await openWriter<Row>('out.jsonl', { resume: true, key: (row) => row.name })
    }
    expectTypeOf(check).toBeFunction()
  })

  it('takes the record type of readCompleted and compactFile from what `key` is annotated with', () => {
    const check = async () => {
      expectTypeOf(await readCompleted('out.jsonl', (row: Row) => row.id)).toEqualTypeOf<Set<string>>()
      await compactFile('out.jsonl', (row: Row) => row.id)
    }
    expectTypeOf(check).toBeFunction()
  })
})
