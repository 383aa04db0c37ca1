// THE tables of TikTok's scopes, user fields and video fields. The scope and user-field texts
// are TikTok's own, as its consent screen and its user object reference show them
// (https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info), in that order; the video
// fields are those of TikTok's video object
// (https://developers.tiktok.com/doc/tiktok-api-v2-video-object).
// Everything else derives from these tables: the `fields` enums, the response schemas and the
// OpenAPI document, the fields asked of TikTok, scope checks and the `/scopes` body.
// Adding a field is one line here.

export type FieldType = 'string' | 'boolean' | 'int32' | 'int64'

export interface ScopeEntry {
  readonly scope: string
  readonly en: string
  readonly th: string
}

export interface FieldEntry {
  readonly field: string
  readonly type: FieldType
  readonly scope: string
  readonly en: string
  readonly th: string
}

export const SCOPES = [
  { scope: 'user.info.basic', en: 'Access your profile info (avatar and display name)', th: 'เข้าถึงข้อมูลโปรไฟล์ของคุณ (รูปประจำตัวและชื่อที่แสดง)' },
  { scope: 'user.info.profile', en: 'Read additional profile info (bio, profile link, verified status)', th: 'อ่านข้อมูลโปรไฟล์เพิ่มเติมของคุณ เช่น คำอธิบายประวัติ ลิงก์โปรไฟล์ และสถานะการตรวจสอบยืนยันบัญชี' },
  { scope: 'artist.certification.read', en: 'Read your artist certification info', th: 'อ่านข้อมูลการรับรองศิลปินบนพื้นฐานของคุณ เช่น สถานะการรับรองศิลปิน' },
  { scope: 'artist.certification.update', en: 'Update your artist certification info', th: 'อัปเดตข้อมูลการรับรองศิลปินของคุณ' },
  { scope: 'video.list', en: 'Read your public videos on TikTok', th: 'อ่านวิดีโอสาธารณะของคุณบน TikTok' },
  { scope: 'user.info.stats', en: 'Read your user statistics (follower count, following count, likes count, video count)', th: 'อ่านข้อมูลสถิติผู้ใช้ของคุณ เช่น จำนวนผู้ติดตาม จำนวนผู้ติดตาม จำนวนการกดไลก์ และจำนวนวิดีโอ' }
] as const satisfies readonly ScopeEntry[]

export const FIELDS = [
  { field: 'open_id', type: 'string', scope: 'user.info.basic', en: 'The unique identification of the user in the current application.', th: 'รหัสประจำตัวผู้ใช้ที่ไม่ซ้ำกันในแอปพลิเคชันปัจจุบัน' },
  { field: 'union_id', type: 'string', scope: 'user.info.basic', en: 'The unique identification of the user across different apps for the same developer. For example, if a partner has X number of clients, it will get X number of open_id for the same TikTok user, but one persistent union_id for the particular user.', th: 'รหัสประจำตัวผู้ใช้ที่ไม่ซ้ำกันข้ามแอปต่างๆ สำหรับนักพัฒนาคนเดียวกัน ตัวอย่างเช่น หากพาร์ทเนอร์มีไคลเอนต์ X ตัว จะได้รับ open_id X ตัวสำหรับผู้ใช้ TikTok คนเดียวกัน แต่จะมี union_id เดียวที่ถาวรสำหรับผู้ใช้นั้น' },
  { field: 'avatar_url', type: 'string', scope: 'user.info.basic', en: "User's profile image.", th: 'รูปโปรไฟล์ของผู้ใช้' },
  { field: 'avatar_url_100', type: 'string', scope: 'user.info.basic', en: "User's profile image in 100x100 size.", th: 'รูปโปรไฟล์ของผู้ใช้ขนาด 100x100' },
  { field: 'avatar_large_url', type: 'string', scope: 'user.info.basic', en: "User's profile image with higher resolution.", th: 'รูปโปรไฟล์ของผู้ใช้ที่มีความละเอียดสูง' },
  { field: 'display_name', type: 'string', scope: 'user.info.basic', en: "User's profile name.", th: 'ชื่อโปรไฟล์ของผู้ใช้' },
  { field: 'bio_description', type: 'string', scope: 'user.info.profile', en: "User's bio description if there is a valid one.", th: 'คำอธิบายประวัติของผู้ใช้ (ถ้ามี)' },
  { field: 'profile_deep_link', type: 'string', scope: 'user.info.profile', en: "The link to user's TikTok profile page.", th: 'ลิงก์ไปยังหน้าโปรไฟล์ TikTok ของผู้ใช้' },
  { field: 'is_verified', type: 'boolean', scope: 'user.info.profile', en: 'Whether TikTok has provided a verified badge to the account after confirming that it belongs to the user it represents.', th: 'บัญชีนี้ได้รับการยืนยันจาก TikTok หรือไม่' },
  { field: 'username', type: 'string', scope: 'user.info.profile', en: "User's username.", th: 'ชื่อผู้ใช้ (Username)' },
  { field: 'follower_count', type: 'int64', scope: 'user.info.stats', en: "User's followers count.", th: 'จำนวนผู้ติดตาม' },
  { field: 'following_count', type: 'int64', scope: 'user.info.stats', en: 'The number of accounts that the user is following.', th: 'จำนวนบัญชีที่ผู้ใช้กำลังติดตาม' },
  { field: 'likes_count', type: 'int64', scope: 'user.info.stats', en: 'The total number of likes received by the user across all of their videos.', th: 'จำนวนไลก์ทั้งหมดที่ผู้ใช้ได้รับจากวิดีโอทั้งหมด' },
  { field: 'video_count', type: 'int64', scope: 'user.info.stats', en: 'The total number of publicly posted videos by the user.', th: 'จำนวนวิดีโอที่ผู้ใช้โพสต์ต่อสาธารณะ' }
] as const satisfies readonly FieldEntry[]

