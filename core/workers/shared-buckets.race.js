// A thread of shared-buckets.test.ts: waits for the others, then tries 500 hits on one shared key and says how many passed.
import { fileURLToPath } from 'node:url'
import { parentPort, workerData } from 'node:worker_threads'

const { register } = await import('tsx/esm/api')
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) })
const { RateLimiter } = await import('../auth/rate-limit.ts')
const { SharedBuckets } = await import('./shared-buckets.ts')

const limiter = new RateLimiter({ buckets: new SharedBuckets(workerData.memory) })
// All threads start together, so that they do contend.
const gate = new Int32Array(workerData.gate)
Atomics.add(gate, 0, 1)
while (Atomics.load(gate, 0) < workerData.threads) Atomics.wait(gate, 0, Atomics.load(gate, 0), 5)
let passed = 0
for (let i = 0; i < 500; i++) {
  try {
    limiter.hit('race', 1000, 60)
    passed++
  } catch {
    // refused: the limit was reached
  }
}
parentPort.postMessage(passed)
