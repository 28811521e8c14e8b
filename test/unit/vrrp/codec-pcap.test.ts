// Every VRRP frame keepalived 2.2.7 sent in ../shared/fixtures/vrrp-pcap decodes to the
// fields tshark shows, re-encodes to the same bytes (IPv4 header, AH and checksums
// included) and passes receive validation for a matching instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readPcap, ethernetPayload, ipv6Packet } from '../../lib/pcap.js';
import { sharedDir } from '../../lib/shared.js';
import { decodeIpv4Advert, decodeIpv6Advert, encodeIpv4Advert, encodeIpv6Advert, type DecodedAdvert } from '../../../src/vrrp/codec.js';
import { formatIPv6, isMulticast } from '../../../src/vrrp/addr.js';
import { checkAdvert } from '../../../src/vrrp/receive-check.js';
import type { VrrpAuth } from '../../../src/vrrp/auth.js';

const shared = sharedDir();
const pcapDir = shared ? join(shared, 'fixtures', 'vrrp-pcap') : undefined;
// From the .conf files beside the captures (AH keys cannot be read off the wire).
const AH_PASSWORDS: Record<string, string> = { 'v2-ah.pcap': 'ahpass99' };

interface Frame {
  frame: number;
  advert: DecodedAdvert;
  src: string;
  dst: string;
  ttl: number;
  wire: Buffer;
}

function vrrpFrames(file: string): Frame[] {
  const out: Frame[] = [];
  for (const p of readPcap(file).packets) {
    const eth = ethernetPayload(p.data);
    if (eth.etherType === 0x0800) {
      const proto = eth.payload[9];
      if (proto !== 112 && proto !== 51) continue;
      const ipLen = eth.payload.readUInt16BE(2);
      const wire = Buffer.from(eth.payload.subarray(0, ipLen));
      const r = decodeIpv4Advert(wire);
      assert.ok(r.ok, `frame ${p.frame} decodes`);
      out.push({ frame: p.frame, advert: r.advert, src: r.advert.ip!.src, dst: r.advert.ip!.dst, ttl: r.advert.ip!.ttl, wire });
    } else if (eth.etherType === 0x86dd) {
      const v6 = ipv6Packet(eth.payload);
      if (v6.nextHeader !== 112) continue;
      const wire = Buffer.from(v6.payload);
      const r = decodeIpv6Advert(wire);
      assert.ok(r.ok, `frame ${p.frame} decodes`);
      out.push({ frame: p.frame, advert: r.advert, src: formatIPv6(v6.src), dst: formatIPv6(v6.dst), ttl: v6.hopLimit, wire });
    }
  }
  return out;
}

