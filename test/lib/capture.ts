// Looking at the wire: tcpdump writing a pcap file inside a namespace (started once it
// listens, stopped with SIGINT so the file is complete), and tshark reading fields back.
import assert from 'node:assert/strict';
import { sh, waitFor, type Netns } from './netns.js';

export interface Capture {
  file: string;
  stop(): Promise<void>;
}

export async function startCapture(ns: Netns, ifname: string, file: string, filter: string): Promise<Capture> {
  const child = ns.spawn('tcpdump', ['-i', ifname, '-U', '-n', '-w', file, filter]);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('tcpdump to listen', () => err.includes('listening on'));
  const exit = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  return {
    file,
    stop: async () => {
      child.kill('SIGINT');
      await exit;
    },
  };
}

/** The packets of `file` matching the display filter, as rows of the fields asked for. */
export async function tsharkFields(file: string, filter: string, fields: string[]): Promise<string[][]> {
  const r = await sh('tshark', ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
}
