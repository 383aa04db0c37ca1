import type { FastifyPluginAsync } from 'fastify'
import { avatarSvg, userByOpenId } from './users.js'

// Stands in for TikTok's CDN so avatar URLs load offline; the signature query is ignored.
export const avatarRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { file: string }, Querystring: { size?: string } }>('/avatar/:file', async (request, reply) => {
    const user = userByOpenId(request.params.file.replace(/\.svg$/, ''))
    if (user === undefined || !request.params.file.endsWith('.svg')) return reply.code(404).send({ error: 'not_found' })
    const asked = Number(request.query.size)
    const size = Number.isInteger(asked) && asked >= 16 && asked <= 1080 ? asked : 168
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(avatarSvg(user, size))
  })
}
