import { createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { Pool } from 'undici'

// The least code that does /me's work, for comparison: one Redis GET of the session record,
// the check of its signature (every stored record is signed for its key name), AES-256-GCM
// decrypt of the access token, a keep-alive call to TikTok, pick the fields, reply with the
// envelope. It reads the service's own record format. No framework niceties beyond a response
// schema; no idle timeout, request log, metrics, security headers or ETag.
const key = Buffer.from(process.env.KEY as string, 'base64')
const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'tiktok-bff record MAC', 32))
const prefix = process.env.PREFIX as string
const redis = new Redis(process.env.REDIS_URL as string)
const upstream = new Pool(process.env.UPSTREAM as string, { connections: 128, keepAliveTimeout: 30_000 })
const FIELDS = ['open_id', 'union_id', 'avatar_url', 'avatar_url_100', 'avatar_large_url', 'display_name', 'bio_description', 'profile_deep_link', 'is_verified', 'username', 'follower_count', 'following_count', 'likes_count', 'video_count']
const str = { type: 'string' }
const int = { type: 'integer' }
const user = { type: 'object', properties: Object.fromEntries(FIELDS.map((f) => [f, f.endsWith('_count') ? int : f === 'is_verified' ? { type: 'boolean' } : str])) }
const envelope = { type: 'object', properties: { data: { type: 'object', properties: { user } }, error: { type: 'object', properties: { code: str, message: str, log_id: str } } } }

const app = Fastify({ logger: false })
app.get('/me', { schema: { response: { 200: envelope } } }, async (request) => {
  const token = (request.headers.authorization ?? '').slice(7)
  const id = createHash('sha256').update(token).digest('base64url')
  const name = `${prefix}s:{${id}}`
  const raw = await redis.get(name)
  if (raw === null) throw new Error('no session')
  // <key id>.<MAC>.<JSON>, the MAC over the key name and the JSON.
  const a = raw.indexOf('.')
  const b = raw.indexOf('.', a + 1)
  const record = raw.slice(b + 1)
  const mac = createHmac('sha256', macKey).update(`${name.length}:${name}\n`).update(record).digest().subarray(0, 16)
  if (!timingSafeEqual(mac, Buffer.from(raw.slice(a + 1, b), 'base64url'))) throw new Error('forged session')
  const sealed = (JSON.parse(record) as { at: string }).at
  const body = Buffer.from(sealed.slice(sealed.indexOf('.') + 1), 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12))
  decipher.setAAD(Buffer.from(`${id}:at`))
  decipher.setAuthTag(body.subarray(body.length - 16))
  const at = Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString()
  const res = await upstream.request({ method: 'GET', path: `/v2/user/info/?fields=${FIELDS.join(',')}`, headers: { authorization: `Bearer ${at}` } })
  const json = await res.body.json() as { data: { user: Record<string, unknown> }, error: { log_id: string } }
  const picked: Record<string, unknown> = {}
  for (const f of FIELDS) if (json.data.user[f] !== undefined) picked[f] = json.data.user[f]
  return { data: { user: picked }, error: { code: 'ok', message: '', log_id: json.error.log_id } }
})
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}` })}\n`)
// A clean exit on SIGTERM, so that --cpu-prof (bench/profile.ts) writes its profile.
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
