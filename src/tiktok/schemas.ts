import { Type } from 'typebox'
import { Compile } from 'typebox/compile'

// TikTok's answers are checked before use (https://developers.tiktok.com/doc/oauth-user-access-token-management,
// https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info). Unknown keys are tolerated.

export const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  expires_in: Type.Number({ minimum: 1 }),
  open_id: Type.String({ minLength: 1 }),
  refresh_token: Type.String({ minLength: 1 }),
  refresh_expires_in: Type.Number({ minimum: 1 }),
  scope: Type.String()
})

export const OAuthErrorResponse = Type.Object({
  error: Type.String({ minLength: 1 }),
  error_description: Type.Optional(Type.String()),
  log_id: Type.Optional(Type.String())
})

export const UserInfoResponse = Type.Object({
  // The user is an object; its fields are typed one by one as they are picked (scopes/select.ts).
  data: Type.Optional(Type.Union([Type.Object({ user: Type.Optional(Type.Object({})) }), Type.Null()])),
  error: Type.Object({
    code: Type.String({ minLength: 1 }),
    message: Type.Optional(Type.String()),
    log_id: Type.Optional(Type.String())
  })
})

/** The Display API's list and query answers (https://developers.tiktok.com/doc/tiktok-api-v2-video-list). */
export const VideoPageResponse = Type.Object({
  data: Type.Optional(Type.Union([Type.Object({
    videos: Type.Optional(Type.Array(Type.Object({}))),
    cursor: Type.Optional(Type.Integer()),
    has_more: Type.Optional(Type.Boolean())
  }), Type.Null()])),
  error: Type.Object({
    code: Type.String({ minLength: 1 }),
    message: Type.Optional(Type.String()),
    log_id: Type.Optional(Type.String())
  })
})

export const checkToken = Compile(TokenResponse)
export const checkVideoPage = Compile(VideoPageResponse)
export const checkOAuthError = Compile(OAuthErrorResponse)
export const checkUserInfo = Compile(UserInfoResponse)
