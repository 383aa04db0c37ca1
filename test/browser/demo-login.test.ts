import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/index.js'
import { SAMPLE_USERS, startEmulator, type Emulator } from '../../src/emulator/index.js'
import { videosOf } from '../../src/emulator/videos.js'
import { REDIS_URL, captureLogs, testEnv } from '../helper.js'
import { freePort } from '../support/net.js'
import { deleteUnder } from '../support/redis-keys.js'

// A real browser (Debian's Chromium, headless) through the dev demo app: the demo page, "Sign
// in with TikTok", the emulator's consent page, back to the app with the profile and the
// videos ("More" pages through them), "Remove access in TikTok" through the emulator's signed
// webhook; Approve, Deny and partial consent; and /docs under its own CSP. Screenshots go to
// test-artifacts/browser/ (gitignored). No Chromium is a failure, never a skip.

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = path.resolve('test-artifacts', 'browser')
const SOMCHAI = SAMPLE_USERS[0] as typeof SAMPLE_USERS[number]

let emulator: Emulator
let app: FastifyInstance
let config: Config
let base: string
let browser: BrowserContext
let profileDir: string
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
const logs = captureLogs()

t.before(async () => {
  emulator = await startEmulator()
  // PUBLIC_BASE_URL must be the origin the browser really uses: pick the port first.
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  config = loadConfig(testEnv(emulator.url, { PORT: String(port), PUBLIC_BASE_URL: base, APP_REDIRECT_URIS: `${base}/demo/` }))
  app = await buildApp(config, { demo: true, loggerInstance: logs.logger })
  await app.listen({ host: '127.0.0.1', port })
  emulator.controls.setWebhookUrl(`${base}/webhooks/tiktok`)
  await redis.connect()
  await mkdir(ARTIFACTS, { recursive: true })
  profileDir = await mkdtemp(path.join(os.tmpdir(), 'tiktok-bff-chromium-'))
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
  })
  browser.setDefaultTimeout(15_000)
})

t.teardown(async () => {
  await browser?.close()
  await app?.close()
  await emulator?.close()
  await deleteUnder(redis, config.store.keyPrefix)
  redis.disconnect()
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true })
})

/** A new tab (its own sessionStorage) that records every URL it visits and every CSP violation. */
async function open (): Promise<{ page: Page, visited: string[], violations: string[] }> {
  const page = await browser.newPage()
  const visited: string[] = []
  const violations: string[] = []
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) visited.push(frame.url()) })
  page.on('console', (msg) => { if (/Content Security Policy|Refused to/.test(msg.text())) violations.push(msg.text()) })
  return { page, visited, violations }
}

async function signIn (page: Page, shot: string): Promise<void> {
  await page.goto(`${base}/demo/`)
  await page.getByRole('button', { name: 'Sign in with TikTok' }).click()
  await page.waitForURL((url) => url.href.startsWith(`${emulator.url}/v2/auth/authorize/`))
  await page.getByRole('button', { name: 'Approve' }).waitFor()
  await page.screenshot({ path: path.join(ARTIFACTS, shot) })
}

function tiktokTokens (openId: string): string[] {
  const { accessTokens, refreshTokens } = emulator.controls.tokensOf(openId)
  return [...accessTokens, ...refreshTokens]
}

t.test('approve: the demo app shows the profile, and never holds a TikTok token', async (t) => {
  const { page, visited, violations } = await open()
  await signIn(page, 'approve-1-consent.png')
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.locator('#display-name').waitFor()
  await page.screenshot({ path: path.join(ARTIFACTS, 'approve-2-profile.png'), fullPage: true })

  t.equal(await page.locator('#display-name').textContent(), SOMCHAI.display_name, 'the first sample user\'s display name')
  const user = JSON.parse(await page.locator('#user').textContent() ?? '{}') as Record<string, unknown>
  t.equal(user.open_id, SOMCHAI.open_id)
  t.equal(user.follower_count, SOMCHAI.follower_count, 'all scopes granted: stats are there')
  t.equal(page.url(), `${base}/demo/`, 'the handoff code left the address bar')
  t.ok(visited.some((u) => u.startsWith(`${base}/demo/?code=`)), 'the app was sent back with a handoff code')

  const tokens = tiktokTokens(SOMCHAI.open_id)
  t.ok(tokens.length >= 2, 'TikTok issued tokens')
  const html = await page.content()
  const storage = String(await page.evaluate('JSON.stringify(Object.entries(sessionStorage))'))
  for (const token of tokens) {
    t.notOk(html.includes(token) || storage.includes(token), 'no TikTok token in the page or its storage')
    t.notOk(visited.some((u) => u.includes(token) || u.includes(encodeURIComponent(token))), 'no TikTok token in any URL visited')
    t.notOk(logs.lines.some((l) => l.includes(token)), 'no TikTok token in the service\'s logs')
  }
  t.match(String(await page.evaluate('sessionStorage.getItem("token")')), /^[A-Za-z0-9_-]{43}$/, 'the app holds only its session token')
  t.same(violations, [], 'no CSP violation')

  await page.getByRole('button', { name: 'Log out' }).click()
  await page.getByText('Logged out.').waitFor()
  t.equal((await redis.keys(`${config.store.keyPrefix}s:*`)).length, 0, 'the session is gone from the store')
  t.same(tiktokTokens(SOMCHAI.open_id), [], 'and TikTok\'s grant is revoked')
  await page.close()
})

