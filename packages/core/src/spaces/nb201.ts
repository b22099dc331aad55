/**
 * NasBench201 (Dong & Yang, ICLR 2020): one cell of 4 nodes, 6 edges, each edge one of 5 ops.
 * Tokens are the op index of each edge in cell-string order:
 * `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` = edges 0->1, 0->2, 1->2, 0->3, 1->3, 2->3.
 * Used as an exact, free oracle (a table of trained accuracies) for comparing strategies.
 */
import { InvalidTokensError } from "../error-classes";
import type { Rng } from "../rng";
import type { SearchSpace, Tokens } from "../search-space";
import { validateTokens } from "./validate-tokens";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** The 6 edges [from, to] in cell-string order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];

export interface Nb201Edge {
  readonly from: number;
  readonly to: number;
  readonly op: Nb201Op;
}

/** The plain-JSON architecture NasBench201 decodes to. */
export interface Nb201Arch {
  readonly space: "NasBench201";
  readonly tokens: number[];
  /** The canonical cell string, e.g. `|nor_conv_3x3~0|+|...|`. */
  readonly cell: string;
  /** The 6 edges in cell-string order. */
  readonly edges: Nb201Edge[];
}

const SPACE = "NasBench201";
const TOKEN_NAMES: readonly string[] = NB201_EDGES.map(([from, to]) => `edge${from}->${to}`);
const RANGE_TABLE: readonly number[] = NB201_EDGES.map(() => NB201_OPS.length);
/**
 * Start from the empty cell (every edge "none"): far from the table optimum, so a strategy
 * comparison that starts at the init tokens is not handed the answer.
 */
const INIT_TOKENS: Tokens = NB201_EDGES.map(() => 0);

function cellError(message: string, data: { position?: number; name?: string; value?: unknown }): never {
  throw new InvalidTokensError(
    `${SPACE}: ${message}; a cell looks like |op~0|+|op~0|op~1|+|op~0|op~1|op~2| with op one of ${NB201_OPS.join(", ")}`,
    { space: SPACE, ...data },
  );
}

/** Parses a NAS-Bench-201 cell string into 6 tokens; errors name the bad part. */
export function parseNb201Cell(cell: string): number[] {
  if (typeof cell !== "string") cellError(`a cell must be a string, got ${typeof cell}`, { value: cell });
  const text = cell.trim();
  const nodes = text.split("+");
  if (nodes.length !== 3) {
    cellError(`expected 3 nodes separated by "+", got ${nodes.length} in ${JSON.stringify(text)}`, {
      value: text,
    });
  }
  const tokens: number[] = [];
  nodes.forEach((node, n) => {
    const to = n + 1;
    if (!node.startsWith("|") || !node.endsWith("|") || node.length < 2) {
      cellError(`node ${to} ${JSON.stringify(node)} must start and end with "|"`, {
        name: `node${to}`,
        value: node,
      });
    }
    const entries = node.slice(1, -1).split("|");
    if (entries.length !== to) {
      cellError(`node ${to} ${JSON.stringify(node)} has ${entries.length} edges, expected ${to}`, {
        name: `node${to}`,
        value: node,
      });
    }
    entries.forEach((entry, from) => {
      const position = tokens.length;
      const name = TOKEN_NAMES[position];
      const m = /^([a-z0-9_]+)~(\d+)$/.exec(entry);
      if (!m) {
        cellError(`edge ${from}->${to}: ${JSON.stringify(entry)} is not "op~${from}"`, {
          position,
          name,
          value: entry,
        });
      }
      const [, op, input] = m as unknown as [string, string, string];
      if (Number(input) !== from) {
        cellError(`edge ${from}->${to}: ${JSON.stringify(entry)} names input ${input}, expected ~${from}`, {
          position,
          name,
          value: entry,
        });
      }
      const index = (NB201_OPS as readonly string[]).indexOf(op);
      if (index < 0) {
        cellError(`edge ${from}->${to}: unknown op ${JSON.stringify(op)}`, { position, name, value: op });
      }
      tokens.push(index);
    });
  });
  return tokens;
}

/** Prints 6 tokens as the canonical NAS-Bench-201 cell string. */
export function formatNb201Cell(tokens: Tokens): string {
  validateTokens(SPACE, RANGE_TABLE, TOKEN_NAMES, tokens);
  const ops = tokens.map((t) => NB201_OPS[t] as string);
  const node = (to: number, offset: number): string =>
    `|${ops
      .slice(offset, offset + to)
      .map((op, from) => `${op}~${from}`)
      .join("|")}|`;
  return [node(1, 0), node(2, 1), node(3, 3)].join("+");
}

export class NasBench201Space implements SearchSpace<Nb201Arch> {
  readonly name = SPACE;
  readonly rangeTable = RANGE_TABLE;
  readonly tokenNames = TOKEN_NAMES;
  readonly initTokens = INIT_TOKENS;

  validate(tokens: unknown): asserts tokens is Tokens {
    validateTokens(this.name, this.rangeTable, this.tokenNames, tokens);
  }

  /** Cell string -> tokens (same as parseNb201Cell). */
  parse(cell: string): number[] {
    return parseNb201Cell(cell);
  }

  /** Tokens -> cell string (same as formatNb201Cell). */
  print(tokens: Tokens): string {
    return formatNb201Cell(tokens);
  }

  decode(tokens: Tokens): Nb201Arch {
    this.validate(tokens);
    return {
      space: SPACE,
      tokens: [...tokens],
      cell: formatNb201Cell(tokens),
      edges: NB201_EDGES.map(([from, to], i) => ({
        from,
        to,
        op: NB201_OPS[tokens[i] as number] as Nb201Op,
      })),
    };
  }

  /** Reads the edges (matched by from/to, in any order); `cell` is not consulted. */
  encode(arch: Nb201Arch): number[] {
    const edges: unknown = arch?.edges;
    if (!Array.isArray(edges) || edges.length !== NB201_EDGES.length) {
      cellError(`an architecture has ${NB201_EDGES.length} edges`, { value: edges });
    }
    return NB201_EDGES.map(([from, to], position) => {
      const name = TOKEN_NAMES[position];
      const matches = (edges as Nb201Edge[]).filter((e) => e?.from === from && e?.to === to);
      if (matches.length !== 1) {
        cellError(`edge ${from}->${to} appears ${matches.length} times, expected once`, { position, name });
      }
      const op = (matches[0] as Nb201Edge).op;
      const index = (NB201_OPS as readonly string[]).indexOf(op);
      if (index < 0)
        cellError(`edge ${from}->${to}: unknown op ${JSON.stringify(op)}`, { position, name, value: op });
      return index;
    });
  }

  sample(rng: Rng): number[] {
    return this.rangeTable.map((n) => rng.int(n));
  }

  format(tokens: Tokens): string {
    return formatNb201Cell(tokens);
  }
}
