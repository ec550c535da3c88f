// The CommonJS build: same API, same error codes.
const { mkdtempSync, readFileSync, rmSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { openWriter } = require('@boundkit/writer')

const dir = mkdtempSync(join(tmpdir(), 'writer-smoke-cjs-'))
const file = join(dir, 'out.txt')
;(async () => {
  const writer = await openWriter(file, { format: 'text' })
  await writer.write('hello')
  const error = await writer.write('a\nb').catch((e) => e)
  if (error.code !== 'ERR_INVALID_RECORD') throw new Error('expected ERR_INVALID_RECORD')
  await writer.close()
  if (readFileSync(file, 'utf8') !== 'hello\n') throw new Error('unexpected file')
})()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .catch((error) => {
    console.error(error)
    process.exit(1)
  })
