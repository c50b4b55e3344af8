import { parentPort } from 'node:worker_threads';
import { runRequest, transferables, type PoolRequest } from './pool-jobs';
import { LocalReader } from './scan-local';

// A thread of the scan pool (scan-pool.ts): one reply per request.
const reader = new LocalReader();
parentPort!.on('message', (req: PoolRequest) => {
  const reply = runRequest(req, reader);
  parentPort!.postMessage(reply, transferables(reply));
});
