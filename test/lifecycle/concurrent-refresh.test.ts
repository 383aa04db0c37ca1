import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startEmulator } from '../../src/emulator/index.js'
import { REDIS_URL, testEnv } from '../helper.js'
import { startInstances } from '../support/instances.js'
import { call, loginOver, me } from '../support/http.js'
import { prefixAdmin } from '../support/redis-keys.js'

// At most one refresh per session across any number of instances. Three real service
// processes on one Redis; TikTok issues 2-second access tokens and answers its token endpoint
// slowly, so every request of a burst finds the token expired while the refresh is under way.

const BURST = 30

async function refreshesOk (urls: string[]): Promise<number> {
  let sum = 0
  for (const url of urls) {
    const res = await call(url, 'GET', '/metrics')
    const line = res.text.split('\n').find((l) => l.startsWith('tiktok_token_refreshes_total{outcome="ok"}'))
    sum += line === undefined ? 0 : Number(line.split(' ').pop())
  }
  return sum
}

t.test('30 concurrent /me over three instances cause exactly one refresh, rotation after rotation', async (t) => {
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const env = testEnv(emulator.url, { LOG_LEVEL: 'warn' })
  await prefixAdmin(t, REDIS_URL, env.REDIS_KEY_PREFIX as string)
  const instances = await startInstances(t, 3, env)
  const urls = instances.map((i) => i.url)
  const c = emulator.controls
  c.setAccessTokenTtl(2)
  // Started, approved and redeemed on three different instances.
  const { token, session } = await loginOver([urls[0] as string, urls[1] as string, urls[2] as string], emulator)
  c.setDelay('token', 300)

  for (let round = 1; round <= 2; round++) {
    await sleep(2100) // the access token has expired
    const before = c.counts
    t.equal(before.token_refresh, round - 1, 'nothing was refreshed while no request came (no timer)')
    const answers = await Promise.all(Array.from({ length: BURST }, (_v, i) => me(urls[i % urls.length] as string, token)))
    const after = c.counts
    const statuses = answers.map((a) => a.status)
    t.same(statuses, Array(BURST).fill(200), `round ${round}: all ${BURST} answered 200`)
    t.ok(answers.every((a) => a.body?.data.user?.open_id === session.open_id), 'each with the user')
    t.equal(after.token_refresh - before.token_refresh, 1, `round ${round}: exactly one refresh at TikTok`)
    t.equal(after.token - before.token, 1, `round ${round}: no other call to the token endpoint`)
    t.equal(after.user_info - before.user_info, BURST, 'every request asked TikTok for the user')
    if (statuses.some((s) => s !== 200)) for (const i of instances) t.comment(i.logs().slice(-5).join('\n'))
  }
  // The rotated refresh token is the one stored: TikTok kept only the newest alive.
  t.equal(c.tokensOf(session.open_id).refreshTokens.length, 1)
  t.equal(await refreshesOk(urls), 2, 'the instances counted two successful refreshes between them')
})
