// A "newc" cpio archive writer: what the kernel unpacks as an initramfs.
// Each entry: "070701", thirteen 8-digit hex fields, the name (NUL-terminated), padding to
// 4 bytes, the data, padding to 4 bytes; the archive ends with an entry named TRAILER!!!.

export type CpioEntry =
  | { kind: 'file'; name: string; data: Buffer; mode?: number }
  | { kind: 'dir'; name: string; mode?: number }
  | { kind: 'symlink'; name: string; target: string };

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function header(ino: number, mode: number, size: number, nameLen: number): Buffer {
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameLen, 0];
  return Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''), 'ascii');
}

const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  let ino = 1;
  const add = (name: string, mode: number, data: Buffer) => {
    const n = Buffer.from(name + '\0', 'utf8');
    push(header(ino++, mode, data.length, n.length));
    push(n);
    push(pad4(offset));
    push(data);
    push(pad4(offset));
  };
  for (const e of entries) {
    if (e.kind === 'file') add(e.name, S_IFREG | (e.mode ?? 0o644), e.data);
    else if (e.kind === 'dir') add(e.name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
    else add(e.name, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'));
  }
  add('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}
