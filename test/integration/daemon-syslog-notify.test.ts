// Syslog lines and systemd notifications as a listener on the sockets sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DaemonRun, isRoot } from '../lib/daemon.js';
import { waitFor } from '../lib/netns.js';
import { bindUnixDatagram } from '../../src/daemon/unix-dgram.js';
import { nativeUnavailable } from '../../src/net/sys.js';

const skip = !isRoot() ? 'needs root' : nativeUnavailable() ?? false;

test('syslog (RFC 3164, -S facility, per-process idents) and sd_notify READY/RELOADING/STOPPING', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-sock-'));
  const syslog = bindUnixDatagram(join(dir, 'log.sock'));
  const notify = bindUnixDatagram(join(dir, 'notify.sock'));
  assert.ok(syslog && notify);
  const logLines: string[] = [];
  const notes: string[] = [];
  const collect = () => {
    for (const b of syslog.receive()) logLines.push(b.toString());
    for (const b of notify.receive()) notes.push(b.toString());
  };
  const d = DaemonRun.start({
    config: { roles: ['vrrp', 'checker'] },
    syslog: true,
    args: ['-S', 'local3'],
    env: { KTS_TEST_SYSLOG_SOCKET: join(dir, 'log.sock'), NOTIFY_SOCKET: join(dir, 'notify.sock') },
  });
  try {
    await d.waitForStartup();
    const parent = d.proc.pid as number;
    await waitFor('READY=1', () => { collect(); return notes.some((n) => n.startsWith('READY=1')); });
    assert.match(notes[0] ?? '', new RegExp(`^READY=1\\nMAINPID=${parent}\\n`));
    // local3 (19) * 8 + info (6) = 158
    const ts = '[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d';
    await waitFor('syslog lines from the three processes', () => {
      collect();
      return logLines.some((l) => /Keepalived_vrrp\[/.test(l)) && logLines.some((l) => /Keepalived_healthcheckers\[/.test(l));
    });
    assert.ok(logLines.some((l) => new RegExp(`^<158>${ts} Keepalived\\[${parent}\\]: Startup complete$`).test(l)), logLines.join('\n'));
    assert.ok(logLines.some((l) => new RegExp(`^<158>${ts} Keepalived_vrrp\\[${d.pid('vrrp')}\\]: test service started`).test(l)));
    assert.ok(logLines.some((l) => new RegExp(`^<158>${ts} Keepalived_healthcheckers\\[${d.pid('checker')}\\]: test service started`).test(l)));

    d.writeConfig({ roles: ['vrrp', 'checker'], tag: 'v2' });
    process.kill(parent, 'SIGHUP');
    await waitFor('RELOADING=1 then READY=1', () => {
      collect();
      const i = notes.findIndex((n) => n.startsWith('RELOADING=1\nMONOTONIC_USEC='));
      return i > 0 && notes.slice(i + 1).some((n) => n.startsWith('READY=1'));
    });
    process.kill(parent, 'SIGTERM');
    assert.equal((await d.exit).code, 0);
    collect();
    assert.ok(notes.some((n) => n.startsWith('STOPPING=1')));
    assert.ok(logLines.some((l) => new RegExp(`Keepalived\\[${parent}\\]: Stopped Keepalived v`).test(l)));
    assert.ok(!logLines.some((l) => /syslog unavailable/.test(l)));
  } finally {
    await d.cleanup();
    syslog.close();
    notify.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
