import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorEndpoint, ForcedAnswer } from './types.js'

type Sleeper = { timer: NodeJS.Timeout, wake: (waited: boolean) => void }

/** Delays and forced answers per endpoint, applied before the endpoint reads the request. */
export class Faults {
  private readonly delays = new Map<EmulatorEndpoint, number>()
  private readonly forced = new Map<EmulatorEndpoint, Array<{ answer: ForcedAnswer, left: number }>>()
  private readonly sleepers = new Set<Sleeper>()

  setDelay (endpoint: EmulatorEndpoint, ms: number): void {
    this.delays.set(endpoint, ms)
  }

  forceNext (endpoint: EmulatorEndpoint, answer: ForcedAnswer, times: number): void {
    const queue = this.forced.get(endpoint) ?? []
    queue.push({ answer, left: times })
    this.forced.set(endpoint, queue)
  }

  clear (): void {
    this.delays.clear()
    this.forced.clear()
  }

  /** An onRequest hook: the delay, then a forced answer if one is queued. */
  hook (endpoint: EmulatorEndpoint) {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const ms = this.delays.get(endpoint) ?? 0
      if (ms > 0 && !(await this.sleep(ms))) return hangUp(request, reply)
      const answer = this.takeForced(endpoint)
      if (answer === undefined) return undefined
      if (answer.reset === true) return hangUp(request, reply)
      reply.code(answer.status ?? 200)
      for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value)
      if (answer.raw === undefined && answer.body !== undefined) {
        return reply.type(answer.contentType ?? 'application/json; charset=utf-8').send(JSON.stringify(answer.body))
      }
      return reply.type(answer.contentType ?? 'text/plain; charset=utf-8').send(answer.raw ?? '')
    }
  }

  /** Wakes every delayed request so that close() does not wait for them. */
  wakeSleepers (): void {
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer)
      sleeper.wake(false)
    }
    this.sleepers.clear()
  }

  private sleep (ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => { this.sleepers.delete(sleeper); resolve(true) }, ms),
        wake: resolve
      }
      this.sleepers.add(sleeper)
    })
  }

  private takeForced (endpoint: EmulatorEndpoint): ForcedAnswer | undefined {
    const queue = this.forced.get(endpoint)
    const head = queue?.[0]
    if (queue === undefined || head === undefined) return undefined
    if (--head.left === 0) queue.shift()
    return head.answer
  }
}

function hangUp (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  request.raw.socket.destroy()
  return reply
}
