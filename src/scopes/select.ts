import { FIELDS, isField, fieldEntry, type FieldName } from './catalogue.js'
import { invalidParams, scopeNotAuthorized } from '../errors.js'

// Which fields one /me call may ask TikTok for: the catalogue against the granted scopes.

/** Fields the granted scopes allow, in catalogue order. */
export function allowedFields (granted: readonly string[]): FieldName[] {
  return FIELDS.filter((f) => granted.includes(f.scope)).map((f) => f.field)
}

/** Scopes the fields need that were not granted, in catalogue order, without repeats. */
export function missingScopes (fields: readonly FieldName[], granted: readonly string[]): string[] {
  const missing = new Set<string>()
  for (const f of fields) {
    const scope = fieldEntry(f).scope
    if (!granted.includes(scope)) missing.add(scope)
  }
  return [...missing]
}

/** Parses `fields=a,b`: unknown names are a 400 naming them; repeats are dropped. */
export function parseFields (param: string): FieldName[] {
  const names = param.split(',').map((s) => s.trim())
  const unknown = names.filter((n) => !isField(n))
  if (names.length === 0 || unknown.length > 0) {
    const shown = unknown.map((n) => n === '' ? '(empty)' : JSON.stringify(n.slice(0, 64))).slice(0, 5).join(', ')
    throw invalidParams(`Unknown field(s) in fields: ${shown}.`)
  }
  return [...new Set(names as FieldName[])]
}

/** The fields of one request: exactly the requested ones, or all the grant allows. */
export function fieldsFor (param: string | undefined, granted: readonly string[]): FieldName[] {
  if (param === undefined) return allowedFields(granted)
  const fields = parseFields(param)
  const missing = missingScopes(fields, granted)
  if (missing.length > 0) throw scopeNotAuthorized(missing)
  return fields
}

/**
 * Copies the requested fields from TikTok's user object with the catalogue's types: counts as
 * integers, absent or null fields omitted (never `null`), anything unexpected dropped.
 */
export function pickUser (user: Record<string, unknown>, fields: readonly FieldName[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const f of fields) {
    const v = user[f]
    if (v === undefined || v === null) continue
    const type = fieldEntry(f).type
    if (type === 'int64') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN
      if (Number.isFinite(n)) out[f] = Math.trunc(n)
    } else if (type === 'boolean') {
      if (typeof v === 'boolean') out[f] = v
    } else if (typeof v === 'string') {
      out[f] = v
    }
  }
  return out
}