function tsharkFields(file: string): Map<number, Record<string, string>> | undefined {
  const fields = ['frame.number', 'vrrp.version', 'vrrp.type', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type',
    'vrrp.adver_int', 'vrrp.short_adver_int', 'vrrp.checksum', 'vrrp.checksum.status', 'vrrp.ip_addr', 'vrrp.ipv6_addr', 'vrrp.auth_string',
    'ip.id', 'ip.ttl', 'ah.spi', 'ah.sequence', 'ah.icv'];
  const r = spawnSync('tshark', ['-r', file, '-Y', 'vrrp', '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), '-E', 'aggregator=,', '-E', 'separator=/t'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const map = new Map<number, Record<string, string>>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const vals = line.split('\t');
    const rec: Record<string, string> = {};
    fields.forEach((f, i) => { rec[f] = vals[i] ?? ''; });
    map.set(Number(rec['frame.number']), rec);
  }
  return map;
}

function authOf(fileName: string, a: DecodedAdvert): VrrpAuth {
  const t = a.vrrp.authType ?? 0;
  if (t === 1) return { type: 'pass', password: a.vrrp.authData!.toString('latin1').replace(/\0+$/, '') };
  if (t === 2) return { type: 'ah', password: AH_PASSWORDS[fileName] ?? '' };
  return { type: 'none' };
}

const files = pcapDir ? readdirSync(pcapDir).filter((f) => f.endsWith('.pcap')).sort() : [];

test('the reference captures are present', { skip: pcapDir ? false : '../shared not found' }, () => {
  assert.ok(files.length >= 7, `pcaps found: ${files.join(', ')}`);
});

for (const name of files) {
  test(`${name}: decode matches tshark, encode reproduces the bytes, receive check accepts`, () => {
    const file = join(pcapDir!, name);
    const frames = vrrpFrames(file);
    assert.ok(frames.length >= 2, 'VRRP frames in the capture');
    const ts = tsharkFields(file);
    for (const f of frames) {
      const v = f.advert.vrrp;
      const where = `${name} frame ${f.frame}`;
      if (ts) {
        const t = ts.get(f.frame);
        assert.ok(t, `${where}: tshark saw it`);
        assert.equal(String(v.version), t['vrrp.version'], where);
        assert.equal(String(v.type), t['vrrp.type'], where);
        assert.equal(String(v.vrid), t['vrrp.virt_rtr_id'], where);
        assert.equal(String(v.priority), t['vrrp.prio'], where);
        assert.equal(String(v.naddr), t['vrrp.addr_count'], where);
        assert.equal(`0x${v.checksum.toString(16).padStart(4, '0')}`, t['vrrp.checksum'], where);
        assert.equal(t['vrrp.checksum.status'], '1', `${where}: tshark says checksum good`);
        assert.equal(v.addresses.join(','), f.advert.family === 'inet' ? t['vrrp.ip_addr'] : t['vrrp.ipv6_addr'], where);
        if (v.version === 2) {
          assert.equal(String(v.authType), t['vrrp.auth_type'], where);
          assert.equal(String(v.advertInterval), t['vrrp.adver_int'], where);
          if (v.authType === 1) assert.equal(v.authData!.toString('latin1').replace(/\0+$/, ''), t['vrrp.auth_string'], where);
        } else {
          assert.equal(String(v.advertInterval), t['vrrp.short_adver_int'], where);
        }
        if (f.advert.ip) {
          assert.equal(`0x${f.advert.ip.id.toString(16).padStart(4, '0')}`, t['ip.id'], where);
          assert.equal(String(f.advert.ip.ttl), t['ip.ttl'], where);
        }
        if (f.advert.ah) {
          assert.equal(`0x${f.advert.ah.spi.toString(16).padStart(8, '0')}`, t['ah.spi'], where);
          assert.equal(String(f.advert.ah.seq), t['ah.sequence'], where);
          assert.equal(f.advert.ah.icv.toString('hex'), t['ah.icv'], where);
        }
      }

      const auth = authOf(name, f.advert);
      const fields = { version: v.version as 2 | 3, family: f.advert.family, vrid: v.vrid, priority: v.priority, advertInterval: v.advertInterval, addresses: v.addresses, auth };
      const unicast = !isMulticast(f.advert.family, f.dst);
      const bytes = f.advert.family === 'inet'
        ? encodeIpv4Advert(fields, { src: f.src, dst: f.dst, id: f.advert.ip!.id, ttl: f.ttl, ahSeq: f.advert.ah?.seq ?? 1, unicast })
        : encodeIpv6Advert(fields, { src: f.src, dst: f.dst });
      assert.equal(bytes.toString('hex'), f.wire.toString('hex'), `${where}: re-encoded bytes`);

      const verdict = checkAdvert(f.advert, { src: f.src, dst: f.dst, ttl: f.ttl }, {
        name: 'T', version: v.version as 2 | 3, family: f.advert.family, auth,
        advertIntervalUs: v.version === 2 ? v.advertInterval * 1_000_000 : v.advertInterval * 10_000,
        unicast, v3ChecksumAsV2: false, effectivePriority: 100, ownerIgnoreAdverts: false,
        vips: v.addresses, checkVipAddresses: true, checkUnicastSource: unicast, peers: [{ address: f.src }], ahLastSeq: 0,
      });
      assert.equal(verdict.verdict, 'ok', `${where}: ${JSON.stringify(verdict)}`);
    }
  });
}
