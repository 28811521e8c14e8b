// A notify FIFO whose reader is gone or stuck must never block the process that writes to
// it (the VRRP process would miss its adverts): once the pipe is full, lines are dropped and
// the drop is logged, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, constants, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotifyFifo } from '../../../src/notify/fifo.js';
import { nativeUnavailable } from '../../../src/net/sys.js';

test('a FIFO nobody reads: writes never block, the overflow is logged once, lines flow again once read', { skip: nativeUnavailable() ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-fifo-'));
  const path = join(dir, 'notify.fifo');
  const logs: string[] = [];
  const fifo = new NotifyFifo({ path }, (l) => logs.push(l));
  try {
    fifo.open();
    assert.ok(statSync(path).isFIFO(), 'created as a FIFO');
    const line = 'INSTANCE "VI_1" MASTER 100\n';
    // 20,000 lines (540 kB) into a 64 KiB pipe: returns at once instead of blocking forever.
    for (let i = 0; i < 20_000; i++) fifo.write(line);
    assert.equal(logs.filter((l) => /is full/.test(l)).length, 1, logs.join('\n'));
    // A reader drains it; the next line goes through and the drop count is reported.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(1 << 16);
    let drained = 0;
    for (;;) {
      try {
        const n = readSync(fd, buf);
        if (n <= 0) break;
        drained += n;
      } catch {
        break;
      }
    }
    assert.ok(drained >= 4096 && drained % line.length === 0, `whole lines only: ${drained}`);
    fifo.write(line);
    assert.match(logs.at(-1) ?? '', /line\(s\) were dropped while it was full/);
    closeSync(fd);
  } finally {
    fifo.close(true);
    assert.ok(!existsSync(path), 'a FIFO we created is removed at the end');
    rmSync(dir, { recursive: true, force: true });
  }
});
