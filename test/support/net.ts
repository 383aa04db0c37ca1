import net from 'node:net'

// Everything the tests and benchmarks start listens on loopback only.
export const LOOPBACK = '127.0.0.1'

/** A free loopback port (another process may still take it: callers retry on EADDRINUSE). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}
