import { createRequire } from 'node:module'

/** The tokens of one text. */
export type CountTokens = (text: string) => number

/** undefined: not looked for yet; null: not installed. */
let counter: CountTokens | null | undefined

/**
 * gpt-tokenizer's o200k token count, loaded on first use (ESM and CJS builds both find it):
 * `countTokens` where it exists (no array of tokens), else the length of `encode`.
 */
export function loadTokenizer(): CountTokens | null {
  if (counter !== undefined) return counter
  counter = null
  try {
    const require = createRequire(import.meta.url)
    const { countTokens, encode } = require('gpt-tokenizer/encoding/o200k_base') as Record<string, unknown>
    if (typeof countTokens === 'function') counter = countTokens as CountTokens
    else if (typeof encode === 'function') {
      const tokens = encode as (text: string) => readonly unknown[]
      counter = (text) => tokens(text).length
    }
  } catch {
    // Not installed: the characters-based estimate is used.
  }
  return counter
}

/**
 * Longest piece of text handed to the tokenizer at once (characters). Its byte-pair merge takes
 * time in the square of a word's length: 160,000 letters without a space took seconds whole, and
 * held hundreds of bytes of arrays per character.
 */
export const PIECE = 256

/**
 * Most characters one estimate tokenizes, its texts together. A longer input is sampled: evenly
 * spread pieces are tokenized and their tokens per character scale to the whole, so that an
 * estimate costs at most this much tokenizing whatever the input's size.
 */
export const BUDGET = 32_768

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/**
 * Where the piece that starts at `start` ends: before the last whitespace within PIECE characters
 * (the tokenizer keeps a space with the word after it, so the cut changes no word), else after
 * PIECE characters, never between the two halves of a surrogate pair.
 */
function pieceEnd(text: string, start: number): number {
  const limit = start + PIECE
  if (limit >= text.length) return text.length
  for (let i = limit; i > start; i--) if (isSpace(text.charCodeAt(i))) return i
  return isLowSurrogate(text.charCodeAt(limit)) ? limit - 1 : limit
}

/** A sampled piece starts at a word: the next whitespace within PIECE characters of `at`, else `at`. */
function pieceStart(text: string, at: number): number {
  const limit = Math.min(text.length, at + PIECE)
  for (let i = at; i < limit; i++) if (isSpace(text.charCodeAt(i))) return i
  return isLowSurrogate(text.charCodeAt(at)) ? at + 1 : at
}

/**
 * The tokens of one estimate's texts, given its total length first: each text is tokenized in
 * pieces of at most PIECE characters; past BUDGET characters in all, only every `step`-th
 * character starts a piece and the count is scaled.
 */
export class TokenTally {
  readonly #count: CountTokens
  /** Characters from one sampled piece's start to the next's; 0: every piece is tokenized. */
  readonly #step: number
  #tokens = 0
  /** Characters tokenized. */
  #counted = 0
  /** Characters of the texts added so far. */
  #seen = 0
  /** Where the next sampled piece starts, over all the texts. */
  #next = 0

  constructor(count: CountTokens, total: number) {
    this.#count = count
    // At most (BUDGET - PIECE) / PIECE steps fit in `total`: with a rounding one more, BUDGET characters.
    this.#step = total > BUDGET ? (total / (BUDGET - PIECE)) * PIECE : 0
  }

  add(text: string): void {
    const step = this.#step
    let at = this.#next - this.#seen
    while (at < text.length) {
      const start = step === 0 ? at : pieceStart(text, at)
      const end = pieceEnd(text, start)
      this.#tokens += this.#piece(text.slice(start, end))
      this.#counted += end - start
      at = step === 0 ? end : at + step
    }
    this.#next = this.#seen + at
    this.#seen += text.length
  }

  #piece(text: string): number {
    try {
      return this.#count(text)
    } catch {
      // gpt-tokenizer refuses the text of a special token (`<|endoftext|>`): that piece counts by characters.
      return Math.ceil(text.length / 4)
    }
  }

  /** Exact when every piece was tokenized; else the pieces' tokens per character times all the characters. */
  get tokens(): number {
    if (this.#counted === 0 || this.#counted >= this.#seen) return this.#tokens
    return Math.round((this.#tokens * this.#seen) / this.#counted)
  }
}
