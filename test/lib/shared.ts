// Locates ../shared (the team's read-only reference material) from the compiled tests.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function sharedDir(): string | undefined {
  const candidates = [process.env.KTS_SHARED, join(process.env.KTS_ROOT ?? process.cwd(), '..', 'shared'), '/work/shared'];
  for (const c of candidates) if (c && existsSync(join(c, 'fixtures'))) return c;
  return undefined;
}
