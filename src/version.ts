// keepalived-ts's version, from package.json (found from dist/src/<dir>/, dist/src/ or src/).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    for (const up of ['../..', '..', '../../..']) {
      try {
        const pkg = JSON.parse(readFileSync(join(here, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'keepalived-ts' && pkg.version) return (cached = pkg.version);
      } catch {
        // try the next level
      }
    }
  } catch {
    // fall through
  }
  return cached;
}
