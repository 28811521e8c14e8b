// An idle Node event loop: an empty setInterval callback HZ times a second, measured over
// SECONDS seconds after a settling interval (start-up's compilation and GC done); prints its
// user and system CPU per wake-up as one JSON line. For bench/wakeup.bench.mjs.
const HZ = Number(process.argv[2] ?? 40);
const SECONDS = Number(process.argv[3] ?? 15);
const SETTLE_MS = Number(process.argv[4] ?? 5000);
let n = 0;
const iv = setInterval(() => { n++; }, 1000 / HZ);
setTimeout(() => {
  const n0 = n;
  const c0 = process.cpuUsage();
  setTimeout(() => {
    const c = process.cpuUsage(c0);
    const w = n - n0;
    clearInterval(iv);
    console.log(JSON.stringify({ wakeups: w, userUs: c.user / w, sysUs: c.system / w }));
  }, SECONDS * 1000);
}, SETTLE_MS);
