// Runs a shell script inside a throw-away virtual machine booted from this host's Debian
// kernel, for tests that need kernel features the host lacks (IPVS).
//
// The VM's root file system is this machine's / over 9p, read-only, so node, ipvsadm, the
// build output and /lib/modules are all there; /tmp and /run are tmpfs; a second, writable
// 9p share (the "job" directory) carries the script in and files out. The initramfs (busybox
// + the virtio/9p modules) is built at test time and cached by content hash.
//
// Output: the script's stdout/stderr arrive on the serial console; lines
// "KTS-VM-RESULT <json>" are collected, and the script's exit code comes back as
// "KTS-VM-EXIT <n>".
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync, accessSync, constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio, type CpioEntry } from './cpio.js';

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';
const QEMU = '/usr/bin/qemu-system-x86_64';
/** Modules the initramfs loads to reach the 9p root; their dependencies come from modprobe. */
const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];

export interface VmOptions {
  /** Shell script run as root inside the VM (sh), with cwd /. */
  script: string;
  /** Whole-run limit (boot included). */
  timeoutMs?: number;
  memoryMb?: number;
  cpus?: number;
}

export interface VmResult {
  /** The script's exit code; undefined when the VM never reported one (crash, timeout). */
  exitCode: number | undefined;
  /** Everything printed on the console. */
  console: string;
  /** Parsed "KTS-VM-RESULT" lines, in order. */
  results: unknown[];
  timedOut: boolean;
}

function kernelVersion(): string | undefined {
  const v = readdirSync('/lib/modules').filter((d) => existsSync(`/boot/vmlinuz-${d}`)).sort();
  return v[v.length - 1];
}

/** Why VM tests cannot run here, or undefined when they can. */
export function vmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'VM tests need root';
  if (!existsSync(QEMU)) return `${QEMU} is not installed`;
  if (!existsSync(BUSYBOX)) return 'busybox-static is not installed';
  const v = kernelVersion();
  if (!v) return 'no /boot/vmlinuz-* with matching /lib/modules/* (install linux-image-amd64)';
  try {
    accessSync(`/boot/vmlinuz-${v}`, fsConstants.R_OK);
  } catch {
    return `/boot/vmlinuz-${v} is not readable`;
  }
  return undefined;
}

/**
 * KVM only on request (KTS_VM_KVM=1): under nested virtualisation /dev/kvm can exist and still
 * hang the guest at boot (seen on the CI host), while software emulation boots in seconds.
 */
