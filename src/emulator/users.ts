import type { FieldName } from '../scopes/catalogue.js'
import { escapeHtml } from './html.js'
import { signedUrl } from './signed-url.js'

/** A TikTok account to sign in as on the consent page. Avatar URLs are derived per request (see profileOf). */
export interface SampleUser {
  /** Value of the consent page's radio button. */
  readonly id: string
  readonly open_id: string
  readonly union_id: string
  readonly display_name: string
  /** Absent, not null, when the user wrote none: TikTok omits it. */
  readonly bio_description?: string
  readonly profile_deep_link: string
  readonly is_verified: boolean
  readonly username: string
  readonly follower_count: number
  readonly following_count: number
  readonly likes_count: number
  readonly video_count: number
  /** Colour of the generated avatar. */
  readonly colour: string
}

export const SAMPLE_USERS: readonly SampleUser[] = [
  {
    id: 'somchai',
    open_id: '723f24d7-e717-40f8-a2b6-cb8464cd23b4',
    union_id: 'c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1',
    display_name: 'สมชาย ใจดี',
    bio_description: 'ชอบทำอาหาร 🍜 | Bangkok street food & <b>"quotes"</b>',
    profile_deep_link: 'https://vm.tiktok.com/ZMsomchai1/',
    is_verified: true,
    username: 'somchai.jaidee',
    follower_count: 1234567,
    following_count: 321,
    likes_count: 1234567890123,
    video_count: 842,
    colour: '#fe2c55'
  },
  {
    id: 'emma',
    open_id: '5b0c8a1e-3f4d-4e2a-9c61-0d7e2f9a4b13',
    union_id: '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
    display_name: 'Emma Walker',
    profile_deep_link: 'https://vm.tiktok.com/ZMemmawalk/',
    is_verified: false,
    username: 'emma.walks',
    follower_count: 87,
    following_count: 1502,
    likes_count: 4031,
    video_count: 12,
    colour: '#25f4ee'
  },
  {
    id: 'nok',
    open_id: 'a1d2c3b4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    union_id: 'f0e1d2c3-b4a5-4968-8776-655443322110',
    display_name: 'นก Nok 🐦',
    bio_description: 'Designer ✏️ นักออกแบบ',
    profile_deep_link: 'https://vm.tiktok.com/ZMnokbird/',
    is_verified: false,
    username: 'nok_bird',
    follower_count: 0,
    following_count: 0,
    likes_count: 0,
    video_count: 0,
    colour: '#8a2be2'
  }
]

export function userByOpenId (openId: string): SampleUser | undefined {
  return SAMPLE_USERS.find((u) => u.open_id === openId)
}

export function userById (id: string): SampleUser | undefined {
  return SAMPLE_USERS.find((u) => u.id === id)
}

type ProfileValue = string | number | boolean

function avatar (baseUrl: string, user: SampleUser, size: number): string {
  return signedUrl(baseUrl, `/avatar/${user.open_id}.svg`, [['size', String(size)]])
}

/** Every field the user has, keyed by catalogue field name. */
export function profileOf (user: SampleUser, baseUrl: string): Partial<Record<FieldName, ProfileValue>> {
  const profile: Partial<Record<FieldName, ProfileValue>> = {
    open_id: user.open_id,
    union_id: user.union_id,
    avatar_url: avatar(baseUrl, user, 168),
    avatar_url_100: avatar(baseUrl, user, 100),
    avatar_large_url: avatar(baseUrl, user, 720),
    display_name: user.display_name,
    profile_deep_link: user.profile_deep_link,
    is_verified: user.is_verified,
    username: user.username,
    follower_count: user.follower_count,
    following_count: user.following_count,
    likes_count: user.likes_count,
    video_count: user.video_count
  }
  if (user.bio_description !== undefined) profile.bio_description = user.bio_description
  return profile
}

export function avatarSvg (user: SampleUser, size: number): string {
  const initial = Array.from(user.display_name)[0] ?? '?'
  const text = escapeHtml(initial)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<circle cx="50" cy="50" r="50" fill="${user.colour}"/>` +
    `<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="48" fill="#fff">${text}</text></svg>\n`
}
