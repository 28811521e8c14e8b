// The whole product: two `keepalived-ts -n -l -f CONF` daemons (real CLI, real config
// files, pid files in a temp dir) in namespaces on one bridge elect a master; SIGHUP with a
// new priority on the master keeps the VIP in place (no deletion seen by `ip monitor`);
// SIGHUP with a broken file keeps the running configuration; SIGTERM of the master's
// daemon moves the VIP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Lab, labUnavailable, waitFor, type Netns } from '../lib/netns.js';
import { KtsNode } from '../lib/kts-node.js';

const VIP = '10.66.0.100';

function conf(name: string, priority: number, extra = ''): string {
  return `global_defs {
    router_id ${name}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 66
    version 3
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        ${VIP}/24
    }
${extra}}
`;
}

async function hasVip(ns: Netns): Promise<boolean> {
  return (await ns.addresses('eth0')).includes(`${VIP}/24`);
}

test('keepalived-ts daemons: election, reload in place, broken reload refused, failover on SIGTERM', { skip: labUnavailable(), timeout: 90_000 }, async () => {
  const lab = await Lab.create();
  const nodes: KtsNode[] = [];
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.66.0.1/24'] });
    const r2 = await lab.addHost('r2', { addrs: ['10.66.0.2/24'] });
    const a = new KtsNode(r1, conf('r1', 150));
    const b = new KtsNode(r2, conf('r2', 100));
    nodes.push(a, b);
    // r1 first (which daemon's process is up first is not what this test is about), then
    // r2, which must stay BACKUP.
    a.start();
    await waitFor('r1 to hold the VIP', () => hasVip(r1), 20_000);
    await a.waitForLine(/\(VI_1\) Entering MASTER STATE/);
    b.start();
    await b.waitForLine(/\(VI_1\) Entering BACKUP STATE/);
    assert.equal(await hasVip(r2), false, 'the backup must not hold the VIP');
    assert.match(await a.dumpData(), /State = MASTER[\s\S]*Effective priority = 150/);

    // SIGHUP with a new priority: the master stays master, its VIP is never removed.
    const monitor = r1.spawn('ip', ['-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    monitor.stdout?.setEncoding('utf8').on('data', (d: string) => (seen += d));
    // A marker address proves the monitor is listening before the reload. The monitor may
    // not have subscribed yet when the marker is first added: add it again until it is seen.
    await waitFor('ip monitor to see the marker', async () => {
      if (seen.includes('10.66.0.201')) return true;
      await r1.ip('addr', 'del', '10.66.0.201/32', 'dev', 'eth0').catch(() => '');
      await r1.ip('addr', 'add', '10.66.0.201/32', 'dev', 'eth0');
      return false;
    }, 20_000, 250);
    const from = a.output.length;
    a.writeConfig(conf('r1', 160));
    a.signal('SIGHUP');
    await a.waitForLine(/Reload finished/, 15_000, from);
    assert.match(await a.dumpData(), /State = MASTER[\s\S]*Priority = 160[\s\S]*Effective priority = 160/);
    // Let a few adverts go by, then look at what the monitor saw.
    // A second marker, added after the reload, syncs with everything the monitor saw before it.
    await r1.ip('addr', 'add', '10.66.0.202/32', 'dev', 'eth0');
    await waitFor('ip monitor to see the second marker', () => seen.includes('10.66.0.202'), 20_000);
    await r1.ip('addr', 'del', '10.66.0.201/32', 'dev', 'eth0');
    await r1.ip('addr', 'del', '10.66.0.202/32', 'dev', 'eth0');
    monitor.kill('SIGTERM');
    const vipEvents = seen.split('\n').filter((l) => l.includes(VIP));
    assert.deepEqual(vipEvents, [], `the VIP must not be touched by the reload:\n${seen}`);
    assert.equal(await hasVip(r1), true);
    assert.ok(!a.output.slice(from).includes('Entering BACKUP STATE'), a.output.slice(from));

    // SIGHUP with a broken configuration: refused, the running one stays.
    const from2 = a.output.length;
    a.writeConfig(conf('r1', 170).replace('virtual_router_id 66', 'virtual_router_id 966'));
    a.signal('SIGHUP');
    await a.waitForLine(/Reload failed/, 15_000, from2);
    assert.match(await a.dumpData(), /State = MASTER[\s\S]*Effective priority = 160/);
    assert.equal(await hasVip(r1), true);

    // SIGTERM of the master's daemon: r2 takes over, r1's VIP is gone, exit code 0.
    a.signal('SIGTERM');
    assert.equal(await a.exit, 0);
    await waitFor('r2 to hold the VIP', () => hasVip(r2), 10_000);
    assert.equal(await hasVip(r1), false, 'the stopped master must remove its VIP');
    await b.waitForLine(/\(VI_1\) Entering MASTER STATE/);
    assert.equal(b.lines().filter((l) => l.includes('Entering MASTER STATE')).length, 1, b.output);
  } finally {
    for (const n of nodes) await n.cleanup();
    await lab.cleanup();
  }
});

test('an instance whose socket cannot be opened goes to FAULT; the daemon keeps running the others', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  let node: KtsNode | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.67.0.1/24'] });
    node = new KtsNode(r1, `vrrp_instance VI_OK {
    interface eth0
    virtual_router_id 67
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.67.0.100/24
    }
}
vrrp_instance VI_BAD {
    interface eth0
    virtual_router_id 68
    priority 100
    advert_int 1
    unicast_src_ip 10.67.0.99
    unicast_peer {
        10.67.0.2
    }
    virtual_ipaddress {
        10.67.0.101/24
    }
}
`);
    node.start();
    await node.waitForLine(/cannot open the VRRP socket .*\(VI_BAD\)/, 20_000);
    await node.waitForLine(/\(VI_BAD\) Entering FAULT STATE/);
    await node.waitForLine(/\(VI_OK\) Entering MASTER STATE/, 20_000);
    assert.ok((await r1.addresses('eth0')).includes('10.67.0.100/24'));
    // The address appears: the socket opens and the instance leaves FAULT.
    await r1.ip('addr', 'add', '10.67.0.99/24', 'dev', 'eth0');
    await node.waitForLine(/\(VI_BAD\) Entering (BACKUP|MASTER) STATE/, 20_000);
    assert.equal(node.proc?.exitCode, null, 'the daemon must still run');
  } finally {
    await node?.cleanup();
    await lab.cleanup();
  }
});

