import { SCOPES } from '../scopes/catalogue.js'
import { SAMPLE_USERS } from './users.js'

export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#161823}' +
  'fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0}label{display:block;margin:.5rem 0}' +
  '.th{display:block;color:#555;margin-left:1.6rem}button{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem}' +
  'button[value=approve]{background:#fe2c55;color:#fff;border:0;border-radius:4px}'

function page (title: string, body: string): string {
  return '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`
}

export function errorPage (message: string): string {
  return page('TikTok emulator: error', `<h1>Something went wrong</h1><p id="error">${escapeHtml(message)}</p>` +
    '<p>The authorization request is invalid, so TikTok does not send you back to the app.</p>')
}

export interface ConsentParams {
  /** The authorize parameters to carry, unchanged, as hidden inputs. */
  readonly hidden: ReadonlyArray<readonly [string, string]>
  readonly clientKey: string
  readonly scopes: readonly string[]
  readonly action: string
}

export function consentPage (p: ConsentParams): string {
  const hidden = p.hidden
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n')
  const users = SAMPLE_USERS.map((u, i) =>
    `<label><input type="radio" name="user" value="${escapeHtml(u.id)}"${i === 0 ? ' checked' : ''}> ` +
    `${escapeHtml(u.display_name)} <small>@${escapeHtml(u.username)}</small></label>`).join('\n')
  const scopes = p.scopes.map((scope) => {
    const entry = SCOPES.find((s) => s.scope === scope)
    return `<label><input type="checkbox" name="scopes" value="${escapeHtml(scope)}" checked> ` +
      `<code>${escapeHtml(scope)}</code> <span lang="en">${escapeHtml(entry?.en ?? '')}</span>` +
      `<span class="th" lang="th">${escapeHtml(entry?.th ?? '')}</span></label>`
  }).join('\n')
  return page('Log in with TikTok (emulator)',
    '<h1>Log in with TikTok</h1>' +
    `<p>The app <code>${escapeHtml(p.clientKey)}</code> would like to access your TikTok account.</p>` +
    `<form method="post" action="${escapeHtml(p.action)}">\n${hidden}\n` +
    `<fieldset><legend>Sign in as · เข้าสู่ระบบในชื่อ</legend>\n${users}\n</fieldset>\n` +
    `<fieldset><legend>Allow access to · อนุญาตให้เข้าถึง</legend>\n${scopes}\n</fieldset>\n` +
    '<button type="submit" name="action" value="approve">Approve</button>\n' +
    '<button type="submit" name="action" value="deny">Deny</button>\n</form>')
}
