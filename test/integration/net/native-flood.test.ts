// A flood on one socket must not starve timers on the Node loop: the addon reads a bounded
// number of datagrams per readiness callback (uv_poll is level-triggered and calls back
// again on the next loop iteration). Without the bound the loop drained the socket for as
// long as the sender outpaced the handler, and no timer fired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isSysError, nativeUnavailable, openSocket } from '../../../src/net/sys.js';
import * as C from '../../../src/net/constants.js';

const skip = nativeUnavailable();

// A sender in another process, so the flood does not depend on this loop turning.
const FLOODER = `
const s = require('node:dgram').createSocket('udp4');
const b = Buffer.alloc(32);
const port = Number(process.argv[1]);
let sent = 0;
(function go() {
  for (let i = 0; i < 256; i++) s.send(b, port, '127.0.0.1', () => { sent++; });
  setImmediate(go);
})();
`;

test('a datagram flood on a watched socket does not starve a 10 ms interval timer', { skip, timeout: 60_000 }, async () => {
  let port = 45000 + (process.pid % 10000);
  let rx;
  for (;; port++) {
    rx = openSocket(C.AF_INET, C.SOCK_DGRAM, 0);
    try {
      rx.bind({ family: 'inet', address: '127.0.0.1', port });
      break;
    } catch (e) {
      rx.close();
      if (!isSysError(e) || e.code !== 'EADDRINUSE') throw e;
    }
  }
  // A deep queue, and a handler slower than the sender: the socket never runs dry.
  rx.setsockopt(C.SOL_SOCKET, C.SO_RCVBUF, 4 << 20);
  const flooder = spawn(process.execPath, ['-e', FLOODER, String(port)], { stdio: 'ignore' });
  let received = 0;
  let ticks = 0;
  let receivedAtFirstTick = -1;
  let receivedAtLastTick = -1;
  try {
    await new Promise<void>((resolve, reject) => {
      flooder.on('exit', (code, sig) => reject(new Error(`flooder exited early (${code ?? sig})`)));
      rx.onMessage(() => {
        received++;
        const until = process.hrtime.bigint() + 20_000n; // some work per packet, as a real handler does
        while (process.hrtime.bigint() < until);
      });
      // Count ticks only once the flood is under way (datagrams are arriving).
      const timer = setInterval(() => {
        if (received === 0) return;
        if (ticks === 0) receivedAtFirstTick = received;
        ticks++;
        receivedAtLastTick = received;
        if (ticks === 20) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
  } finally {
    flooder.kill('SIGKILL');
    rx.close();
  }
  assert.equal(ticks, 20);
  // The flood ran all along: datagrams kept arriving between the first and last tick, and
  // the flooder (whose exit fails the test) was still sending when the 20th tick came.
  assert.ok(receivedAtLastTick - receivedAtFirstTick >= 19 * 64, `only ${receivedAtLastTick - receivedAtFirstTick} datagrams between ticks`);
});
