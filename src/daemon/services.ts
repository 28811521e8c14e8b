// The default service module a child imports before it starts: it registers the real
// services for the roles. A role with no service registered here makes its child exit with
// FATAL and a clear message.
//
// Each role's code is imported only when that role's service is built, so the VRRP child
// never loads the checker, IPVS, nftables or HTTP/TLS/SMTP code and the checker child never
// loads VRRP's (about 2 MiB of heap and code per process; docs/architecture.md, Memory).
import { registerService } from './service.js';

registerService('vrrp', async (ctx) => (await import('../vrrp/service.js')).createVrrpService(ctx));
registerService('checker', async (ctx) => (await import('../check/process.js')).createCheckerProcess(ctx));
registerService('bfd', async (ctx) => (await import('../bfd/service.js')).createBfdService(ctx));
