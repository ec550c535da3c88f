import { describe, expect, it } from 'vitest'
import { etagMatches, parseImageFile } from './images'

describe('etagMatches', () => {
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
