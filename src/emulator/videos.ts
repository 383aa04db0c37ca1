import { createHash } from 'node:crypto'
import type { VideoFieldName } from '../scopes/catalogue.js'
import { escapeHtml } from './html.js'
import { signedUrl } from './signed-url.js'
import { THEMES } from './video-themes.js'
import { SAMPLE_USERS, type SampleUser } from './users.js'

/** One of a sample user's videos: fixed data, the same in every run (no randomness, no clock). */
export interface SampleVideo {
  /** 19 digits: TikTok's ids carry the post time, in seconds, in their upper 32 bits. */
  readonly id: string
  readonly owner: SampleUser
  /** Epoch seconds; strictly decreasing along each user's list, so a millisecond cursor is exact. */
  readonly createTime: number
  readonly title: string
  readonly description: string
  readonly duration: number
  readonly width: number
  readonly height: number
  readonly likeCount: number
  readonly commentCount: number
  readonly shareCount: number
  readonly viewCount: number
  /**
   * Held back by trust and safety review: never listed or queried, but the list's cursor moves
   * past it, so the page that spans it is short while has_more stays true, as TikTok warns
   * (https://developers.tiktok.com/doc/tiktok-api-v2-video-list).
   */
  readonly underReview: boolean
}

type VideoValue = string | number

// The newest video of the first user, 2026-09-21 UTC; each user's videos go back about a day apart.
const NEWEST = 1_790_000_000
const DAY = 86_400

/** Deterministic numbers for one video: the bytes of a hash of its owner and position. */
function dice (user: SampleUser, index: number): (salt: number, below: number) => number {
  const bytes = createHash('sha256').update(`${user.id}:${index}`).digest()
  return (salt, below) => bytes.readUInt32BE((salt % 7) * 4) % below
}

function makeVideo (user: SampleUser, userIndex: number, index: number): SampleVideo {
  const theme = THEMES[user.id]
  if (theme === undefined) throw new Error(`no video theme for ${user.id}`)
  const roll = dice(user, index)
  // Less than half a day of jitter on a one-day step keeps the times strictly decreasing.
  const createTime = NEWEST - userIndex * 7919 - index * DAY - roll(0, DAY / 2)
  const id = ((BigInt(createTime) << 32n) | BigInt(roll(1, 2 ** 32))).toString()
  const subject = theme.subjects[index % theme.subjects.length] ?? ''
  const title = (theme.titles[index % theme.titles.length] ?? '{x}').replace('{x}', subject)
  const landscape = index % 11 === 4
  const small = index % 5 === 2
  const viewCount = Math.floor(theme.reach / 4) + roll(2, theme.reach * 2)
  return {
    id,
    owner: user,
    createTime,
    title,
    description: `${title} ${theme.hashtags}`.slice(0, 150),
    duration: 5 + roll(3, 176),
    width: landscape ? 1920 : small ? 720 : 1080,
    height: landscape ? 1080 : small ? 1280 : 1920,
    likeCount: Math.floor(viewCount / 12) + roll(4, 50),
    commentCount: Math.floor(viewCount / 300) + roll(5, 9),
    shareCount: Math.floor(viewCount / 900) + roll(6, 5),
    viewCount,
    underReview: theme.underReview.includes(index)
  }
}

const BY_OWNER = new Map<string, readonly SampleVideo[]>(SAMPLE_USERS.map((user, u) => {
  const count = THEMES[user.id]?.count ?? 0
  return [user.open_id, Array.from({ length: count }, (_, i) => makeVideo(user, u, i))]
}))

/** Every video of the user, newest first, those under review included. */
export function videosOf (openId: string): readonly SampleVideo[] {
  return BY_OWNER.get(openId) ?? []
}

/** A video of any sample user by id, under review or not. */
export function videoById (id: string): SampleVideo | undefined {
  for (const videos of BY_OWNER.values()) {
    const found = videos.find((v) => v.id === id)
    if (found !== undefined) return found
  }
  return undefined
}

// TikTok's embed snippet: a blockquote that https://www.tiktok.com/embed.js turns into a player.
function embedHtml (v: SampleVideo, shareUrl: string): string {
  const handle = escapeHtml(`@${v.owner.username}`)
  const profile = escapeHtml(`https://www.tiktok.com/@${v.owner.username}?refer=embed`)
  return `<blockquote class="tiktok-embed" cite="${escapeHtml(shareUrl)}" data-video-id="${v.id}" ` +
    'style="max-width: 605px;min-width: 325px;"> <section> ' +
    `<a target="_blank" title="${handle}" href="${profile}">${handle}</a> ${escapeHtml(v.description)} </section> </blockquote> ` +
    '<script async src="https://www.tiktok.com/embed.js"></script>'
}

/** Every field of TikTok's video object (https://developers.tiktok.com/doc/tiktok-api-v2-video-object). */
export function videoObject (v: SampleVideo, baseUrl: string): Record<VideoFieldName, VideoValue> {
  const shareUrl = `https://www.tiktok.com/@${v.owner.username}/video/${v.id}`
  return {
    id: v.id,
    create_time: v.createTime,
    cover_image_url: signedUrl(baseUrl, `/cover/${v.id}.svg`),
    share_url: shareUrl,
    video_description: v.description,
    duration: v.duration,
    height: v.height,
    width: v.width,
    title: v.title,
    embed_html: embedHtml(v, shareUrl),
    embed_link: `https://www.tiktok.com/player/v1/${v.id}`,
    like_count: v.likeCount,
    comment_count: v.commentCount,
    share_count: v.shareCount,
    view_count: v.viewCount
  }
}
