import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LOOPBACK, freePort } from './net.js'
import { pings, startRedis, type RedisProc } from './redis-procs.js'
import type { Teardownable } from './teardown.js'
import { waitFor } from './wait.js'

// Redis Cluster and Sentinel groups of private redis-server processes (redis-procs.ts), set up
// the way an operator would: `redis-cli --cluster create`, and sentinels with a config file.
// Failure detection is tuned down to about a second so failovers fit in a test.

const REDIS_CLI = 'redis-cli'
const run = promisify(execFile)

export interface RedisCluster {
  masters: RedisProc[]
  replicas: RedisProc[]
  /** host:port,... seeds for REDIS_CLUSTER_NODES */
  seeds: string
  /** The node currently serving a key's slot as master. */
  masterOf (key: string): Promise<RedisProc>
}

/** A real Redis Cluster: `masters` masters (3 at least), each with `replicas` replicas. */
export async function startCluster (t: Teardownable, masters = 3, replicas = 0): Promise<RedisCluster> {
  const nodes: RedisProc[] = []
  for (let i = 0; i < masters * (1 + replicas); i++) {
    const busPort = await freePort()
    nodes.push(await startRedis(t, {
      args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`, '--cluster-port', String(busPort),
        '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0']
    }))
  }
  await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => n.addr), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 })
  await waitFor('cluster_state:ok on every node', async () => {
    for (const n of nodes) if (!(await n.cli('cluster', 'info')).includes('cluster_state:ok')) return false
    return true
  }, 20_000, 200)
  const role = async (n: RedisProc): Promise<string> => (await n.cli('role')).split('\n')[0] ?? ''
  const roles = await Promise.all(nodes.map(role))
  const cluster: RedisCluster = {
    masters: nodes.filter((_n, i) => roles[i] === 'master'),
    replicas: nodes.filter((_n, i) => roles[i] === 'slave'),
    seeds: nodes.map((n) => n.addr).join(','),
    async masterOf (key) {
      for (const n of nodes) {
        if (!(await pings(n.port))) continue
        const slot = Number(await n.cli('cluster', 'keyslot', key))
        const myself = (await n.cli('cluster', 'nodes')).split('\n').find((l) => l.includes('myself'))
        if (myself !== undefined && myself.includes('master') && ownsSlot(myself, slot)) return n
      }
      throw new Error(`no live master serves the slot of ${key}`)
    }
  }
  return cluster
}

function ownsSlot (nodesLine: string, slot: number): boolean {
  return nodesLine.split(' ').slice(8).some((range) => {
    const [a, b] = range.split('-').map(Number)
    return a !== undefined && !Number.isNaN(a) && slot >= a && slot <= (b ?? a)
  })
}

export interface SentinelGroup {
  master: RedisProc
  replica: RedisProc
  sentinels: RedisProc[]
  name: string
  /** host:port,... for REDIS_SENTINELS */
  list: string
  /** The port the sentinels currently name as master. */
  masterPort (): Promise<number>
}

/** One master, one replica, three sentinels (quorum 2) that fail over after 1 s down. */
export async function startSentinels (t: Teardownable, name = 'bffmaster'): Promise<SentinelGroup> {
  const master = await startRedis(t)
  const replica = await startRedis(t, { args: ['--replicaof', LOOPBACK, String(master.port)] })
  await waitFor('the replica in sync', async () => (await replica.cli('info', 'replication')).includes('master_link_status:up'), 15_000)
  const sentinels: RedisProc[] = []
  for (let i = 0; i < 3; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'bff-sentinel-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const config = join(dir, 'sentinel.conf')
    await writeFile(config, [
      `sentinel monitor ${name} ${LOOPBACK} ${master.port} 2`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      ''
    ].join('\n'))
    sentinels.push(await startRedis(t, { config, sentinel: true, args: [] }))
  }
  const group: SentinelGroup = {
    master,
    replica,
    sentinels,
    name,
    list: sentinels.map((s) => s.addr).join(','),
    async masterPort () {
      const out = (await (sentinels[0] as RedisProc).cli('sentinel', 'get-master-addr-by-name', name)).split('\n')
      return Number(out[1])
    }
  }
  // Ready when every sentinel sees the replica and the quorum: only then can a failover happen.
  await waitFor('sentinels that know the replica and each other', async () => {
    for (const s of sentinels) {
      if (!(await s.cli('sentinel', 'ckquorum', name)).startsWith('OK')) return false
      if (!(await s.cli('sentinel', 'replicas', name)).includes(String(replica.port))) return false
      if ((await s.cli('sentinel', 'sentinels', name)).split('\n').filter((l) => l === 'ip').length < 2) return false
    }
    return true
  }, 30_000, 250)
  return group
}
