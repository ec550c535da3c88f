import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { etagMatches, imageEtag, renderImage } from './images'
import { parseImageFile } from './images-route'

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

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(etagMatches('"a", W/"b"', '"b"')).toBe(true)
    expect(etagMatches('*', '"b"')).toBe(true)
    expect(etagMatches('"a"', '"b"')).toBe(false)
    expect(etagMatches(undefined, '"b"')).toBe(false)
  })
})

describe('parseImageFile', () => {
  it('splits id and format', () => {
    expect(parseImageFile('a_B-9.jpg')).toEqual({ id: 'a_B-9', format: 'jpg' })
  })

  it.each(['../etc/passwd.png', '..\\x.png', 'a.b.png', '.png', 'x y.png', `${'a'.repeat(65)}.png`])(
    'refuses the id of %j',
    (file) => {
      expect(() => parseImageFile(file)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ID', status: 400 }),
      )
    },
  )

  it('answers 404 for other formats', () => {
    expect(() => parseImageFile('a.gif')).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_FOUND', status: 404 }),
    )
  })
})
