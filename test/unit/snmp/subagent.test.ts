// The subagent session against a scripted master on a private unix socket: Open, Register
// (with priority and sysORTable caps), a GetNext answered from the view, a Set refused, a
// view that throws answered genErr (the process lives on), and the Close at stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePdu, encodeResponse, pduLength, PDU, AGENTX_ERROR, type ReceivedPdu } from '../../../src/snmp/agentx.js';
import { AgentxSubagent } from '../../../src/snmp/subagent.js';
import { MibBuilder, str } from '../../../src/snmp/mib.js';

/** What the master received, and a way to answer and to send requests. */
class FakeMaster {
  readonly received: Array<{ type: number; raw: Buffer }> = [];
  private waiters: Array<() => void> = [];
  socket: Socket | undefined;
  private buf = Buffer.alloc(0);

  onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (let n = pduLength(this.buf); n !== undefined; n = pduLength(this.buf)) {
      const raw = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      const type = raw.readUInt8(1);
      this.received.push({ type, raw });
      // Administrative PDUs get a success answer (Open: session 42).
      if (type !== PDU.Response) this.socket?.write(encodeResponse({ sessionId: type === PDU.Open ? 42 : raw.readUInt32BE(4), transactionId: 0, packetId: raw.readUInt32BE(12) }, 0, 0, []));
      for (const w of this.waiters.splice(0)) w();
    }
  }

  async until(pred: () => boolean): Promise<void> {
    while (!pred()) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Sends a request PDU and waits for the subagent's Response to it. */
  async ask(type: number, body: Buffer, packetId: number): Promise<ReceivedPdu> {
    const h = Buffer.alloc(20);
    h.writeUInt8(1, 0); h.writeUInt8(type, 1); h.writeUInt8(0x10, 2);
    h.writeUInt32BE(42, 4); h.writeUInt32BE(5, 8); h.writeUInt32BE(packetId, 12); h.writeUInt32BE(body.length, 16);
    this.socket?.write(Buffer.concat([h, body]));
    let found: ReceivedPdu | undefined;
    await this.until(() => {
      const r = this.received.find((x) => x.type === PDU.Response && x.raw.readUInt32BE(12) === packetId);
      if (r) found = decodePdu(r.raw);
      return r !== undefined;
    });
    if (!found) throw new Error('no response');
    return found;
  }
}

function oid(sub: number[], include = 0): Buffer {
  const b = Buffer.alloc(4 + 4 * sub.length);
  b.writeUInt8(sub.length, 0); b.writeUInt8(sub.length ? 4 : 0, 1); b.writeUInt8(include, 2);
  sub.forEach((s, i) => b.writeUInt32BE(s, 4 + 4 * i));
  return b;
}

test('subagent: open, register, answer GetNext, refuse sets, survive a failing view, close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-agentx-'));
  const path = join(dir, 'master');
  const master = new FakeMaster();
  const server = createServer((s) => { master.socket = s; s.on('data', (d: Buffer) => master.onData(d)); });
  await new Promise<void>((r) => server.listen(path, r));
  let fail = false;
  const warnings: string[] = [];
  const view = () => {
    if (fail) throw new Error('broken module');
    return new MibBuilder().scalar([1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2], str('r1')).build();
  };
  const agent = new AgentxSubagent({
    address: { kind: 'unix', path }, id: [1, 3, 6, 1, 4, 1, 9586, 100, 5], description: 'test',
    subtrees: [{ oid: [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1], priority: 128, module: 'Keepalived' }],
    view, log: { info: () => undefined, warn: (m) => warnings.push(m) },
  });
  try {
    agent.start();
    await agent.ready();
    const types = master.received.map((x) => x.type);
    assert.deepEqual(types.slice(0, 2), [PDU.Open, PDU.Register]);
    await master.until(() => master.received.some((x) => x.type === PDU.AddAgentCaps));
    const reg = master.received[1]?.raw;
    assert.equal(reg?.readUInt32BE(4), 42, 'the session id the master gave');
    assert.equal(reg?.readUInt8(21), 128, 'priority');

    const r = await master.ask(PDU.GetNext, Buffer.concat([oid([1, 9586, 100, 5, 1]), oid([])]), 1000);
    assert.equal(r.kind, 'response');
    if (r.kind === 'response') {
      assert.deepEqual(r.varbinds[0]?.oid, [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2, 0]);
      assert.deepEqual(r.varbinds[0]?.value, str('r1'));
    }
    const end = await master.ask(PDU.GetNext, Buffer.concat([oid([1, 9586, 100, 5, 1, 2, 0]), oid([])]), 1001);
    if (end.kind === 'response') assert.equal(end.varbinds[0]?.value.type, 'endOfMibView');

    const set = await master.ask(PDU.TestSet, Buffer.alloc(0), 1002);
    if (set.kind === 'response') assert.equal(set.error, AGENTX_ERROR.notWritable);

    fail = true;
    const broken = await master.ask(PDU.Get, Buffer.concat([oid([1, 9586, 100, 5, 1, 2, 0]), oid([])]), 1003);
    if (broken.kind === 'response') assert.equal(broken.error, AGENTX_ERROR.genErr);
    assert.match(warnings.join('\n'), /broken module/);

    agent.stop();
    await master.until(() => master.received.some((x) => x.type === PDU.Close));
  } finally {
    agent.stop();
    master.socket?.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
