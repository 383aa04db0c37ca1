import createClient, { type Client, type ClientOptions } from 'openapi-fetch'
import type { components, operations, paths } from './schema.js'

// The typed client of tiktok-bff: openapi-fetch over the types openapi-typescript generates
// from the committed openapi/openapi.json (`npm run client`). Paths, parameters, bodies and
// answers are checked by the compiler against the document the service is tested against.

export type { components, operations, paths }
export type BffClient = Client<paths>

export interface BffClientOptions extends ClientOptions {
  baseUrl: string
  /** A session token or an internal API key, sent as `Authorization: Bearer …` on every call. */
  bearer?: string
}

export function createBffClient (opts: BffClientOptions): BffClient {
  const { bearer, headers, ...rest } = opts
  return createClient<paths>({
    ...rest,
    headers: bearer === undefined ? headers : { ...headers, authorization: `Bearer ${bearer}` }
  })
}

/** `Authorization: Bearer …` for one call (`{ headers: withBearer(token) }`). */
export const withBearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` })
