import type { FastifyRequest } from 'fastify'

export type Form = Record<string, string | string[] | undefined>

function isFormValue (value: unknown): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
}

/** The form-encoded body, or undefined when the request is not `application/x-www-form-urlencoded`. */
export function readForm (request: FastifyRequest): Form | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  return toForm(request.body ?? {})
}

/** Query strings and form bodies parse to the same shape: a repeated name gives an array. */
export function toForm (input: unknown): Form | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const form: Form = {}
  for (const [name, value] of Object.entries(input)) {
    if (!isFormValue(value)) return undefined
    form[name] = value
  }
  return form
}

/** A parameter given once, else undefined (OAuth: parameters must not repeat). */
export function single (form: Form, name: string): string | undefined {
  const value = form[name]
  return typeof value === 'string' ? value : undefined
}

export function list (form: Form, name: string): string[] {
  const value = form[name]
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : value
}
