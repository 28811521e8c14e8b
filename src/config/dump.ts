// Renders a resolved configuration for `keepalived-ts -d`: as keepalived.conf text with
// each line's origin, or as JSON.
import type { ConfigNode } from './ast.js';

function quoteWord(w: string): string {
  return w === '' || /[\s"{}#!]/.test(w) ? `"${w}"` : w;
}

/** keepalived.conf text of the resolved tree; `# file:line` shows where each line came from. */
export function dumpConfigText(nodes: readonly ConfigNode[]): string {
  const out: string[] = [];
  const walk = (list: readonly ConfigNode[], depth: number): void => {
    const pad = '    '.repeat(depth);
    for (const n of list) {
      const words = [n.keyword, ...n.args].map(quoteWord).join(' ');
      const origin = `# ${n.loc.file}:${n.loc.line}`;
      if (n.children) {
        out.push(`${pad}${words} {  ${origin}`);
        walk(n.children, depth + 1);
        out.push(`${pad}}`);
      } else {
        out.push(`${pad}${words}  ${origin}`);
      }
    }
  };
  walk(nodes, 0);
  return out.join('\n') + (out.length ? '\n' : '');
}

export function dumpConfigJson(data: { files: string[]; nodes: ConfigNode[]; config?: unknown }): string {
  return JSON.stringify(data, null, 2) + '\n';
}
