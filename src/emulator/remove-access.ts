import type { FastifyError, FastifyPluginAsync } from 'fastify'
import type { EmulatorContext } from './context.js'
import { readForm, single, toForm } from './form.js'
import { sendHtml } from './html.js'
import { httpUrlProblem } from './http-url.js'
import { problemPage, removeAccessPage, removedPage } from './remove-access-page.js'
import { SAMPLE_USERS, userByOpenId } from './users.js'

// GET  /remove-access?open_id=…&return_to=…  the user's "Remove access" button (every sample user without open_id)
// POST /remove-access (form: open_id, return_to?, reason?)  ends the user's grants, sends the
//      signed webhook, then 303 to return_to, or a page saying what happened.
// A demo page on another origin links or posts here and expects to come back, so return_to must
// be an absolute http(s) URL without a fragment; anything else gets the result page instead.
export function removeAccessRoutes (ctx: EmulatorContext): FastifyPluginAsync {
  const { options, controls } = ctx
  return async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if ((err.statusCode ?? 500) >= 500) request.log.error({ err }, 'emulator failure')
      return sendHtml(reply, err.statusCode ?? 500, problemPage('The request could not be read.'))
    })

    app.get('/remove-access', async (request, reply) => {
      const query = toForm(request.query) ?? {}
      const openId = single(query, 'open_id')
      const user = openId === undefined ? undefined : userByOpenId(openId)
      if (openId !== undefined && user === undefined) return sendHtml(reply, 404, problemPage('No sample user has this open_id.'))
      return sendHtml(reply, 200, removeAccessPage({
        users: user === undefined ? SAMPLE_USERS : [user],
        clientKey: options.clientKey,
        action: request.url.split('?')[0] ?? '/remove-access',
        returnTo: single(query, 'return_to')
      }))
    })

    app.post('/remove-access', async (request, reply) => {
      const form = readForm(request)
      const user = form === undefined ? undefined : userByOpenId(single(form, 'open_id') ?? '')
      if (form === undefined || user === undefined) return sendHtml(reply, 400, problemPage('Choose a sample user (open_id).'))
      // 1 = disconnected in the TikTok app, which is what this page stands for.
      const reason = single(form, 'reason') ?? '1'
      if (!/^[0-5]$/.test(reason)) return sendHtml(reply, 400, problemPage('reason must be 0 to 5.'))
      const delivery = await controls.removeAccess(user.open_id, Number(reason))
      request.log.info({ webhook: delivery }, 'access removed')
      const returnTo = single(form, 'return_to')
      const problem = returnTo === undefined ? undefined : httpUrlProblem(returnTo, 'return_to')
      if (returnTo !== undefined && problem === undefined) return reply.redirect(returnTo, 303)
      return sendHtml(reply, 200, removedPage(user, delivery, problem === undefined ? undefined : `${problem} You were not sent back.`))
    })
  }
}
