import Fastify from 'fastify'

// The ceiling: a hello-world Fastify route on this machine.
const app = Fastify({ logger: false })
app.get('/', { schema: { response: { 200: { type: 'object', properties: { hello: { type: 'string' } } } } } }, async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}` })}\n`)
