// Builds the ConfigNode tree from the preprocessor's logical lines, one line at a time
// (the preprocessor streams into it). The reader knows no keywords: any line followed by
// "{" owns a block, the keyword layer decides whether the keyword exists and whether it
// takes a block. Brace errors are located: an unclosed block names the line that opened
// it, a stray "}" its own line.
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

export class TreeBuilder {
  /** The top-level nodes (stays empty when they are handed to `onTopLevel`). */
  readonly nodes: ConfigNode[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly stack: OpenBlock[] = [];
  private current: ConfigNode[] = this.nodes;
  /** The node on the previous logical line, which a following "{" opens a block for. */
  private lastNode: ConfigNode | undefined;
  /** Brace depth inside a dropped too-deep block (0 = not dropping). */
  private dropping = 0;
  /** With `onTopLevel`: the last top-level node, until nothing can be added to it any more. */
  private pending: ConfigNode | undefined;

  /**
   * onTopLevel, when given, receives each top-level node once it is complete (its block
   * closed, or the next top-level line read), in file order, instead of `nodes` keeping them:
   * a consumer can then process a block and drop it while the file is still being read.
   */
  constructor(private readonly onTopLevel?: (node: ConfigNode) => void) {}

  add(line: LogicalLine): void {
    const text = line.text;
    if (text === '{') { this.openBlock(line.loc); return; }
    if (text === '}') { this.closeBlock(line.loc); return; }
    if (this.dropping > 0) return;
    const { words, unmatchedQuote } = tokenizeLine(text);
    // words becomes the node's args (no copy: this runs once per configuration line).
    const keyword = words.shift();
    if (keyword === undefined) {
      // Only an unterminated quote can leave a non-empty line without words.
      if (unmatchedQuote) this.diagnostics.push(err(line.loc, `Unmatched quote: '${text}'`));
      this.lastNode = undefined;
      return;
    }
    this.addWords(keyword, words, restAfterFirstWord(text), line.loc);
  }

  /** A line already split into words (the preprocessor's fast path for plain lines). */
  addWords(keyword: string, args: string[], rest: string, loc: SourceLoc): void {
    if (this.dropping > 0) return;
    const node: ConfigNode = { keyword, args, rest, loc };
    if (this.onTopLevel !== undefined && this.stack.length === 0) {
      this.flush();
      this.pending = node;
    } else {
      this.current.push(node);
    }
    this.lastNode = node;
  }

  /** A "{" line: opens a block for the node on the previous line. */
  openBlock(loc: SourceLoc): void {
    if (this.dropping > 0) {
      this.dropping++;
      return;
    }
    const owner = this.lastNode;
    this.lastNode = undefined;
    if (owner && owner.children === undefined && this.stack.length >= MAX_BLOCK_DEPTH) {
      this.diagnostics.push(err(loc, `blocks nested more than ${MAX_BLOCK_DEPTH} deep - ignoring '${owner.keyword}' block`));
      this.current.pop();
      this.dropping = 1;
    } else if (owner && owner.children === undefined) {
      owner.children = [];
      this.stack.push({ owner, nodes: this.current });
      this.current = owner.children;
    } else {
      this.diagnostics.push(err(loc, "Unexpected '{' - ignoring"));
    }
  }

  /** A "}" line. */
  closeBlock(loc: SourceLoc): void {
    if (this.dropping > 0) {
      this.dropping--;
      return;
    }
    const open = this.stack.pop();
    if (open) {
      // An exact-size copy: the pushed-to array keeps spare slots (16 at least) for good.
      open.owner.children = this.current.slice();
      this.current = open.nodes;
      // A closed block takes nothing more (a "{" now would be unexpected).
      if (this.stack.length === 0) this.flush();
    }
    else this.diagnostics.push(err(loc, "Extra '}' found"));
    this.lastNode = undefined;
  }

  /** Reports blocks still open at the end of the configuration, innermost first. */
  finish(): { nodes: ConfigNode[]; diagnostics: Diagnostic[] } {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const open = this.stack[i] as OpenBlock;
      this.diagnostics.push(err(open.owner.loc, `'${open.owner.keyword}' block opened here is never closed (missing '}')`));
    }
    this.stack.length = 0;
    this.flush();
    return { nodes: this.nodes, diagnostics: this.diagnostics };
  }

  private flush(): void {
    const node = this.pending;
    if (node === undefined) return;
    this.pending = undefined;
    (this.onTopLevel as (node: ConfigNode) => void)(node);
  }
}

export function buildTree(lines: readonly LogicalLine[]): { nodes: ConfigNode[]; diagnostics: Diagnostic[] } {
  const builder = new TreeBuilder();
  for (const line of lines) builder.add(line);
  return builder.finish();
}

function err(loc: SourceLoc, message: string): Diagnostic {
  return { severity: 'error', loc: { ...loc }, message };
}