t.test('videos: the first page, "More" until all are shown; "Remove access in TikTok" ends the session', async (t) => {
  const { page, violations } = await open()
  await signIn(page, 'videos-1-consent.png')
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.locator('#videos li').first().waitFor()
  const visible = videosOf(SOMCHAI.open_id).filter((v) => !v.underReview)
  const firstPage = await page.locator('#videos li').count()
  t.ok(firstPage > 0 && firstPage <= 6, `the first page (${firstPage} videos)`)
  t.equal(await page.locator('#videos li .title').first().textContent(), visible[0]?.title, 'newest first, with its title')
  t.match(await page.locator('#videos li img').first().getAttribute('src'), new RegExp(`^${emulator.url}/`), 'the cover from TikTok\'s CDN (the emulator)')
  await page.screenshot({ path: path.join(ARTIFACTS, 'videos-2-first-page.png'), fullPage: true })
  for (let i = 0; i < 10 && await page.locator('#more').isVisible(); i++) {
    const before = await page.locator('#videos li').count()
    await page.getByRole('button', { name: 'More' }).click()
    // The next page arrived, or there is none: waited for by selector (the page's CSP allows no eval).
    await page.locator(`#videos li:nth-child(${before + 1}), #more[hidden]`).first().waitFor()
  }
  await page.getByText(/videos, all shown/).waitFor()
  t.equal(await page.locator('#videos li').count(), visible.length, 'every video once')
  await page.screenshot({ path: path.join(ARTIFACTS, 'videos-3-all.png'), fullPage: true })

  await page.getByRole('button', { name: 'Remove access in TikTok' }).click()
  await page.getByText('Access removed in TikTok: your session has ended.').waitFor()
  await page.screenshot({ path: path.join(ARTIFACTS, 'videos-4-removed.png'), fullPage: true })
  t.equal(page.url(), `${base}/demo/`)
  t.equal(await page.evaluate('sessionStorage.getItem("token")'), null, 'the app dropped its session token')
  t.equal((await redis.keys(`${config.store.keyPrefix}s:*`)).length, 0, 'the session is gone from the store')
  t.same(tiktokTokens(SOMCHAI.open_id), [], 'TikTok ended the grant')
  t.same(violations, [], 'no CSP violation')
  await page.close()
})

t.test('deny: the demo app shows access_denied and holds no session', async (t) => {
  const { page, violations } = await open()
  await signIn(page, 'deny-1-consent.png')
  await page.getByRole('button', { name: 'Deny' }).click()
  await page.getByText(/Login did not complete: access_denied/).waitFor()
  await page.screenshot({ path: path.join(ARTIFACTS, 'deny-2-app.png'), fullPage: true })
  t.match(await page.locator('#out').textContent(), /access_denied/)
  t.equal(await page.evaluate('sessionStorage.getItem("token")'), null, 'no session token')
  t.equal(await page.getByRole('button', { name: 'Sign in with TikTok' }).count(), 1, 'the app offers to sign in again')
  t.same(violations, [], 'no CSP violation')
  await page.close()
})

t.test('partial consent: without user.info.stats the profile has no follower_count', async (t) => {
  const { page } = await open()
  await signIn(page, 'partial-1-consent.png')
  await page.locator('input[name="scopes"][value="user.info.stats"]').uncheck()
  await page.locator('input[name="scopes"][value="video.list"]').uncheck()
  await page.screenshot({ path: path.join(ARTIFACTS, 'partial-2-unticked.png') })
  await page.getByRole('button', { name: 'Approve' }).click()
  await page.locator('#display-name').waitFor()
  await page.screenshot({ path: path.join(ARTIFACTS, 'partial-3-profile.png'), fullPage: true })
  const user = JSON.parse(await page.locator('#user').textContent() ?? '{}') as Record<string, unknown>
  t.equal(user.display_name, SOMCHAI.display_name)
  t.equal(user.username, SOMCHAI.username, 'user.info.profile was granted')
  for (const field of ['follower_count', 'following_count', 'likes_count', 'video_count']) t.notOk(field in user, `no ${field}`)
  await page.getByText('Not shared: you did not grant video.list.').waitFor()
  t.equal(await page.locator('#videos li').count(), 0, 'no videos without video.list')
  await page.close()
})

t.test('/docs renders in the browser under its own CSP', async (t) => {
  const { page, violations } = await open()
  const res = await page.goto(`${base}/docs`)
  t.match(res?.headers()['content-security-policy'], /script-src 'self'/, 'swagger-ui\'s CSP, not the API\'s')
  await page.locator('.swagger-ui .info .title').waitFor()
  t.match(await page.locator('.swagger-ui .info .title').textContent(), /tiktok-bff/)
  t.ok(await page.locator('.opblock').count() > 5, 'the operations are listed')
  await page.screenshot({ path: path.join(ARTIFACTS, 'docs.png') })
  // Swagger UI sets one inline style its own staticCSP refuses (cosmetic); scripts, fetches and
  // frames must all pass.
  t.same(violations.filter((v) => !/inline style/.test(v)), [], 'no CSP violation but swagger-ui\'s own inline style')
  await page.close()
})
