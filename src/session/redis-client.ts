import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis'
import type { RedisConfig } from '../config/index.js'

// The ioredis client for each topology: standalone (REDIS_URL), Cluster and Sentinel. Commands
// time out after REDIS_COMMAND_TIMEOUT_MS and nothing queues while disconnected, so a store
// outage answers 503 at once instead of piling requests up; reads and writes go to masters.

export type RedisClient = Redis | Cluster

function retryStrategy (times: number): number {
  return Math.min(50 * times, 1000)
}

export function createRedisClient (redis: Exclude<RedisConfig, { kind: 'memory' }>, commandTimeout: number): RedisClient {
  const common: RedisOptions = {
    commandTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(commandTimeout, 2000),
    retryStrategy,
    lazyConnect: true
  }
  if (redis.kind === 'url') return new Redis(redis.url, common)
  if (redis.kind === 'cluster') {
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      scaleReads: 'master',
      lazyConnect: true,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: 2000,
      redisOptions: { ...common, password: redis.password, tls: redis.tls ? {} : undefined }
    }
    return new Cluster(redis.nodes, options)
  }
  return new Redis({
    ...common,
    sentinels: redis.sentinels,
    name: redis.name,
    role: 'master',
    password: redis.password,
    sentinelPassword: redis.sentinelPassword,
    tls: redis.tls ? {} : undefined,
    enableTLSForSentinelMode: redis.tls,
    sentinelRetryStrategy: retryStrategy,
    failoverDetector: true
  })
}

/** QUIT, bounded: a store that does not answer must not hold a shutdown open. */
export async function quitRedis (client: RedisClient, timeoutMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([client.quit(), new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs) })])
  } catch { /* already closed */ }
  clearTimeout(timer)
  client.disconnect()
}
