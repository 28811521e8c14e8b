// The default service module a child imports before it starts: it registers the real
// services for the roles. A role with no service registered here makes its child exit with
// FATAL and a clear message.
import { registerService } from './service.js';
import { createVrrpService } from '../vrrp/service.js';

registerService('vrrp', (ctx) => createVrrpService(ctx));
