import t from 'tap'
import { auth, build, login, pkcePair } from './helper.js'

// JSON bodies are validated as sent (src/app.ts, exactBodyValidators): a value of the wrong
// JSON type is a 400 naming the field, never coerced to the type the schema wants, and the
// request changes nothing. Query strings still arrive as text and are read as before.

const INTERNAL = 'internal-secret-0123456789abcdef'

t.test('a number or boolean where a string is required is a 400 naming the field', async (t) => {
  const ctx = await build(t)
  const verifier = pkcePair().verifier
  const cases: Array<{ url: string, headers?: Record<string, string>, payload: Record<string, unknown>, field: RegExp }> = [
    { url: '/internal/introspect', headers: auth(INTERNAL), payload: { token: 42 }, field: /token/ },
    { url: '/internal/introspect', headers: auth(INTERNAL), payload: { token: true }, field: /token/ },
    { url: '/auth/session', payload: { code: 1234567890, code_verifier: verifier }, field: /code/ },
    { url: '/auth/tiktok/exchange', payload: { code: 'a-code', code_verifier: verifier, redirect_uri: 7 }, field: /redirect_uri/ }
  ]
  for (const c of cases) {
    const res = await ctx.app.inject({ method: 'POST', url: c.url, headers: c.headers ?? {}, payload: c.payload })
    t.equal(res.statusCode, 400, `${c.url} ${JSON.stringify(c.payload)}`)
    t.equal(res.json().error.code, 'invalid_params')
    t.match(res.json().error.message, c.field)
  }
  t.same(await ctx.dataKeys(), [], 'nothing stored')
})

t.test('logout with all_sessions as the string "true" is a 400 and ends nothing', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const res = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token), payload: { all_sessions: 'true' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error.code, 'invalid_params')
  t.match(res.json().error.message, /all_sessions/)
  t.equal((await ctx.app.inject({ url: '/me', headers: auth(token) })).statusCode, 200, 'the session is still live')
  const ok = await ctx.app.inject({ method: 'POST', url: '/auth/logout', headers: auth(token), payload: { all_sessions: true } })
  t.equal(ok.statusCode, 200, 'the boolean itself is accepted')
})

t.test('query strings are still read from text', async (t) => {
  const ctx = await build(t)
  const { token } = await login(ctx)
  const res = await ctx.app.inject({ url: '/me?fields=display_name', headers: auth(token) })
  t.equal(res.statusCode, 200)
  t.same(Object.keys(res.json().data.user), ['display_name'])
})