test('static addresses/routes/rules at start, virtual routes/rules while MASTER, all removed at stop', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  let node: KtsNode | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.69.0.1/24'] });
    node = new KtsNode(r1, `static_ipaddress {
    10.69.1.1/24 dev eth0
}
static_routes {
    10.98.0.0/24 via 10.69.0.254 dev eth0
}
static_rules {
    from 10.69.1.0/24 table 101 priority 1001
}
vrrp_instance VI_R {
    interface eth0
    virtual_router_id 69
    version 3
    priority 100
    advert_int 0.2
    virtual_ipaddress {
        10.69.0.100/24
    }
    virtual_routes {
        10.99.0.0/24 via 10.69.0.254 dev eth0
    }
    virtual_rules {
        from 10.69.0.100/32 table 102 priority 1002
    }
}
`);
    const routes = async () => (await r1.ip('route', 'show')).split('\n').map((l) => l.trim());
    const rules = async () => await r1.ip('rule', 'show');
    node.start();
    await waitFor('the static address', async () => (await r1.addresses('eth0')).includes('10.69.1.1/24'), 20_000);
    await waitFor('the static route', async () => (await routes()).some((l) => l.startsWith('10.98.0.0/24 via 10.69.0.254')), 10_000);
    await waitFor('the static rule', async () => /1001:\s+from 10\.69\.1\.0\/24 lookup 101/.test(await rules()), 10_000);
    // No peer: MASTER after the master-down interval, then the virtual route and rule.
    await node.waitForLine(/\(VI_R\) Entering MASTER STATE/, 20_000);
    await waitFor('the virtual route', async () => (await routes()).some((l) => l.startsWith('10.99.0.0/24 via 10.69.0.254')), 10_000);
    await waitFor('the virtual rule', async () => /1002:\s+from 10\.69\.0\.100 lookup 102/.test(await rules()), 10_000);

    node.signal('SIGTERM');
    assert.equal(await node.exit, 0);
    const after = await routes();
    assert.ok(!after.some((l) => l.startsWith('10.99.0.0/24') || l.startsWith('10.98.0.0/24')), after.join('\n'));
    const r = await rules();
    assert.ok(!/100[12]:/.test(r), r);
    assert.ok(!(await r1.addresses('eth0')).includes('10.69.1.1/24'));
  } finally {
    await node?.cleanup();
    await lab.cleanup();
  }
});

