// Builds the ConfigNode tree from the preprocessor's logical lines. The reader knows no
// keywords: any line followed by "{" owns a block, the keyword layer decides whether the
// keyword exists and whether it takes a block. Brace errors are located: an unclosed
// block names the line that opened it, a stray "}" its own line.
import type { ConfigNode, Diagnostic, SourceLoc } from './ast.js';
import { restAfterFirstWord, tokenizeLine } from './lexer.js';
import type { LogicalLine } from './preprocess.js';

/**
 * Deepest block nesting kept (keepalived's own grammar needs 5: virtual_server >
 * real_server > HTTP_GET > url). Deeper blocks are dropped with an error, so consumers
 * can walk the tree recursively without exhausting the stack.
 */
export const MAX_BLOCK_DEPTH = 32;

interface OpenBlock {
  owner: ConfigNode;
  nodes: ConfigNode[];
}

export function buildTree(lines: readonly LogicalLine[]): { nodes: ConfigNode[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const root: ConfigNode[] = [];
  const stack: OpenBlock[] = [];
  let current = root;
  // The node on the previous logical line, which a following "{" opens a block for.
  let lastNode: ConfigNode | undefined;
  // Brace depth inside a dropped too-deep block (0 = not dropping).
  let dropping = 0;

  for (const line of lines) {
    if (dropping > 0) {
      if (line.text === '{') dropping++;
      else if (line.text === '}') dropping--;
      continue;
    }
    if (line.text === '{') {
      if (lastNode && lastNode.children === undefined && stack.length >= MAX_BLOCK_DEPTH) {
        diagnostics.push(err(line.loc, `blocks nested more than ${MAX_BLOCK_DEPTH} deep - ignoring '${lastNode.keyword}' block`));
        current.pop();
        dropping = 1;
      } else if (lastNode && lastNode.children === undefined) {
        lastNode.children = [];
        stack.push({ owner: lastNode, nodes: current });
        current = lastNode.children;
      } else {
        diagnostics.push(err(line.loc, "Unexpected '{' - ignoring"));
      }
      lastNode = undefined;
      continue;
    }
    if (line.text === '}') {
      const open = stack.pop();
      if (open) current = open.nodes;
      else diagnostics.push(err(line.loc, "Extra '}' found"));
      lastNode = undefined;
      continue;
    }
    const { words, unmatchedQuote } = tokenizeLine(line.text);
    // words becomes the node's args (no copy: this runs once per configuration line).
    const keyword = words.shift();
    if (keyword === undefined) {
      // Only an unterminated quote can leave a non-empty line without words;
      // the preprocessor has already reported it.
      if (unmatchedQuote) diagnostics.push(err(line.loc, `Unmatched quote: '${line.text}'`));
      lastNode = undefined;
      continue;
    }
    const node: ConfigNode = { keyword, args: words, rest: restAfterFirstWord(line.text), loc: line.loc };
    current.push(node);
    lastNode = node;
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const open = stack[i] as OpenBlock;
    diagnostics.push(err(open.owner.loc, `'${open.owner.keyword}' block opened here is never closed (missing '}')`));
  }
  return { nodes: root, diagnostics };
}

function err(loc: SourceLoc, message: string): Diagnostic {
  return { severity: 'error', loc: { ...loc }, message };
}
