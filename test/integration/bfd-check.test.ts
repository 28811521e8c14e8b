// BFD_CHECK end to end with two keepalived-ts daemons: a load balancer (nftables data plane)
// whose real server is judged by a BFD session to it, and the real server's host running a
// bfd_instance back. The real server is in the table while the session is up, leaves it when
// the peer's BFD process falls silent (its detection time, not a delay_loop, later), and
// comes back when it speaks again; the parent relays the BFD child's reports to the checker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labUnavailable, waitFor } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';
import { inKtsLab } from '../lib/kts-lab.js';
import { ROOT } from '../lib/daemon.js';
import { startCapture, tsharkFields } from '../lib/capture.js';

function ctl(node: KtsNode, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'keepalivectl'), '--pid', node.pidFile('parent'), ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const skip = labUnavailable(['nft']);

const lbConf = `global_defs {
    lvs_backend nftables
}
bfd_instance RS1 {
    neighbor_ip 10.9.3.11
    source_ip 10.9.3.1
    min_rx 100
    min_tx 100
    multiplier 3
    checker
}
virtual_server 10.9.3.100 80 {
    delay_loop 30
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.9.3.11 80 {
        weight 1
        BFD_CHECK {
            name RS1
            alpha
        }
    }
}
`;

const rsConf = `bfd_instance LB {
    neighbor_ip 10.9.3.1
    source_ip 10.9.3.11
    min_rx 100
    min_tx 100
    multiplier 3
}
`;

test('BFD_CHECK: the real server is in the table while its BFD session is up, out within the detection time when the peer falls silent, back after', { skip, timeout: 120_000 }, async () => {
  await inKtsLab('kts-bfdchk-', async ({ lab, nodes }) => {
    const lb = await lab.addHost('lb', { addrs: ['10.9.3.1/24'] });
    const rs = await lab.addHost('rs1', { addrs: ['10.9.3.11/24'] });
    await lb.ip('addr', 'add', '10.9.3.100/32', 'dev', 'eth0');
    const inTable = async () => (await lb.run('nft', ['list', 'ruleset'])).includes('10.9.3.11');
    const l = new KtsNode(lb, lbConf);
    const r = new KtsNode(rs, rsConf);
    nodes.push(l, r);
    l.start();
    // alpha: out of the table until the session is first up.
    await l.waitForLine(/Starting BFD child process/, 20_000);
    await waitFor('the checker to program nftables', async () => (await lb.run('nft', ['list', 'tables'])).includes('keepalived_ts'), 20_000);
    assert.equal(await inTable(), false, 'alpha: no BFD yet, no real server');
    r.start();
    await l.waitForLine(/\(RS1\) Entering Up state/, 20_000);
    await r.waitForLine(/\(LB\) Entering Up state/, 20_000);
    await waitFor('rs1 in the table', inTable, 10_000);
    // keepalivectl: the session, its state and negotiated detection time (3 x 100 ms; slow
    // enough that a loaded test machine does not bring the session down by itself).
    const st = JSON.parse(ctl(l, 'status', '--json')) as { pids: { bfd?: number }; bfd?: Array<{ name: string; neighbor: string; state: string; detectionTimeUs: number }> };
    assert.equal(st.pids.bfd, l.pid('bfd'));
    assert.deepEqual(st.bfd?.map((b) => [b.name, b.neighbor, b.state, b.detectionTimeUs]), [['RS1', '10.9.3.11', 'Up', 300_000]]);
    assert.match(ctl(l, 'status'), /^RS1\s+10\.9\.3\.11\s+Up\s+Up\s+300 ms/m);
    // The data dump (SIGUSR1) has the BFD child's part, keepalived_bfd.data.
    const data = ctl(l, 'dump', 'data');
    assert.match(data, /keepalived_bfd\.data/);
    assert.match(data, /BFD Instance = RS1\n\s+Neighbor IP = 10\.9\.3\.11/);
    assert.match(data, /Local state = Up/);

    const bfd = r.pid('bfd');
    assert.ok(bfd !== undefined, 'the real server host runs a BFD child');
    const mark = l.output.length;
    process.kill(bfd, 'SIGSTOP');
    try {
      await l.waitForLine(/\(RS1\) Entering Down state \(Local diagnostic - Control Detection Time Expired/, 5_000, mark);
      await waitFor('rs1 out of the table', async () => !(await inTable()), 5_000);
      assert.match(ctl(l, 'status'), /^RS1\s+10\.9\.3\.11\s+Down\s+.*Control Detection Time Expired/m);
    } finally {
      process.kill(bfd, 'SIGCONT');
    }
    await l.waitForLine(/\(RS1\) Entering Up state/, 20_000, mark);
    await waitFor('rs1 back in the table', inTable, 10_000);
    // The lb has no VRRP instance: only the children with work run.
    assert.equal(l.pid('vrrp'), undefined);

    // A reload without the bfd_instance: the BFD child lets the session go (and the real
    // server, judged by nothing now, stays in).
    l.writeConfig(lbConf.replace(/bfd_instance RS1 \{[^}]*\}\n/, '').replace(/ {8}BFD_CHECK \{[^}]*\}\n/, ''));
    const beforeReload = r.output.length;
    l.signal('SIGHUP');
    await l.waitForLine(/Reload complete/, 20_000, mark);
    await waitFor('no BFD session in the status', () => ((JSON.parse(ctl(l, 'status', '--json')) as { bfd?: unknown[] }).bfd ?? []).length === 0, 10_000);
    await r.waitForLine(/\(LB\) Entering Down state \(Local diagnostic - Control Detection Time Expired/, 10_000, beforeReload);
    assert.ok(await inTable(), 'rs1 stays in the table');
  });
});

test('BFD multihop (RFC 5883, keepalived 2.2.8\'s multihop): two keepalived-ts sessions come Up over UDP port 4784', { skip: labUnavailable(['tcpdump', 'tshark']), timeout: 60_000 }, async () => {
  await inKtsLab('kts-bfdmh-', async ({ lab, dir, nodes }) => {
    const a = await lab.addHost('a', { addrs: ['10.9.4.1/24'] });
    const b = await lab.addHost('b', { addrs: ['10.9.4.2/24'] });
    const session = (name: string, nbr: string, src: string) => `bfd_instance ${name} {\n    neighbor_ip ${nbr}\n    source_ip ${src}\n    multihop\n    max_hops 255\n    min_rx 50\n    min_tx 50\n}\n`;
    const cap = await startCapture(await lab.bridge(), 'br0', join(dir, 'mh.pcap'), 'udp');
    const na = new KtsNode(a, session('MA', '10.9.4.2', '10.9.4.1'));
    const nb = new KtsNode(b, session('MB', '10.9.4.1', '10.9.4.2'));
    nodes.push(na, nb);
    na.start();
    nb.start();
    await na.waitForLine(/\(MA\) Entering Up state/, 20_000);
    await nb.waitForLine(/\(MB\) Entering Up state/, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    await cap.stop();
    const ports = await tsharkFields(cap.file, 'ip.src == 10.9.4.1', ['udp.dstport']);
    assert.ok(ports.length > 2 && ports.every(([p]) => p === '4784'), `our packets to port 4784: ${ports.map((p) => p[0]).join(',')}`);
  });
});
