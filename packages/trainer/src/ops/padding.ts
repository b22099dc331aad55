/**
 * TensorFlow / Paddle "SAME" padding: out = ceil(in / stride), total padding
 * max((out - 1) * stride + k_eff - in, 0) with the odd extra pixel at the end (bottom / right).
 */
export interface SamePadding {
  readonly out: number;
  readonly before: number;
  readonly after: number;
}

export function samePadding(size: number, k: number, stride: number, dilation = 1): SamePadding {
  const kEff = (k - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kEff - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** Geometry of one 2D convolution with SAME padding on an NHWC input. */
export interface ConvGeometry {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  readonly dilation: number;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  readonly ho: number;
  readonly wo: number;
}

export function convGeometry(
  shape: readonly number[],
  kh: number,
  kw: number,
  stride: number,
  dilation: number,
): ConvGeometry {
  const [n, h, w, c] = shape as [number, number, number, number];
  const ph = samePadding(h, kh, stride, dilation);
  const pw = samePadding(w, kw, stride, dilation);
  return {
    n,
    h,
    w,
    c,
    kh,
    kw,
    stride,
    dilation,
    top: ph.before,
    bottom: ph.after,
    left: pw.before,
    right: pw.after,
    ho: ph.out,
    wo: pw.out,
  };
}

/** tfjs explicit padding for a geometry's SAME pads. */
export function explicitPads(g: ConvGeometry): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [
    [0, 0],
    [g.top, g.bottom],
    [g.left, g.right],
    [0, 0],
  ];
}
