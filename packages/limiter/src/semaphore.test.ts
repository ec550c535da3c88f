import { describe, expect, it } from 'vitest'
import { Semaphore } from './index'

describe('Semaphore', () => {
  it('never lets more than `permits` holders in, and hands permits out in FIFO order', async () => {
    const sem = new Semaphore(2)
    const order: number[] = []
    let inside = 0
    let peak = 0
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sem.run(async () => {
          order.push(i)
          inside++
          peak = Math.max(peak, inside)
          await new Promise((r) => setImmediate(r))
          inside--
        }),
      ),
    )
    expect(peak).toBe(2)
    expect(order).toEqual([...Array(20).keys()])
    expect(sem.available).toBe(2)
  })

  it('tryAcquire takes a free permit but never jumps the queue', async () => {
    const sem = new Semaphore(1)
    const first = sem.tryAcquire()
    expect(first).toBeTypeOf('function')
    expect(sem.tryAcquire()).toBeUndefined()
    const waiting = sem.acquire()
    first!()
    first!() // a second call is a no-op
    expect(sem.tryAcquire()).toBeUndefined()
    const second = await waiting
    expect(sem.available).toBe(0)
    second()
    expect(sem.available).toBe(1)
  })

  it('works with `using` (Symbol.dispose)', async () => {
    const sem = new Semaphore(1)
    {
      using _permit = await sem.acquire()
      expect(sem.available).toBe(0)
    }
    expect(sem.available).toBe(1)
  })

  it('an aborted waiter takes nothing and leaves the queue', async () => {
    const sem = new Semaphore(1)
    const held = await sem.acquire()
    const controller = new AbortController()
    const aborted = sem.acquire(controller.signal).catch((e) => e)
    const next = sem.acquire()
    expect(sem.waiting).toBe(2)
    controller.abort()
    expect(await aborted).toMatchObject({ code: 'ERR_ABORTED' })
    held()
    const release = await next
    expect(sem.waiting).toBe(0)
    release()
    expect(sem.available).toBe(1)
    await expect(sem.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(sem.available).toBe(1)
  })
})
