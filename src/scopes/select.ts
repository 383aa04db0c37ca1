import {
  FIELDS, VIDEO_FIELDS, fieldEntry, isField, isVideoField, videoFieldEntry,
  type FieldName, type FieldType, type VideoFieldName
} from './catalogue.js'
import { Errors } from '../errors.js'

// Which fields one call may ask TikTok for: the catalogues against the granted scopes. TikTok
// is never asked for a field the session may not read.

/** User fields the granted scopes allow, in catalogue order. */
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

/** Parses `fields=a,b` against a catalogue: unknown names are a 400 naming them; repeats are dropped. */
export function parseFields<F extends string> (param: string, known: (name: string) => name is F): F[] {
  const names = param.split(',').map((s) => s.trim())
  const unknown = names.filter((n) => !known(n))
  if (names.length === 0 || unknown.length > 0) {
    const shown = unknown.map((n) => n === '' ? '(empty)' : JSON.stringify(n.slice(0, 64))).slice(0, 5).join(', ')
    throw Errors.unknownFields(shown)
  }
  return [...new Set(names as F[])]
}

/** The user fields of one request: exactly the requested ones, or all the grant allows. */
export function fieldsFor (param: string | undefined, granted: readonly string[]): FieldName[] {
  if (param === undefined) return allowedFields(granted)
  const fields = parseFields(param, isField)
  const missing = missingScopes(fields, granted)
  if (missing.length > 0) throw Errors.scopeNotAuthorized(missing)
  return fields
}

/** The video fields of one request (every one by default); all of them need `video.list`. */
export function videoFieldsFor (param: string | undefined, granted: readonly string[]): VideoFieldName[] {
  const fields = param === undefined ? VIDEO_FIELDS.map((f) => f.field) : parseFields(param, isVideoField)
  if (!granted.includes('video.list')) throw Errors.scopeNotAuthorized(['video.list'])
  return fields
}

/**
 * Copies the requested fields from one of TikTok's objects with the catalogue's types: counts
 * as integers, absent or null fields omitted (never `null`), anything unexpected dropped.
 */
function pick<F extends string> (source: Record<string, unknown>, fields: readonly F[], typeOf: (field: F) => FieldType): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const f of fields) {
    const v = source[f]
    if (v === undefined || v === null) continue
    const type = typeOf(f)
    if (type === 'int64' || type === 'int32') {
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

export const pickUser = (user: Record<string, unknown>, fields: readonly FieldName[]) => pick(user, fields, (f) => fieldEntry(f).type)
export const pickVideo = (video: Record<string, unknown>, fields: readonly VideoFieldName[]) => pick(video, fields, (f) => videoFieldEntry(f).type)
