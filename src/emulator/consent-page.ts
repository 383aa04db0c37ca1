import { SCOPES } from '../scopes/catalogue.js'
import { escapeHtml, page } from './html.js'
import { SAMPLE_USERS } from './users.js'

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
