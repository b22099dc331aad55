/**
 * Preflight: the built network must match core's analytic cost model exactly, in total counts
 * and layer by layer (weight shapes, bias, BN). Two independent recipes agreeing catches a
 * wrong decode, a missing layer or a shape slip before any training time is spent.
 */
import { costModel, type DeepLabHead, type MobileNetV2SegArch } from "@segnas/core";
import { ModelError } from "./errors";
import { weightShape } from "./plan";
import type { SegModel } from "./seg-model";

export interface CheckModelOptions {
  readonly classes: number;
  readonly head: DeepLabHead;
  /** Input size for the cost model (counts do not depend on it). Default 96 x 128. */
  readonly height?: number;
  readonly width?: number;
}

export function checkModel(model: SegModel, arch: MobileNetV2SegArch, opts: CheckModelOptions): void {
  const cost = costModel(arch, {
    height: opts.height ?? 96,
    width: opts.width ?? 128,
    classes: opts.classes,
    head: opts.head,
  });
  const count = model.paramCount();
  const problems: string[] = [];
  if (count.trainable !== cost.params)
    problems.push(`trainable parameters ${count.trainable} != analytic ${cost.params}`);
  if (count.bnRunningStats !== cost.bnRunningStats) {
    problems.push(`BN running statistics ${count.bnRunningStats} != analytic ${cost.bnRunningStats}`);
  }
  const layers = new Map(model.plan.layers.map((l) => [l.name, l]));
  const residual = new Set(
    model.plan.blocks.flatMap((units) => units.filter((u) => u.residual).map((u) => u.linear.name)),
  );
  for (const c of cost.layers) {
    const l = layers.get(c.name);
    if (!l) {
      problems.push(`layer ${c.name} is missing`);
      continue;
    }
    layers.delete(c.name);
    const expected = c.groups === 1 ? [c.k, c.k, c.cin, c.cout] : [c.k, c.k, c.cin, c.cout / c.cin];
    const got = weightShape(l);
    if (got.join() !== expected.join())
      problems.push(`${c.name}: weight [${got.join(", ")}] != analytic [${expected.join(", ")}]`);
    if (l.stride !== c.stride || l.dilation !== c.dilation)
      problems.push(`${c.name}: stride/dilation ${l.stride}/${l.dilation} != ${c.stride}/${c.dilation}`);
    if (l.bias !== c.bias || l.bn !== c.bn || l.act !== c.act || residual.has(c.name) !== c.residual) {
      problems.push(`${c.name}: bias/bn/activation/residual differ from the analytic model`);
    }
  }
  for (const name of layers.keys()) problems.push(`layer ${name} is not in the analytic model`);
  if (problems.length > 0) {
    throw new ModelError(
      `the model does not match its architecture: ${problems.slice(0, 6).join("; ")}${problems.length > 6 ? ` (+${problems.length - 6} more)` : ""}`,
      {
        params: count.trainable,
        expectedParams: cost.params,
        problems: problems.length,
      },
    );
  }
}
