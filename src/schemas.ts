import { Type, type TSchema } from 'typebox'
import { ERROR_CODES, EXAMPLES, Errors, type ErrorCode } from './errors.js'
import { LOG_ID_EXAMPLE, LOG_ID_PATTERN } from './envelope.js'
import { FIELDS, FIELD_NAMES, SCOPES, VIDEO_FIELDS, VIDEO_FIELD_NAMES, bilingual, type FieldEntry } from './scopes/catalogue.js'

// Response schemas shared by the routes; the OpenAPI document is generated from them.

/** The OpenAPI `security` of routes with `auth: 'session'` and `auth: 'internal'` (plugins/auth.ts). */
export const SESSION_SECURITY = [{ sessionToken: [] }]
export const INTERNAL_SECURITY = [{ internalApiKey: [] }]

export const LogId = Type.String({ pattern: LOG_ID_PATTERN.source, description: 'This request in this service\'s logs: UTC YYYYMMDDhhmmss then 20 upper-case hex characters. Also the x-log-id header.', examples: [LOG_ID_EXAMPLE] })

export function Envelope<T extends TSchema> (data: T, description: string) {
  return Type.Object({
    data,
    error: Type.Object({ code: Type.Literal('ok'), message: Type.Literal(''), log_id: LogId }, { additionalProperties: false })
  }, { additionalProperties: false, description })
}

export function ErrorEnvelope (codes: readonly ErrorCode[], exampleMessage?: string) {
  const first = codes[0] ?? 'internal_error'
  return Type.Object({
    data: Type.Object({}, { additionalProperties: false }),
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...codes] }),
      message: Type.String({ description: 'One sentence for a developer; never a secret.' }),
      log_id: LogId
    }, { additionalProperties: false })
  }, {
    additionalProperties: false,
    description: codes.map((c) => `\`${c}\``).join(', '),
    examples: [{ data: {}, error: { code: first, message: exampleMessage ?? EXAMPLES[first].message, log_id: LOG_ID_EXAMPLE } }]
  })
}

/** Routes with a JSON body also answer 413 (too large) and 415 (not JSON), as invalid_params. */
export const BODY_ERRORS: Record<number, TSchema> = {
  413: ErrorEnvelope(['invalid_params'], Errors.bodyTooLarge().message),
  415: ErrorEnvelope(['invalid_params'], Errors.notJson().message)
}

/** The error responses of a route, grouped by HTTP status, each with an example envelope. */
export function errorResponses (...codes: ErrorCode[]): Record<number, TSchema> {
  const all: ErrorCode[] = [...new Set<ErrorCode>([...codes, 'invalid_params', 'internal_error'])]
  const byStatus = new Map<number, ErrorCode[]>()
  for (const c of all) byStatus.set(ERROR_CODES[c], [...(byStatus.get(ERROR_CODES[c]) ?? []), c])
  return Object.fromEntries([...byStatus].map(([status, cs]) => [status, ErrorEnvelope(cs)]))
}

const fieldSchema = (f: FieldEntry): TSchema => {
  const meta = { description: bilingual(f), 'x-tiktok-scope': f.scope }
  if (f.type === 'int64' || f.type === 'int32') return Type.Integer({ ...meta, format: f.type })
  if (f.type === 'boolean') return Type.Boolean(meta)
  return Type.String(meta)
}

/** TikTok's user object; every property names the scope that unlocks it (x-tiktok-scope). */
export const User = Type.Object(
  Object.fromEntries(FIELDS.map((f) => [f.field, Type.Optional(fieldSchema(f))])),
  { additionalProperties: false, description: 'Only the requested (or all granted) fields; absent optional fields are omitted, never null.' }
)

/** TikTok's video object; every property needs video.list (x-tiktok-scope). */
export const Video = Type.Object(
  Object.fromEntries(VIDEO_FIELDS.map((f) => [f.field, Type.Optional(fieldSchema(f))])),
  { additionalProperties: false, description: 'Only the requested (or all) fields; absent optional fields are omitted, never null.' }
)

export const VideoFieldsParam = Type.String({
  description: 'Comma-separated video fields (all need `video.list`). Without it: every field.',
  minLength: 1,
  maxLength: 512,
  'x-enum-values': [...VIDEO_FIELD_NAMES],
  examples: ['id,title,cover_image_url,view_count']
})

export const FieldsParam = Type.String({
  description: 'Comma-separated user fields. Without it: every field the granted scopes allow. Each field needs its scope:\n\n' +
    '| scope | fields |\n| --- | --- |\n' +
    SCOPES.map((s) => `| \`${s.scope}\` | ${FIELDS.filter((f) => f.scope === s.scope).map((f) => `\`${f.field}\``).join(', ') || '(none)'} |`).join('\n'),
  minLength: 1,
  maxLength: 512,
  'x-enum-values': [...FIELD_NAMES],
  examples: ['open_id,display_name,follower_count']
})

export const IssuedSession = Type.Object({
  session: Type.Object({
    token: Type.String({ description: 'Opaque session token (256 bits); send as Authorization: Bearer <token>.' }),
    token_type: Type.Literal('Bearer'),
    expires_at: Type.String({ format: 'date-time', description: 'When the session (not the TikTok access token) ends, ISO 8601 UTC.' }),
    open_id: Type.String({ description: 'TikTok open_id of the user: an opaque string.' }),
    scopes: Type.Array(Type.String(), { description: 'Scopes the user granted.' })
  }, { additionalProperties: false })
}, { additionalProperties: false })
