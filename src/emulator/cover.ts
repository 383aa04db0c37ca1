import type { FastifyPluginAsync } from 'fastify'
import { escapeHtml } from './html.js'
import { videoById, type SampleVideo } from './videos.js'

function coverSvg (v: SampleVideo): string {
  const title = escapeHtml(Array.from(v.title).slice(0, 40).join(''))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${v.width / 4}" height="${v.height / 4}" viewBox="0 0 ${v.width} ${v.height}">` +
    `<rect width="100%" height="100%" fill="${v.owner.colour}"/>` +
    `<polygon points="${v.width / 2 - 90},${v.height / 2 - 110} ${v.width / 2 - 90},${v.height / 2 + 110} ${v.width / 2 + 110},${v.height / 2}" fill="#fff" fill-opacity=".8"/>` +
    `<text x="50%" y="${v.height - 160}" text-anchor="middle" font-family="sans-serif" font-size="56" fill="#fff">${title}</text></svg>\n`
}

// Stands in for TikTok's CDN so cover URLs load offline; the signature query is ignored. A video
// under review has no public cover.
export const coverRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { file: string } }>('/cover/:file', async (request, reply) => {
    const video = videoById(request.params.file.replace(/\.svg$/, ''))
    if (video === undefined || video.underReview || !request.params.file.endsWith('.svg')) return reply.code(404).send({ error: 'not_found' })
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=3600').send(coverSvg(video))
  })
}
