import { escapeHtml, page } from './html.js'
import type { SampleUser } from './users.js'
import type { WebhookDelivery } from './webhook.js'

// Stands in for the TikTok app's "Manage app permissions" screen, where a user removes an app's
// access; TikTok then sends the app `authorization.removed` (https://developers.tiktok.com/doc/webhooks-events).

export interface RemoveAccessParams {
  readonly users: readonly SampleUser[]
  readonly clientKey: string
  /** The form's own path, so the page works wherever the emulator is mounted. */
  readonly action: string
  readonly returnTo: string | undefined
}

function userForm (user: SampleUser, p: RemoveAccessParams): string {
  const returnTo = p.returnTo === undefined ? '' : `<input type="hidden" name="return_to" value="${escapeHtml(p.returnTo)}">\n`
  return `<form method="post" action="${escapeHtml(p.action)}"><fieldset>` +
    `<legend><img src="/avatar/${escapeHtml(user.open_id)}.svg?size=48" alt="" width="48" height="48"> ` +
    `${escapeHtml(user.display_name)} <small>@${escapeHtml(user.username)}</small></legend>\n` +
    `<input type="hidden" name="open_id" value="${escapeHtml(user.open_id)}">\n${returnTo}` +
    '<button type="submit" name="action" value="remove">Remove access</button></fieldset></form>'
}

export function removeAccessPage (p: RemoveAccessParams): string {
  return page('Manage app permissions (emulator)',
    '<h1>Manage app permissions · จัดการสิทธิ์ของแอป</h1>' +
    `<p>The app <code>${escapeHtml(p.clientKey)}</code> can access this TikTok account. Removing its access ends every ` +
    'token it holds, and TikTok tells the app with an <code>authorization.removed</code> webhook.</p>\n' +
    p.users.map((u) => userForm(u, p)).join('\n'))
}

export function removedPage (user: SampleUser, delivery: WebhookDelivery, note: string | undefined): string {
  const outcome = delivery.delivered
    ? `The webhook was delivered: the app answered HTTP ${delivery.status}.`
    : `The webhook was not delivered: ${delivery.error}`
  return page('Access removed (emulator)',
    `<h1>Access removed</h1><p>${escapeHtml(user.display_name)} <small>@${escapeHtml(user.username)}</small> ` +
    'no longer shares their account with the app; its tokens no longer work.</p>' +
    `<p id="webhook">${escapeHtml(outcome)}</p>` + (note === undefined ? '' : `<p id="note">${escapeHtml(note)}</p>`))
}

export function problemPage (message: string): string {
  return page('TikTok emulator: error', `<h1>Something went wrong</h1><p id="error">${escapeHtml(message)}</p>`)
}
