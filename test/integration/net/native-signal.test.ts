// The addon's watchSignal: catches a real-time signal Node cannot, does not keep the process
// alive, and close() restores the default action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NATIVE_ADDON_PATH, nativeUnavailable, sigrtmax, sigrtmin, watchSignal } from '../../../src/net/sys.js';

const skip = nativeUnavailable();

test('watchSignal catches SIGRTMIN+2 on the loop; the process lives', { skip }, async () => {
  const signo = sigrtmin() + 2;
  assert.ok(signo > 0 && signo < sigrtmax());
  const w = watchSignal(signo, () => undefined);
  try {
    const got = new Promise<number>((resolve) => {
      const w2 = watchSignal(signo, (n) => {
        w2.close();
        resolve(n);
      });
    });
    const keepAlive = setTimeout(() => undefined, 10_000); // the watches are unref'd
    process.kill(process.pid, signo);
    assert.equal(await got, signo);
    clearTimeout(keepAlive);
  } finally {
    w.close();
  }
});

test('a watched signal does not keep the process alive; after close() its default action is back', { skip }, () => {
  const load = `const a = require(${JSON.stringify(NATIVE_ADDON_PATH)}); const n = a.sigrtmin() + 2;`;
  const idle = spawnSync(process.execPath, ['-e', `${load} a.watchSignal(n, () => {});`], { timeout: 20_000 });
  assert.equal(idle.status, 0, 'exited on its own with only a signal watch');
  const closed = spawnSync(process.execPath, ['-e', `${load} a.closeSignal(a.watchSignal(n, () => {})); process.kill(process.pid, n); setTimeout(() => {}, 5000);`], { timeout: 20_000 });
  assert.equal(closed.status, null, 'killed by the real-time signal once the watch was closed');
});
