// track_file: the integer in a file (inotify on its directory, so a file replaced by rename
// is seen too), value x weight in the instance's priority (priority.ts). init_file creates
// the file at start.
import { existsSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { TrackFile } from '../../config/model.js';

/** Pure: keepalived reads the file with strtol(base 0): leading integer, else 0. */
export function parseTrackFileValue(text: string): number {
  const m = /^\s*([-+]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)/i.exec(text);
  if (!m) return 0;
  const digits = m[2] ?? '0';
  const v = /^0x/i.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  return m[1] === '-' ? -v : v;
}

export function readTrackFile(path: string): number {
  try {
    return parseTrackFileValue(readFileSync(path, 'utf8'));
  } catch {
    return 0;
  }
}

export class TrackFileWatcher {
  private readonly watchers: FSWatcher[] = [];

  constructor(private readonly log: (line: string) => void, private readonly onValue: (name: string, value: number) => void) {}

  add(t: TrackFile): void {
    const path = t.file;
    if (path === undefined) return;
    if (t.initFile && (t.initFile.overwrite || !existsSync(path))) {
      try {
        writeFileSync(path, `${t.initFile.value}\n`);
      } catch (e) {
        this.log(`track_file ${t.name}: cannot initialise ${path}: ${(e as Error).message}`);
      }
    }
    let last = readTrackFile(path);
    this.onValue(t.name, last);
    try {
      const w = watch(dirname(path), (_event, file) => {
        if (file !== null && file !== basename(path)) return;
        const v = readTrackFile(path);
        if (v === last) return;
        last = v;
        this.log(`track_file ${t.name} (${path}) now ${v}`);
        this.onValue(t.name, v);
      });
      w.on('error', () => undefined);
      this.watchers.push(w);
    } catch (e) {
      this.log(`track_file ${t.name}: cannot watch ${path}: ${(e as Error).message}`);
    }
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
