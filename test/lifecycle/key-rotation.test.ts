import { randomBytes } from 'node:crypto'
import t from 'tap'
import { startEmulator } from '../../src/emulator/index.js'
import { keyId } from '../../src/session/crypto.js'
import { createKeys, digest } from '../../src/session/keys.js'
import type { SessionRecord } from '../../src/session/store.js'
import { REDIS_URL, storedRecord, testEnv } from '../helper.js'
import { startApp } from '../support/instances.js'
import { begin, callback, loginOver, me, redeem } from '../support/http.js'
import { prefixAdmin } from '../support/redis-keys.js'

// TOKEN_ENCRYPTION_KEYS rotation, as README "Rotating TOKEN_ENCRYPTION_KEYS" tells
// an operator to do it: deploy "new,old", let writes re-seal, then drop the old key. Each step
// is a new app on the same Redis prefix, as a rolling deploy would be.

t.test('rotating TOKEN_ENCRYPTION_KEYS: old values open, the next write re-seals, then the old key can go', async (t) => {
  const emulator = await startEmulator()
  t.teardown(() => emulator.close())
  const [oldKey, newKey, strayKey] = [randomBytes(32), randomBytes(32), randomBytes(32)]
  const base = testEnv(emulator.url, { LOG_LEVEL: 'warn' })
  const prefix = base.REDIS_KEY_PREFIX as string
  const admin = await prefixAdmin(t, REDIS_URL, prefix)
  const withKeys = (...keys: Buffer[]): Promise<Awaited<ReturnType<typeof startApp>>> =>
    startApp(t, { ...base, TOKEN_ENCRYPTION_KEYS: keys.map((k) => k.toString('base64')).join(',') })
  const sealedWith = async (token: string): Promise<string[]> => {
    const r = storedRecord<SessionRecord>(await admin.get(createKeys(prefix).session(digest(token)))) as SessionRecord
    return [r.at, r.rt].map((v) => v.split('.')[0] as string)
  }

  const before = await withKeys(oldKey)
  const { token } = await loginOver(before.url, emulator)
  const idle = await loginOver(before.url, emulator) // never used again before the old key goes
  const halfway = await begin(before.url) // a login in flight across the deploy
  const { handoff } = await callback(before.url, emulator, halfway)
  t.same(await sealedWith(token), [keyId(oldKey), keyId(oldKey)])

  const added = await withKeys(oldKey, newKey) // step 1: every instance learns the new key
  const stepOne = await loginOver(added.url, emulator)
  t.same(await sealedWith(stepOne.token), [keyId(oldKey), keyId(oldKey)], 'the first key still seals')

  const during = await withKeys(newKey, oldKey) // step 2: the new key seals
  t.equal((await me(during.url, token)).status, 200, 'values sealed with the old key open')
  t.same(await sealedWith(token), [keyId(oldKey), keyId(oldKey)], 'a read writes nothing')
  const late = await redeem(during.url, handoff, halfway.verifier)
  t.ok(late.token, 'a handoff sealed before the deploy is redeemed after it')
  emulator.controls.expireAccessTokens() // the next write: a refresh
  t.equal((await me(during.url, token)).status, 200)
  t.equal(emulator.controls.counts.token_refresh, 1)
  t.same(await sealedWith(token), [keyId(newKey), keyId(newKey)], 're-sealed with the first key on its next write')

  const after = await withKeys(newKey) // step 3: the old key goes
  t.equal((await me(after.url, token)).status, 200, 'the old key is no longer needed for this session')
  t.equal((await me(after.url, late.token)).status, 200, 'nor for sessions made during the deploy')
  const unreadable = await me(after.url, idle.token)
  t.equal(unreadable.status, 401, 'a session never rewritten since needs the old key: dropping it early logs that user out')
  t.equal(unreadable.body?.error.code, 'access_token_invalid')
  t.equal(await admin.exists(createKeys(prefix).session(digest(idle.token))), 1, 'its record is kept, though')
  const undo = await withKeys(newKey, oldKey)
  t.equal((await me(undo.url, idle.token)).status, 200, 'so putting the old key back undoes a premature removal')

  const wrong = await withKeys(strayKey)
  t.equal((await me(wrong.url, token)).status, 401, 'no configured key opens it: 401, never a 500')
})
