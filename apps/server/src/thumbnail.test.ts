import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { renderImage } from './image-render'
import { thumbnail } from './thumbnail'

describe('thumbnail', () => {
  const source = renderImage({ id: 'src', format: 'png', width: 90, height: 60, quality: 80 })

  it('resizes to exactly the size given, as PNG', async () => {
    const result = await thumbnail({ bytes: source, width: 30, height: 30 })
    expect([result.width, result.height]).toEqual([30, 30])
    const png = PNG.sync.read(Buffer.from(result.bytes))
    expect([png.width, png.height]).toEqual([30, 30])
  })

  it('keeps the aspect ratio with one side, 128 wide with none', async () => {
    expect(await thumbnail({ bytes: source, height: 20 })).toMatchObject({ width: 30, height: 20 })
    expect(await thumbnail({ bytes: source })).toMatchObject({ width: 128, height: 85 })
  })

  it('rejects bytes that are not an image', async () => {
    await expect(thumbnail({ bytes: new TextEncoder().encode('not an image') })).rejects.toThrow()
  })
})