function kvmUsable(): boolean {
  if (process.env.KTS_VM_KVM !== '1') return false;
  try {
    accessSync('/dev/kvm', fsConstants.R_OK | fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Module files (relative to /lib/modules/<ver>) in load order, for the boot modules. */
function bootModuleFiles(version: string): string[] {
  const out: string[] = [];
  for (const m of BOOT_MODULES) {
    const r = spawnSync('modprobe', ['-S', version, '--show-depends', m], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`modprobe --show-depends ${m}: ${r.stderr.trim()}`);
    for (const line of r.stdout.split('\n')) {
      const mm = /^insmod (\S+)/.exec(line.trim());
      if (mm && !out.includes(mm[1]!)) out.push(mm[1]!);
    }
  }
  return out;
}

const INIT = `#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev
for m in $($B cat /modules.list); do $B insmod "$m" || echo "KTS-VM-INIT insmod $m failed"; done
$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot || { echo "KTS-VM-INIT cannot mount the host root"; $B poweroff -f; }
$B mount -t proc proc /newroot/proc
$B mount -t sysfs sys /newroot/sys
$B mount -t devtmpfs dev /newroot/dev
$B mount -t tmpfs tmp /newroot/tmp
$B mount -t tmpfs run /newroot/run
$B mkdir -p /newroot/tmp/kts-job
$B mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 job /newroot/tmp/kts-job || echo "KTS-VM-INIT cannot mount the job share"
$B chroot /newroot /bin/sh -c 'cd / && export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TMPDIR=/tmp && ip link set lo up; sh /tmp/kts-job/run.sh' 2>&1
echo "KTS-VM-EXIT $?"
$B sync
$B poweroff -f
`;

// The kernel's module autoloader runs /sbin/modprobe in the initramfs; send it to the host root's.
const MODPROBE = `#!/bin/busybox sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
`;

/** Builds (or reuses) the initramfs; returns its path. */
export function buildInitramfs(version: string): string {
  const modules = bootModuleFiles(version);
  const hash = createHash('sha256');
  hash.update(INIT).update(MODPROBE).update(version);
  const busybox = readFileSync(BUSYBOX);
  hash.update(busybox);
  const moduleData = modules.map((m) => readFileSync(m));
  for (const d of moduleData) hash.update(d);
  const dir = join(tmpdir(), 'kts-vm-cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `initramfs-${hash.digest('hex').slice(0, 16)}.cpio`);
  if (existsSync(file)) return file;
  const entries: CpioEntry[] = [];
  for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'newroot', 'lib', 'lib/modules']) entries.push({ kind: 'dir', name: d });
  entries.push({ kind: 'file', name: 'bin/busybox', data: busybox, mode: 0o755 });
  entries.push({ kind: 'symlink', name: 'bin/sh', target: 'busybox' });
  entries.push({ kind: 'file', name: 'init', data: Buffer.from(INIT), mode: 0o755 });
  entries.push({ kind: 'file', name: 'sbin/modprobe', data: Buffer.from(MODPROBE), mode: 0o755 });
  const names: string[] = [];
  modules.forEach((m, i) => {
    const name = `lib/modules/${i.toString().padStart(2, '0')}-${m.split('/').pop()}`;
    entries.push({ kind: 'file', name, data: moduleData[i]! });
    names.push('/' + name);
  });
  entries.push({ kind: 'file', name: 'modules.list', data: Buffer.from(names.join('\n') + '\n') });
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, writeCpio(entries));
  renameSync(tmp, file);
  return file;
}

/** Boots the VM, runs the script, powers off. Never throws for a script failure: look at exitCode. */
export async function runInVm(opts: VmOptions): Promise<VmResult> {
  const why = vmUnavailable();
  if (why) throw new Error(`cannot run a VM: ${why}`);
  const version = kernelVersion()!;
  const initrd = buildInitramfs(version);
  const job = mkdtempSync(join(tmpdir(), 'kts-vm-job-'));
  writeFileSync(join(job, 'run.sh'), opts.script);
  const kvm = kvmUsable();
  const args = [
    ...(kvm ? ['-enable-kvm', '-cpu', 'host,-arch-capabilities'] : ['-cpu', 'max']),
    '-m', String(opts.memoryMb ?? 1024),
    '-smp', String(opts.cpus ?? 1),
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none',
    '-kernel', `/boot/vmlinuz-${version}`,
    '-initrd', initrd,
    '-append', 'console=ttyS0 panic=-1 quiet loglevel=3',
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${job},mount_tag=job,security_model=none`,
  ];
  const timeoutMs = opts.timeoutMs ?? (kvm ? 180_000 : 900_000);
  try {
    return await new Promise<VmResult>((resolve, reject) => {
      const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', () => {
        clearTimeout(timer);
        const text = out.replace(/\r/g, '');
        const results: unknown[] = [];
        let exitCode: number | undefined;
        for (const line of text.split('\n')) {
          const r = /KTS-VM-RESULT (.*)$/.exec(line);
          if (r) {
            try {
              results.push(JSON.parse(r[1]!));
            } catch {
              results.push({ unparsable: r[1] });
            }
          }
          const x = /^KTS-VM-EXIT (\d+)/.exec(line);
          if (x) exitCode = Number(x[1]);
        }
        resolve({ exitCode, console: text, results, timedOut });
      });
    });
  } finally {
    rmSync(job, { recursive: true, force: true });
  }
}
