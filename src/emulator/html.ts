import type { FastifyReply } from 'fastify'

// The emulator's few HTML pages (consent, remove access): one shell, everything escaped.

export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#161823}' +
  'fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0}label{display:block;margin:.5rem 0}' +
  '.th{display:block;color:#555;margin-left:1.6rem}button{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem}' +
  'button[value=approve],button[value=remove]{background:#fe2c55;color:#fff;border:0;border-radius:4px}'

/** `title` is text; `body` is HTML its caller has escaped. */
export function page (title: string, body: string): string {
  return '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`
}

/** Never cached, never framed: these pages act on a user's account (clickjacking). */
export function sendHtml (reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8')
    .header('cache-control', 'no-store').header('x-frame-options', 'DENY').send(body)
}
