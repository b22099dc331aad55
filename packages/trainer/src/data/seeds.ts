/**
 * Seeds derived from (seed, epoch, sample): a sample's augmentation and an epoch's order are
 * pure functions of them, so results do not depend on the worker pool, prefetch depth or
 * batch boundaries.
 */
import { Rng } from "@segnas/core";

/** A 32-bit avalanche mix (lowbias32). */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function combine(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = mix32((h ^ mix32(p >>> 0)) + 0x9e3779b9);
  return h;
}

const SAMPLE = 0x5a3e;
const ORDER = 0x0e0d;

/** The seed of sample `index` (its position in the file list) in epoch `epoch`. */
export function sampleSeed(seed: number, epoch: number, index: number): number {
  return combine(SAMPLE, seed, epoch, index);
}

/** The order in which an epoch visits the samples: a seeded shuffle, or 0..n-1. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  return shuffle ? Rng.fromSeed(combine(ORDER, seed, epoch)).shuffle(order) : order;
}
