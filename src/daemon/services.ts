// The default service module a child imports before it starts: it registers the real
// services for the roles. The VRRP and checker services register here, e.g.
//
//   import { registerService } from './service.js';
//   import { createVrrpService } from '../vrrp/service.js';
//   registerService('vrrp', (ctx) => createVrrpService(ctx));
//
// Until they do, a child whose role has no service exits with FATAL and a clear message.
export {};
