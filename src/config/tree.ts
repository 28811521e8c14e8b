// Builds the ConfigNode tree from the preprocessor's logical lines. The reader knows no
// keywords: any line followed by "{" owns a block, the keyword layer decides whether the
// keyword exists and whether it takes a block. Brace errors are located: an unclosed
// block names the line that opened it, a stray "}" its own line.
import type { ConfigNode, Diagnostic, SourceLoc } from './ast.js';
import { restAfterFirstWord, tokenizeLine } from './lexer.js';
import type { LogicalLine } from './preprocess.js';

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

  for (const line of lines) {
    if (line.text === '{') {
      if (lastNode && lastNode.children === undefined) {
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
    const keyword = words[0];
    if (keyword === undefined) {
      // Only an unterminated quote can leave a non-empty line without words;
      // the preprocessor has already reported it.
      if (unmatchedQuote) diagnostics.push(err(line.loc, `Unmatched quote: '${line.text}'`));
      lastNode = undefined;
      continue;
    }
    const node: ConfigNode = { keyword, args: words.slice(1), rest: restAfterFirstWord(line.text), loc: { ...line.loc } };
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
