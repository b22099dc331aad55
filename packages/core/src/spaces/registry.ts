/**
 * The known search spaces by name (`SLIM.NAS_SPACE_NAME`, the wire, the journal). Names are
 * case-sensitive, as in PaddleSlim; an unknown name lists the known ones.
 */
import type { SearchSpace } from "../search-space";
import { MobileNetV2SpaceSeg } from "./mobilenetv2-seg";
import { NasBench201Space } from "./nb201";

/** No search space of that name; `known` lists the names that exist. */
import { UnknownSpaceError } from "../error-classes";

// Spaces are stateless, so one shared instance of each is enough.
const SPACES = {
  MobileNetV2SpaceSeg: new MobileNetV2SpaceSeg(),
  NasBench201: new NasBench201Space(),
} as const;

export type SpaceName = keyof typeof SPACES;

/** The names getSpace accepts. */
export function spaceNames(): SpaceName[] {
  return Object.keys(SPACES) as SpaceName[];
}

export function isSpaceName(name: unknown): name is SpaceName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(SPACES, name);
}

/** The space of that name; throws UnknownSpaceError (naming the known ones) otherwise. */
export function getSpace(name: "MobileNetV2SpaceSeg"): MobileNetV2SpaceSeg;
export function getSpace(name: "NasBench201"): NasBench201Space;
export function getSpace(name: string): SearchSpace;
export function getSpace(name: string): SearchSpace {
  if (isSpaceName(name)) return SPACES[name];
  const known = spaceNames();
  const near =
    typeof name === "string" ? known.find((k) => k.toLowerCase() === name.trim().toLowerCase()) : undefined;
  const hint = near ? ` (names are case-sensitive: did you mean ${near}?)` : "";
  throw new UnknownSpaceError(
    `unknown search space ${JSON.stringify(name)}${hint}; known spaces: ${known.join(", ")}`,
    { name, known },
  );
}
