import { describe, expect, it } from 'vitest'
import { EndpointHealth } from './endpoint-health'

const policy = { failures: 3, rateLimited: 5, cooldownMs: 1000, maxCooldownMs: 3000 }

describe('EndpointHealth', () => {
  it('drains after 3 faults in a row, not when an answer comes between', () => {
    const health = new EndpointHealth(policy)
    expect(health.ended('fault', 0)).toBe(false)
    expect(health.ended('fault', 0)).toBe(false)
    expect(health.ended('answered', 0)).toBe(false)
    expect(health.ended('fault', 0)).toBe(false)
    expect(health.ended('fault', 0)).toBe(false)
    expect(health.drained(0)).toBe(false)
    expect(health.ended('fault', 10)).toBe(true)
    expect(health.drained(10)).toBe(true)
    expect(health.until).toBe(1010)
    expect(health.drains).toBe(1)
  })

  it('drains after a 429 storm (5 in a row, each sent after the one before came), not after fewer', () => {
    const health = new EndpointHealth(policy)
    for (let i = 1; i <= 4; i++) expect(health.ended('rateLimited', i * 10, i * 10 - 5)).toBe(false)
    expect(health.ended('rateLimited', 50, 45)).toBe(true)
  })

  it('counts the 429s of requests sent together as one: a burst at a window start is no storm', () => {
    const health = new EndpointHealth(policy)
    // 20 requests sent at 0 to 4 ms, refused from 10 ms on: one refusal.
    for (let i = 0; i < 20; i++) expect(health.ended('rateLimited', 10 + i, i % 5)).toBe(false)
    expect(health.drained(30)).toBe(false)
    // Sent after the last of them came: the second refusal; an answer starts the count again.
    expect(health.ended('rateLimited', 40, 35)).toBe(false)
    health.ended('answered', 41)
    for (let i = 1; i <= 4; i++) expect(health.ended('rateLimited', 100 * i, 100 * i - 1)).toBe(false)
  })

  it('lets one probe through after the cooldown: its answer ends the drain, its fault doubles the next', () => {
    const health = new EndpointHealth(policy)
    for (let i = 0; i < 3; i++) health.ended('fault', 0)
    expect(health.drained(999)).toBe(true)
    expect(health.drained(1000)).toBe(false)
    health.started(1000)
    // The probe is under way: the others wait for its answer.
    expect(health.drained(1001)).toBe(true)
    // Faults of attempts sent before the drain do not extend it; the probe's fault does, twice as long.
    expect(health.ended('fault', 1500)).toBe(true)
    expect(health.until).toBe(3500)
    health.started(3500)
    expect(health.ended('fault', 3600)).toBe(true)
    // Capped at maxCooldownMs.
    expect(health.until).toBe(6600)
    health.started(6600)
    expect(health.ended('answered', 6700)).toBe(false)
    expect(health.drained(6700)).toBe(false)
    // Healthy again: the next drain starts from the first cooldown.
    for (let i = 0; i < 3; i++) health.ended('fault', 7000)
    expect(health.until).toBe(8000)
  })

  it('lets a probe go again when the one chosen never started', () => {
    const health = new EndpointHealth(policy)
    for (let i = 0; i < 3; i++) health.ended('fault', 0)
    health.started(1000)
    expect(health.drained(1000)).toBe(true)
    health.notStarted()
    expect(health.drained(1000)).toBe(false)
  })

  it('ignores the faults of attempts still in flight when it was drained', () => {
    const health = new EndpointHealth(policy)
    for (let i = 0; i < 3; i++) health.ended('fault', 0)
    for (let i = 0; i < 5; i++) expect(health.ended('fault', 100)).toBe(false)
    expect(health.until).toBe(1000)
  })
})
