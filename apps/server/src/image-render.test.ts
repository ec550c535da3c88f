import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { imageEtag, renderImage } from './image-render'

describe('renderImage', () => {
  const request = { id: 'cat-1', format: 'png' as const, width: 40, height: 30, quality: 80 }

  it('encodes a decodable PNG of the asked size, the same bytes each time', () => {
    const bytes = renderImage(request)
    const png = PNG.sync.read(bytes)
    expect([png.width, png.height]).toEqual([40, 30])
    expect(renderImage(request).equals(bytes)).toBe(true)
    expect(renderImage({ ...request, id: 'cat-2' }).equals(bytes)).toBe(false)
  })

  it('encodes a decodable JPEG', () => {
    const decoded = jpeg.decode(renderImage({ ...request, format: 'jpg' }))
    expect([decoded.width, decoded.height]).toEqual([40, 30])
  })

  it('gives every distinct request its own ETag', () => {
    const tags = new Set([
      imageEtag(request),
      imageEtag({ ...request, width: 41 }),
      imageEtag({ ...request, format: 'jpg' }),
      imageEtag({ ...request, format: 'jpg', quality: 50 }),
    ])
    expect(tags.size).toBe(4)
    expect(imageEtag(request)).toMatch(/^"[0-9a-f]{16}"$/)
    // PNG ignores quality, so it does not change the tag
    expect(imageEtag({ ...request, quality: 10 })).toBe(imageEtag(request))
  })
})
