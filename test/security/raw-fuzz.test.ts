import t from 'tap'
import fc from 'fast-check'
import { exchange, listen, problem, untouched } from './fixtures/raw-client.js'

// Seeded random raw requests over a real socket (request lines, bad
// percent-encodings, raw bytes, odd versions and absurd headers), beside the hand-written cases
// of raw-http.test.ts. Never a 5xx, always an envelope, nothing stored or sent upstream.

const SEED = 7_0_2026
const RUNS = 300

// Pieces a request line and its headers are built from; the path and query are latin1 bytes.
const paths = ['/me', '/scopes', '/auth/tiktok/login', '/auth/tiktok/callback', '/auth/session', '/auth/tiktok/exchange', '/auth/logout',
  '/internal/introspect', '/internal/users/someone', '/health/live', '/health/ready', '/docs', '/demo/', '/openapi.json', '/nowhere']
const badEncodings = ['%', '%%', '%Z', '%G0', '%2', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2F', '\\', '//', '/..', '/%2e%2e', ';', '?', '?%', '?fields=%', '?redirect_uri=%E0%A4%A', '?state=%FF%FE']
const rawBytes = ['\xff', '\x7f', '\t', '#x', '\x00', '\x1b']
const byte = fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b))
const visible = fc.integer({ min: 0x21, max: 0x7e }).map((b) => String.fromCharCode(b))
const tokenText = (max: number) => fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~!$&\'()*+,;=:@%'), maxLength: max })
/** A route with bad percent-encodings and odd characters appended; sometimes raw bytes the parser refuses. */
const target = fc.tuple(fc.constantFrom(...paths), fc.array(fc.oneof(
  { arbitrary: fc.constantFrom(...badEncodings), weight: 5 },
  { arbitrary: tokenText(12), weight: 3 },
  { arbitrary: fc.oneof(fc.constantFrom(...rawBytes), fc.string({ unit: byte, maxLength: 4 })), weight: 1 }
), { maxLength: 4 })).map(([p, bits]) => p + bits.join(''))
const method = fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 }, { arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'G@T', '', 'X'.repeat(40)), weight: 2 })
const version = fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 x', ''), weight: 2 })
const headerLine = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom('X-A', 'Authorization', 'Accept-Language', 'If-None-Match', 'Origin', 'Cookie', 'Content-Type'), fc.string({ unit: visible, maxLength: 40 })).map(([k, v]) => `${k}: ${v}`), weight: 8 },
  { arbitrary: fc.tuple(fc.constantFrom('X-A', 'Authorization'), fc.string({ unit: byte, maxLength: 20 })).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`), weight: 1 },
  { arbitrary: fc.constantFrom('Bad Header: x', ': empty-name', 'X-Fold: a\r\n b', `X-Huge: ${'h'.repeat(17_000)}`, 'Content-Length: abc', 'Transfer-Encoding: chunked, gzip', 'Expect: nope', 'Host:', 'Host: a\r\nHost: b'), weight: 1 }
)
const rawRequest = fc.record({ method, target, version, host: fc.boolean(), headers: fc.array(headerLine, { maxLength: 4 }), body: fc.option(fc.string({ unit: byte, maxLength: 64 })) })

t.test('seeded random raw requests: never a 5xx, always an envelope, nothing stored or sent upstream', async (t) => {
  const { ctx, port } = await listen(t)
  const before = await untouched(ctx)
  const figures = { inputs: 0, fiveXX: 0, beforeRouting: 0, statuses: new Map<number, number>() }
  await fc.assert(fc.asyncProperty(rawRequest, async (r) => {
    const body = r.body ?? ''
    const head = [`${r.method} ${r.target} ${r.version}`.trimEnd(), ...(r.host ? ['Host: 127.0.0.1'] : []), ...r.headers,
      ...(body === '' ? [] : [`Content-Length: ${body.length}`])].join('\r\n')
    const { answers, error } = await exchange(port, Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'), { head: r.method === 'HEAD' })
    figures.inputs++
    for (const a of answers) figures.statuses.set(a.status, (figures.statuses.get(a.status) ?? 0) + 1)
    figures.fiveXX += answers.filter((a) => a.status >= 500).length
    // Answers written straight to the socket (parser refusals) carry no Date header.
    figures.beforeRouting += answers.filter((a) => !a.headers.has('date')).length
    const wrong = error ?? problem(answers, r.target)
    if (wrong !== undefined) throw new Error(`${wrong}\n  request: ${JSON.stringify(head.slice(0, 300))}\n  answers: ${JSON.stringify(answers).slice(0, 300)}`)
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true })
  t.equal(figures.fiveXX, 0, '5xx seen')
  t.equal(figures.inputs, RUNS, 'raw inputs tried')
  t.ok(figures.beforeRouting > 10 && figures.beforeRouting < RUNS - 100, `both parser refusals (${figures.beforeRouting}) and routed answers occurred`)
  t.same(await untouched(ctx), before, 'no TikTok call, no store write')
  t.comment(`raw inputs ${figures.inputs}, refused before routing ${figures.beforeRouting}, 5xx ${figures.fiveXX}, statuses ${JSON.stringify([...figures.statuses].sort((a, b) => a[0] - b[0]))}`)
})
