import { describe, expect, it } from 'vitest'
import { judgeConversation, messageText, promptTokens } from './chat-content'

const pass = { scores: { relevance: 1, faithfulness: 1, completeness: 1 }, verdict: 'pass' }

describe('judgeConversation', () => {
  it('reads the last user message as a judge request body', () => {
    const body = {
      id: 'a',
      question: 'What is the capital of France?',
      contexts: ['Paris is the capital of France.'],
      answer: 'Paris is the capital of France.',
    }
    const messages = [
      { role: 'user', content: 'ignored: not the last user message' },
      { role: 'user', content: JSON.stringify(body) },
      { role: 'assistant', content: 'ignored: not a user message' },
    ]
    expect(judgeConversation(messages)).toEqual({ id: 'a', ...pass })
  })

  it('reads labelled sections, as a template writes them', () => {
    const content = [
      '## Question',
      'What is the capital of France?',
      '**Context:** Paris is the capital of France.',
      'Berlin is in Germany.',
      'Question marks and answers in a context stay in it.',
      '',
      'ANSWER: Paris is the capital.',
    ].join('\n')
    expect(judgeConversation([{ role: 'user', content }])).toEqual({
      scores: { relevance: 0.5, faithfulness: 1, completeness: 1 },
      verdict: 'pass',
    })
  })

  it('scores other text as the answer to the messages before it', () => {
    const messages = [
      { role: 'system', content: 'Paris is the capital of France.' },
      { role: 'user', content: 'capital France Paris' },
    ]
    expect(judgeConversation(messages)).toEqual(pass)
    expect(judgeConversation([{ role: 'user', content: 'Hello' }]).verdict).toBe('fail')
    expect(judgeConversation([{ role: 'system', content: 'No user message' }]).verdict).toBe('fail')
  })
})

describe('messageText and promptTokens', () => {
  it('joins text parts and skips the others', () => {
    const content = [{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }]
    expect(messageText({ role: 'user', content })).toBe('a\nb')
    expect(messageText({ role: 'assistant', content: null })).toBe('')
  })

  it('counts 2 + per message 4 + ceil(characters / 4)', () => {
    expect(promptTokens([])).toBe(2)
    expect(
      promptTokens([
        { role: 'user', content: 'abcde' },
        { role: 'user', content: '' },
      ]),
    ).toBe(2 + 6 + 4)
  })
})
