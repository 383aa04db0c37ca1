import t from 'tap'
import { exchange, listen, problem, untouched } from './fixtures/raw-client.js'

// Bad input over a real socket: what app.inject cannot send — bad percent-encodings in the
// path, malformed request lines, absurd headers, broken framing. Every answer (from Fastify,
// or from Node's parser through clientErrorHandler) is a non-5xx envelope with its log_id, and
// nothing reaches TikTok or the store. Seeded random raw requests: raw-fuzz.test.ts.

const H = 'Host: 127.0.0.1\r\n'
const CASES: Array<[string, string, { expect?: number, halfClose?: boolean, status?: number }?]> = [
  ['bad percent-encoding at the end', `GET /me% HTTP/1.1\r\n${H}\r\n`, { status: 400 }],
  ['bad percent-encoding in a param', `GET /internal/users/%zz HTTP/1.1\r\n${H}\r\n`],
  ['overlong UTF-8', `GET /me/%C0%AF HTTP/1.1\r\n${H}\r\n`],
  ['encoded surrogate', `GET /internal/users/%ED%A0%80 HTTP/1.1\r\n${H}\r\n`],
  ['encoded NUL', `GET /scopes%00 HTTP/1.1\r\n${H}\r\n`],
  ['bad encoding in the query', `GET /me?fields=%E0%A4%A HTTP/1.1\r\n${H}\r\n`],
  ['raw latin1 bytes in the path', `GET /me/\xff\xfe HTTP/1.1\r\n${H}\r\n`],
  ['raw control character in the path', `GET /me\x01 HTTP/1.1\r\n${H}\r\n`],
  ['backslashes', `GET \\auth\\tiktok\\login HTTP/1.1\r\n${H}\r\n`],
  ['absolute-form target', `GET http://evil.example/me HTTP/1.1\r\n${H}\r\n`],
  ['asterisk target', `GET * HTTP/1.1\r\n${H}\r\n`],
  ['unknown method', `BREW /me HTTP/1.1\r\n${H}\r\n`],
  ['lower-case method', `get /me HTTP/1.1\r\n${H}\r\n`],
  ['CONNECT', `CONNECT evil.example:443 HTTP/1.1\r\n${H}\r\n`, { status: 404 }],
  ['garbage request line', 'hello there\r\n\r\n', { status: 400 }],
  ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['unknown version', `GET /me HTTP/9.9\r\n${H}\r\n`],
  ['HTTP/0.9 request line', 'GET /me\r\n\r\n'],
  ['bare LF line endings', 'GET /scopes HTTP/1.1\nHost: x\n\n'],
  ['no Host on HTTP/1.1', 'GET /scopes HTTP/1.1\r\n\r\n', { status: 400 }],
  ['two Host headers', `GET /scopes HTTP/1.1\r\n${H}Host: evil.example\r\n\r\n`],
  ['header without a colon', `GET /me HTTP/1.1\r\n${H}NoColonHere\r\n\r\n`],
  ['space in a header name', `GET /me HTTP/1.1\r\n${H}Bad Header: x\r\n\r\n`],
  ['NUL in a header value', `GET /me HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`],
  ['obs-fold continuation', `GET /me HTTP/1.1\r\n${H}X-A: a\r\n folded\r\n\r\n`],
  ['headers over the size limit', `GET /me HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, { status: 431 }],
  ['request line over the size limit', `GET /me?fields=${'a'.repeat(20_000)} HTTP/1.1\r\n${H}\r\n`],
  ['3000 headers', `GET /me HTTP/1.1\r\n${H}${'X-N: 1\r\n'.repeat(3000)}\r\n`],
  ['absurd Authorization', `GET /me HTTP/1.1\r\n${H}Authorization: Bearer ${'t'.repeat(12_000)}\r\n\r\n`],
  ['two different Content-Lengths', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
  ['Content-Length and chunked', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['negative Content-Length', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n`],
  ['hex Content-Length', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 0x2\r\n\r\n{}`],
  ['huge Content-Length', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 99999999999999\r\n\r\n{}`, { status: 413 }],
  ['bad chunk size', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
  ['unknown transfer coding', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}`],
  ['chunked body over the limit', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${'4000\r\n' + 'a'.repeat(0x4000) + '\r\n'}${'4000\r\n' + 'a'.repeat(0x4000) + '\r\n'}0\r\n\r\n`],
  ['truncated body', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{"code":`, { halfClose: true }],
  ['truncated headers', `GET /me HTTP/1.1\r\n${H}X-A: partial`, { halfClose: true }],
  ['unknown Expect', `GET /scopes HTTP/1.1\r\n${H}Expect: teapot\r\n\r\n`, { status: 417 }],
  ['Expect: 100-continue', `POST /auth/session HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}`],
  ['websocket upgrade', `GET /me HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`],
  ['preflight', `OPTIONS /me HTTP/1.1\r\n${H}Origin: https://evil.example\r\nAccess-Control-Request-Method: GET\r\n\r\n`],
  ['pipelined: good then garbage', `GET /health/live HTTP/1.1\r\n${H}\r\nGARBAGE\r\n\r\n`, { expect: 2 }],
  ['pipelined: two bad paths', `GET /me% HTTP/1.1\r\n${H}\r\nGET /%% HTTP/1.1\r\n${H}\r\n`, { expect: 2 }]
]

t.test('hand-written malformed requests over a socket: each gets a non-5xx envelope', async (t) => {
  const { ctx, port } = await listen(t)
  const before = await untouched(ctx)
  for (const [name, request, opts] of CASES) {
    const { answers, error } = await exchange(port, Buffer.from(request, 'latin1'), opts)
    t.equal(error, undefined, `${name}: a complete answer`)
    // A parser refusal ends the connection: an answer still pending on it may be dropped (as Node does).
    t.ok(answers.length >= 1 && answers.length <= (opts?.expect ?? 1), `${name}: ${answers.map((a) => a.status).join(', ')}`)
    t.equal(problem(answers, request.split(' ')[1] ?? ''), undefined, `${name}: a non-5xx envelope`)
    if (opts?.status !== undefined) t.equal(answers[0]?.status, opts.status, `${name}: ${opts.status}`)
  }
  t.same(await untouched(ctx), before, 'no TikTok call, no store write')
  t.comment(`raw cases: ${CASES.length}`)
})
