import { describe, expect, it } from 'vitest'
import { contentWords, scoreAnswer, verdictOf } from './judge-scores'

const contexts = ['Paris is the capital of France. The Eiffel Tower is in Paris.', 'Berlin is in Germany.']

describe('scoreAnswer', () => {
  it('scores a grounded, relevant answer 1 and passes it', () => {
    const scores = scoreAnswer({
      question: 'What is the capital of France?',
      contexts,
      answer: 'Paris is the capital of France.',
    })
    expect(scores).toEqual({ relevance: 1, faithfulness: 1, completeness: 1 })
    expect(verdictOf(scores)).toBe('pass')
  })

  it('marks an ungrounded answer as unfaithful and fails it', () => {
    const scores = scoreAnswer({
      question: 'What is the capital of France?',
      contexts,
      answer: 'Lyon, obviously.',
    })
    expect(scores.faithfulness).toBe(0)
    expect(scores.relevance).toBe(0)
    expect(verdictOf(scores)).toBe('fail')
  })

  it('gives partial scores from word overlap, rounded to 3 decimals', () => {
    const scores = scoreAnswer({
      question: 'capital France population',
      contexts: ['Paris is the capital of France.', 'France has 68 million people.'],
      answer: 'The capital is Paris; Berlin is elsewhere.',
    })
    // question words: capital, france, population -> answer has capital: 1/3
    expect(scores.relevance).toBe(0.333)
    // answer words: capital, paris, berlin, elsewhere -> in contexts: capital, paris: 2/4
    expect(scores.faithfulness).toBe(0.5)
    // both sentences mention France; the answer draws on the first only
    expect(scores.completeness).toBe(0.5)
  })

  it('is deterministic and handles empty input', () => {
    const input = { question: 'Why?', contexts: [], answer: '' }
    expect(scoreAnswer(input)).toEqual({ relevance: 0, faithfulness: 0, completeness: 0 })
    const other = { question: 'Where is the tower?', contexts, answer: 'In Paris.' }
    expect(scoreAnswer(other)).toEqual(scoreAnswer(structuredClone(other)))
  })

  it('drops stop words and case', () => {
    expect([...contentWords('The Capital OF france, 2024!')]).toEqual(['capital', 'france', '2024'])
  })
})