test('vrrp_rt_priority, *_rlimit_rttime, *_cpu_affinity, checker_priority: what /proc shows for each child; *_no_swap refused in words', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  let node: KtsNode | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.66.0.1/24'] });
    const tuning = 'global_defs {\n    lvs_backend nftables\n    vrrp_rt_priority 10\n    vrrp_rlimit_rttime 10000\n    vrrp_cpu_affinity 0\n    vrrp_no_swap\n    checker_priority -3\n    checker_cpu_affinity 0\n}\n';
    const vs = 'virtual_server 10.66.0.100 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 10.66.0.1 8080 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n}\n';
    node = new KtsNode(r1, `${tuning}${conf('r1', 150)}${vs}`);
    node.start();
    await node.waitForLine(/\(VI_1\) Entering (BACKUP|MASTER) STATE/);
    const stat = (pid: number | string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // Fields 19 (nice), 40 (rt_priority) and 41 (policy), counted from field 3 after the name.
    const sched = (pid: number | string) => { const f = stat(pid); return { nice: Number(f[16]), rtPriority: Number(f[37]), policy: Number(f[38]) }; };
    const tasks = (pid: number) => readdirSync(`/proc/${pid}/task`);
    const allowed = (pid: number, tid: string) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1];
    const vrrp = await waitFor('the VRRP pid file', () => node?.pid('vrrp'));
    const checker = await waitFor('the checker pid file', () => node?.pid('checker'));
    const parent = await waitFor('the parent pid file', () => node?.pid('parent'));
    await waitFor('the checker started', () => node?.output.includes('Activating healthchecker') || node?.output.includes('TCP_CHECK'), 10_000).catch(() => undefined);
    assert.deepEqual(sched(vrrp), { nice: 0, rtPriority: 10, policy: 2 }, 'the VRRP child\'s JS thread is SCHED_RR 10');
    const helpers = tasks(vrrp).filter((t) => t !== String(vrrp));
    assert.ok(helpers.length > 0 && helpers.every((t) => sched(`${vrrp}/task/${t}`).policy === 0), 'its helper threads stay SCHED_OTHER');
    assert.equal(allowed(vrrp, String(vrrp)), '0', 'the VRRP child\'s JS thread on CPU 0');
    assert.match(readFileSync(`/proc/${vrrp}/limits`, 'utf8'), /Max realtime timeout\s+500000\s+1000000\s+us/, 'RLIMIT_RTTIME at the floor: soft half the hard');
    assert.match(node.output, /\*_no_swap is not supported by keepalived-ts/, 'vrrp_no_swap: said to be ignored');
    assert.equal(Number(/VmLck:\s*(\d+)/.exec(readFileSync(`/proc/${vrrp}/status`, 'utf8'))?.[1]), 0, 'and nothing locked');
    assert.deepEqual(sched(checker), { nice: -3, rtPriority: 0, policy: 0 }, 'the checker child reniced');
    assert.equal(allowed(checker, String(checker)), '0', 'the checker\'s JS thread on CPU 0');
    assert.doesNotMatch(node.output, /SIGXCPU/, 'the realtime thread never ran 0.5 s without blocking');
    assert.deepEqual(sched(parent), { nice: 0, rtPriority: 0, policy: 0 }, 'the parent untouched');
  } finally {
    await node?.cleanup();
    await lab.cleanup();
  }
});

test('vrrp_priority and bfd_priority set the nice value of the VRRP and BFD children (the threads that send)', { skip: labUnavailable(), timeout: 60_000 }, async () => {
  const lab = await Lab.create();
  let node: KtsNode | undefined;
  try {
    const r1 = await lab.addHost('r1', { addrs: ['10.66.0.1/24'] });
    node = new KtsNode(r1, `global_defs {\n    vrrp_priority -7\n    bfd_priority -5\n}\nbfd_instance B {\n    neighbor_ip 10.66.0.2\n}\n${conf('r1', 150)}`);
    node.start();
    await node.waitForLine(/\(VI_1\) Entering (BACKUP|MASTER) STATE/);
    const nice = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const vrrp = await waitFor('the VRRP pid file', () => node?.pid('vrrp'));
    assert.equal(nice(vrrp), -7);
    const bfd = await waitFor('the BFD pid file', () => node?.pid('bfd'));
    await waitFor('the BFD child reniced', () => nice(bfd) === -5, 10_000).catch(() => assert.fail(`BFD child nice ${nice(bfd)}:\n${node?.output}`));
    assert.equal(nice(await waitFor('the parent pid file', () => node?.pid('parent'))), 0, 'only the children are reniced');
  } finally {
    await node?.cleanup();
    await lab.cleanup();
  }
});
