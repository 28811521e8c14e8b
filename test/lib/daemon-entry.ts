// A daemon entry for process tests: keepalived-ts's own command line, but the configuration
// comes from a JSON file (so tests control it exactly) and the children run the test service.
//   node dist/test/lib/daemon-entry.js -n -l -G -f conf.json -p ... -r ... -c ...
// JSON file: { "roles": ["vrrp", "checker"], "error"?: "reason", ...anything the service reads }.
// KTS_TEST_HEARTBEAT_MS / KTS_TEST_HEARTBEAT_TIMEOUT_MS tune the heartbeat;
// KTS_TEST_SYSLOG_SOCKET replaces /dev/log.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../../src/cli/options.js';
import { daemonOptionsFrom } from '../../src/cli/daemon-start.js';
import { runDaemon, type ConfigSource, type LoadedConfig, type Role } from '../../src/daemon/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export function jsonConfigSource(path: string): ConfigSource {
  return {
    description: path,
    load(): Promise<LoadedConfig> {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        return Promise.resolve({ diagnostics: [{ severity: 'error', loc: { file: path, line: 1 }, message: (e as Error).message }] });
      }
      if (typeof obj['error'] === 'string') {
        return Promise.resolve({ diagnostics: [{ severity: 'error', loc: { file: path, line: 1 }, message: obj['error'] }] });
      }
      const roles = Array.isArray(obj['roles']) ? (obj['roles'] as Role[]) : ['vrrp', 'checker'] as Role[];
      return Promise.resolve({ config: obj, diagnostics: [], roles });
    },
  };
}

const parsed = parseOptions(process.argv.slice(2));
if (parsed.kind !== 'run') {
  process.stderr.write(`daemon-entry: bad arguments (${parsed.kind})\n`);
  process.exit(1);
}
const opts = daemonOptionsFrom(parsed.options);
const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const interval = num('KTS_TEST_HEARTBEAT_MS');
const timeout = num('KTS_TEST_HEARTBEAT_TIMEOUT_MS');
const code = await runDaemon({
  ...opts,
  configSource: jsonConfigSource(parsed.options.configFile),
  serviceModules: [join(here, '..', '..', 'src', 'daemon', 'test-service.js')],
  ...(interval !== undefined ? { heartbeatIntervalMs: interval } : {}),
  ...(timeout !== undefined ? { heartbeatTimeoutMs: timeout } : {}),
  ...(process.env['KTS_TEST_SYSLOG_SOCKET'] ? { syslogSocket: process.env['KTS_TEST_SYSLOG_SOCKET'] } : {}),
});
process.exit(code);