/** TikTok's video object (Display API); every field needs `video.list`. */
export const VIDEO_FIELDS = [
  { field: 'id', type: 'string', scope: 'video.list', en: 'Unique identifier of the TikTok video.', th: 'รหัสประจำตัวที่ไม่ซ้ำกันของวิดีโอ TikTok' },
  { field: 'create_time', type: 'int64', scope: 'video.list', en: 'When the video was posted, in UTC Unix epoch seconds.', th: 'เวลาที่โพสต์วิดีโอ เป็นวินาทีตามเวลา Unix (UTC)' },
  { field: 'cover_image_url', type: 'string', scope: 'video.list', en: 'A CDN link to the video\'s static cover image; the signed link lives 6 hours.', th: 'ลิงก์ CDN ของภาพปกวิดีโอ ลิงก์ที่ลงนามมีอายุ 6 ชั่วโมง' },
  { field: 'share_url', type: 'string', scope: 'video.list', en: 'A shareable link to the video.', th: 'ลิงก์สำหรับแชร์วิดีโอนี้' },
  { field: 'video_description', type: 'string', scope: 'video.list', en: 'The description the creator set for the video (at most 150 characters).', th: 'คำอธิบายวิดีโอที่ผู้สร้างตั้งไว้ (ไม่เกิน 150 ตัวอักษร)' },
  { field: 'duration', type: 'int32', scope: 'video.list', en: 'The duration of the video in seconds.', th: 'ความยาวของวิดีโอเป็นวินาที' },
  { field: 'height', type: 'int32', scope: 'video.list', en: 'The height of the video in pixels.', th: 'ความสูงของวิดีโอเป็นพิกเซล' },
  { field: 'width', type: 'int32', scope: 'video.list', en: 'The width of the video in pixels.', th: 'ความกว้างของวิดีโอเป็นพิกเซล' },
  { field: 'title', type: 'string', scope: 'video.list', en: 'The video title (at most 150 characters).', th: 'ชื่อวิดีโอ (ไม่เกิน 150 ตัวอักษร)' },
  { field: 'embed_html', type: 'string', scope: 'video.list', en: 'HTML code that embeds the video.', th: 'โค้ด HTML สำหรับฝังวิดีโอ' },
  { field: 'embed_link', type: 'string', scope: 'video.list', en: 'The video\'s embed link on tiktok.com.', th: 'ลิงก์สำหรับฝังวิดีโอบน tiktok.com' },
  { field: 'like_count', type: 'int32', scope: 'video.list', en: 'The number of likes on the video.', th: 'จำนวนไลก์ของวิดีโอ' },
  { field: 'comment_count', type: 'int32', scope: 'video.list', en: 'The number of comments on the video.', th: 'จำนวนความคิดเห็นของวิดีโอ' },
  { field: 'share_count', type: 'int32', scope: 'video.list', en: 'The number of times the video was shared.', th: 'จำนวนครั้งที่วิดีโอถูกแชร์' },
  { field: 'view_count', type: 'int64', scope: 'video.list', en: 'The number of views of the video.', th: 'จำนวนการดูวิดีโอ' }
] as const satisfies readonly FieldEntry[]

export type ScopeName = typeof SCOPES[number]['scope']
export type VideoFieldName = typeof VIDEO_FIELDS[number]['field']
export const VIDEO_FIELD_NAMES: readonly VideoFieldName[] = VIDEO_FIELDS.map((f) => f.field)

const videoFieldByName = new Map<string, FieldEntry>(VIDEO_FIELDS.map((f) => [f.field, f]))

export function isVideoField (name: string): name is VideoFieldName {
  return videoFieldByName.has(name)
}

export function videoFieldEntry (name: VideoFieldName): FieldEntry {
  return videoFieldByName.get(name) as FieldEntry
}
export type FieldName = typeof FIELDS[number]['field']

export const SCOPE_NAMES: readonly ScopeName[] = SCOPES.map((s) => s.scope)
export const FIELD_NAMES: readonly FieldName[] = FIELDS.map((f) => f.field)

const fieldByName = new Map<string, FieldEntry>(FIELDS.map((f) => [f.field, f]))
const scopeNames = new Set<string>(SCOPE_NAMES)

export function isField (name: string): name is FieldName {
  return fieldByName.has(name)
}

export function isScope (name: string): name is ScopeName {
  return scopeNames.has(name)
}

export function fieldEntry (name: FieldName): FieldEntry {
  return fieldByName.get(name) as FieldEntry
}

/** The fields a scope unlocks, in catalogue order (empty for scopes that unlock no user field). */
export function fieldsOfScope (scope: string): FieldName[] {
  return FIELDS.filter((f) => f.scope === scope).map((f) => f.field)
}

/** The description of a field as the OpenAPI document carries it: English, newline, Thai. */
export function bilingual (entry: { en: string, th: string }): string {
  return `${entry.en}\n${entry.th}`
}
