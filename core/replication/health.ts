// What `/healthz` tells whom under LiteFS: the role to anyone (a load balancer's check), the replication details (the
// primary's hostname, the positions, the lag) only to the operator's side: this machine, the internal network, another
// node of the cluster (which signs its request), or everyone when the operator says so (HEARTH_HEALTHZ_PUBLIC=1).
import { BlockList } from 'node:net'
import type { Context } from 'hono'
import { addressIn } from '../access/service.js'
import type { AppEnv } from '../http/env.js'
import { NODE_HEADER } from './media.js'
import { fresh, sign, signedBy } from './routing.js'

/** Loopback, the private ranges (RFC 1918, RFC 4193: Fly's `fdaa::`), carrier-grade NAT (Tailscale) and link-local. */
const INTERNAL = new BlockList()
for (const [net, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['169.254.0.0', 16]] as const) INTERNAL.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6')

/** Whether a client's address is this machine's or the internal network's. */
export const internalAddress = (ip: string): boolean => addressIn(INTERNAL, ip)

const signedText = (at: string) => `healthz ${at}`

/** The NODE_HEADER value with which a node asks another for its details: `NODE TIME MAC`, fresh for a minute. */
export function healthzClaim(secret: string, nodeName: string): string {
  const at = String(Date.now())
  return `${nodeName} ${at} ${sign(secret, signedText(at))}`
}

export interface HealthzDetailsOptions {
  /** HEARTH_HEALTHZ_PUBLIC=1: anyone may read them. */
  everyone: boolean
  secret: () => Promise<string>
}

/** Whether this request may read the replication details of `/healthz` (after the request context set its address). */
export async function seesReplicationDetails(c: Context<AppEnv>, options: HealthzDetailsOptions): Promise<boolean> {
  if (options.everyone || internalAddress(c.get('ip'))) return true
  const [node, at, mac] = (c.req.header(NODE_HEADER) ?? '').split(' ')
  return !!node && !!at && fresh(at) && signedBy(await options.secret(), signedText(at), mac)
}
