#!/usr/bin/python3
"""Independent PyTorch reference for segnas's searched segmentation network.

Implements SPEC.md sections 1-2: decoding of the 25-token MobileNetV2SpaceSeg
vector, the DeepLab + searched-MobileNetV2 network (optional ASPP / decoder),
PaddleSlim-style parameter and FLOPs counts, and a CPU training / inference
throughput measurement. torch only; run with Debian's /usr/bin/python3.

segnas copy (bench/gpu/torch_segnet.py) of ../shared/reference/torch_segnet.py, extended with
--device cuda for the GPU check (bench/gpu/): the model and the batch live on the GPU and every
timed step is bracketed by torch.cuda.synchronize(); --tf32 0 (default) keeps cuDNN and matmuls
in true fp32 (PyTorch's own default lets cuDNN convolutions use TF32), the same precision as
WebGPU's fp32 shaders. With --device cpu (the default) everything is as in the reference.

  /usr/bin/python3 torch_segnet.py --tokens 4,4,5,1,0,... [--height 96 --width 128]
      [--classes 11] [--aspp 0|1] [--decoder 0|1] [--batch 8] [--steps 10]
      [--warmup 2] [--threads N] [--json] [--breakdown]
      [--onednn-1x1 0|1] [--malloc-tune 0|1] [--device cpu|cuda] [--tf32 0|1]

--tokens also accepts `init`, `min` (all zeros) and `max` (range - 1 each).
--steps 0 skips the timing (architecture, params and FLOPs only).
Two speed-only settings, on by default (0 gives stock torch behaviour):
--onednn-1x1 routes 1x1 convs to oneDNN also on one thread, and
--malloc-tune keeps freed memory in glibc's heap; see route_1x1_to_onednn
and tune_malloc. Neither changes the math.
"""

import argparse
import ctypes
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------
# Search space (SPEC section 1)
# --------------------------------------------------------------------------

HEAD_NUM = [3, 4, 8, 12, 16, 24, 32]
FILTER_NUM = [  # filter_num1 .. filter_num6
    [3, 4, 8, 12, 16, 24, 32, 48],
    [8, 12, 16, 24, 32, 48, 64, 80],
    [16, 24, 32, 48, 64, 80, 96, 128],
    [24, 32, 48, 64, 80, 96, 128, 144, 160, 192],
    [32, 48, 64, 80, 96, 128, 144, 160, 192, 224],
    [64, 80, 96, 128, 144, 160, 192, 224, 256, 320, 384, 512],
]
MULTIPLY = [1, 2, 3, 4, 6]          # expansion factor t
REPEAT = [1, 2, 3, 4, 5, 6]         # units per block n
K_SIZE = [3, 5]                     # depthwise kernel k
BLOCK_STRIDES = [2, 2, 2, 1, 2, 1]  # blocks 1..6, before the output-stride cap

# Exclusive upper bound of every token: head, then 6 x [t, c, n, k].
RANGE_TABLE = [len(HEAD_NUM)] + [
    r for f in FILTER_NUM for r in (len(MULTIPLY), len(f), len(REPEAT), len(K_SIZE))
]
INIT_TOKENS = [4, 4, 5, 1, 0, 4, 4, 2, 0, 4, 4, 3, 0, 4, 5, 2, 0, 4, 7, 2, 0, 4, 9, 0, 0]
TOKEN_NAMES = ["head_num"] + [
    "block%d.%s" % (b, f)
    for b in range(1, 7) for f in ("multiply", "filter_num", "repeat", "k_size")
]

STEM_CHANNELS = 32
OUTPUT_STRIDE = 16
SHORTCUT_BLOCK = 1   # decoder shortcut: depthwise output of this block's last unit
BN_EPS = 1e-5
# Paddle's BN momentum m updates running = m*running + (1-m)*batch; torch's
# momentum is 1 - m. Backbone BNs use fluid's default 0.9, PaddleSeg's
# head BNs (ASPP, decoder) use cfg.MODEL.BN_MOMENTUM = 0.99.
BACKBONE_BN_MOMENTUM = 0.1
HEAD_BN_MOMENTUM = 0.01
HEAD_CHANNELS = 256
ASPP_RATES = (6, 12, 18)  # for output stride 16
ASPP_KEEP_PROB = 0.1      # fluid.layers.dropout(x, 0.9)
DECODER_SHORTCUT_CHANNELS = 48
IGNORE_INDEX = 255


def parse_tokens(text):
    """'4,4,5,...' (brackets/spaces tolerated), or 'init' / 'min' / 'max'."""
    key = text.strip().lower()
    if key == "init":
        return list(INIT_TOKENS)
    if key in ("min", "zeros"):
        return [0] * len(RANGE_TABLE)
    if key == "max":
        return [r - 1 for r in RANGE_TABLE]
    parts = [p for p in key.strip("[]()").replace(" ", "").split(",") if p != ""]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValueError("tokens must be comma-separated integers, got %r" % text)


def validate_tokens(tokens):
    if len(tokens) != len(RANGE_TABLE):
        raise ValueError("expected %d tokens, got %d" % (len(RANGE_TABLE), len(tokens)))
    for i, (tok, hi) in enumerate(zip(tokens, RANGE_TABLE)):
        if not isinstance(tok, int) or not 0 <= tok < hi:
            raise ValueError("token %d (%s) = %r is out of range [0, %d)"
                             % (i, TOKEN_NAMES[i], tok, hi))


def decode_tokens(tokens):
    """Return the 7 blocks (t, c, n, s, k) of the backbone (after the stride cap)."""
    validate_tokens(tokens)
    blocks = [(1, HEAD_NUM[tokens[0]], 1, 1, 3)]
    for b in range(6):
        m, f, r, k = tokens[1 + 4 * b: 5 + 4 * b]
        blocks.append((MULTIPLY[m], FILTER_NUM[b][f], REPEAT[r], BLOCK_STRIDES[b], K_SIZE[k]))
    # Output stride 16, PaddleSlim's walk: the running stride (2 after the
    # stem) is multiplied by each block's s; a block that would take it past
    # 16 gets s = 1 (the running stride itself is not reset). No dilation.
    stride, capped = 2, []
    for t, c, n, s, k in blocks:
        stride *= s
        capped.append((t, c, n, 1 if stride > OUTPUT_STRIDE else s, k))
    return capped


# --------------------------------------------------------------------------
# Layers (SPEC section 2)
# --------------------------------------------------------------------------

class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow/Paddle "SAME" padding: out = ceil(in / stride),
    total padding = max((out - 1) * stride + k_eff - in, 0), the odd extra
    pixel at the end (bottom / right). Applied with an explicit F.pad, so
    asymmetric cases (even strides or kernels) are exact."""

    def __init__(self, cin, cout, k, stride=1, groups=1, dilation=1, bias=False):
        super().__init__(cin, cout, k, stride=stride, padding=0,
                         dilation=dilation, groups=groups, bias=bias)

    def forward(self, x):
        pad = []
        for axis in (1, 0):  # F.pad wants (left, right, top, bottom)
            size, s = x.shape[2 + axis], self.stride[axis]
            k_eff = (self.kernel_size[axis] - 1) * self.dilation[axis] + 1
            total = max((-(-size // s) - 1) * s + k_eff - size, 0)
            pad += [total // 2, total - total // 2]
        if any(pad):
            x = F.pad(x, pad)
        return super().forward(x)


def conv_bn(cin, cout, k, stride=1, groups=1, dilation=1, act=None,
            momentum=BACKBONE_BN_MOMENTUM):
    """Conv (no bias, SAME) + BN (eps 1e-5) + optional activation."""
    layers = [SameConv2d(cin, cout, k, stride, groups, dilation),
              nn.BatchNorm2d(cout, eps=BN_EPS, momentum=momentum)]
    if act is not None:
        layers.append(act(inplace=True))
    return nn.Sequential(*layers)


def sep_conv(cin, cout, dilation=1):
    """PaddleSeg separate_conv: 3x3 depthwise (dilated) + BN + ReLU, then
    1x1 -> cout + BN + ReLU. Paddle pads (k//2)*dilation on each side, which
    equals SAME here (stride 1, odd kernel)."""
    return nn.Sequential(
        conv_bn(cin, cin, 3, groups=cin, dilation=dilation, act=nn.ReLU, momentum=HEAD_BN_MOMENTUM),
        conv_bn(cin, cout, 1, act=nn.ReLU, momentum=HEAD_BN_MOMENTUM))


def resize(x, size):
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=True)


class InvertedResidual(nn.Module):
    """1x1 expand + BN + ReLU6 (kept even for t = 1), kxk depthwise at stride s
    + BN + ReLU6, 1x1 linear + BN; optional identity shortcut.
    Returns (output, depthwise output)."""

    def __init__(self, cin, cout, t, k, stride, shortcut):
        super().__init__()
        self.mid = int(round(cin * t))
        self.expand = conv_bn(cin, self.mid, 1, act=nn.ReLU6)
        self.dwise = conv_bn(self.mid, self.mid, k, stride, groups=self.mid, act=nn.ReLU6)
        self.linear = conv_bn(self.mid, cout, 1)
        self.shortcut = shortcut

    def forward(self, x):
        d = self.dwise(self.expand(x))
        y = self.linear(d)
        return (y + x if self.shortcut else y), d


class Backbone(nn.Module):
    """Stem (3x3/2, 32 ch) + the 7 decoded blocks; output stride 16, no 1280 conv."""

    def __init__(self, blocks):
        super().__init__()
        self.stem = conv_bn(3, STEM_CHANNELS, 3, stride=2, act=nn.ReLU6)
        self.blocks = nn.ModuleList()
        cin = STEM_CHANNELS
        for t, c, n, s, k in blocks:
            # Unit 1: stride s and never a shortcut (even if shapes match);
            # units 2..n: stride 1 with the identity shortcut.
            self.blocks.append(nn.ModuleList(
                InvertedResidual(cin if i == 0 else c, c, t, k, s if i == 0 else 1, i > 0)
                for i in range(n)))
            cin = c
        self.out_channels = cin
        self.shortcut_channels = self.blocks[SHORTCUT_BLOCK][-1].mid

    def forward(self, x):
        x = self.stem(x)
        shortcut = None
        for b, units in enumerate(self.blocks):
            for unit in units:
                x, d = unit(x)
            if b == SHORTCUT_BLOCK:
                shortcut = d
        return x, shortcut


class PaddleDropout(nn.Module):
    """fluid.layers.dropout default ("downgrade_in_infer"): training multiplies
    by a Bernoulli(keep) mask without rescaling; inference scales by keep."""

    def __init__(self, keep):
        super().__init__()
        self.keep = keep

    def forward(self, x):
        if self.training:
            return x * (torch.rand_like(x) < self.keep).to(x.dtype)
        return x * self.keep


class ASPP(nn.Module):
    """Image pool, 1x1, three separable 3x3 (dilation 6/12/18) -> concat
    (5 x 256) -> 1x1 -> 256 + BN + ReLU -> dropout."""

    def __init__(self, cin):
        super().__init__()
        ch, mom = HEAD_CHANNELS, HEAD_BN_MOMENTUM
        self.image_pool = conv_bn(cin, ch, 1, act=nn.ReLU, momentum=mom)
        self.aspp0 = conv_bn(cin, ch, 1, act=nn.ReLU, momentum=mom)
        self.aspp1, self.aspp2, self.aspp3 = (sep_conv(cin, ch, r) for r in ASPP_RATES)
        self.concat = conv_bn(5 * ch, ch, 1, act=nn.ReLU, momentum=mom)
        self.dropout = PaddleDropout(ASPP_KEEP_PROB)

    def forward(self, x):
        pool = self.image_pool(x.mean(dim=(2, 3), keepdim=True))
        branches = [resize(pool, x.shape[2:]), self.aspp0(x),
                    self.aspp1(x), self.aspp2(x), self.aspp3(x)]
        return self.dropout(self.concat(torch.cat(branches, dim=1)))


class Decoder(nn.Module):
    """Shortcut -> 1x1 -> 48 + BN + ReLU; encoder output resized to the
    shortcut size and concatenated in front; two separable 3x3 -> 256."""

    def __init__(self, cin, shortcut_channels):
        super().__init__()
        c48 = DECODER_SHORTCUT_CHANNELS
        self.shortcut = conv_bn(shortcut_channels, c48, 1, act=nn.ReLU, momentum=HEAD_BN_MOMENTUM)
        self.sep1 = sep_conv(cin + c48, HEAD_CHANNELS)
        self.sep2 = sep_conv(HEAD_CHANNELS, HEAD_CHANNELS)

    def forward(self, x, shortcut):
        s = self.shortcut(shortcut)
        x = torch.cat([resize(x, s.shape[2:]), s], dim=1)
        return self.sep2(self.sep1(x))


class SegNet(nn.Module):
    """DeepLab + searched MobileNetV2: backbone [-> ASPP] [-> decoder] ->
    1x1 logit conv (with bias) -> bilinear resize to the input size."""

    def __init__(self, blocks, classes, aspp=False, decoder=False):
        super().__init__()
        self.backbone = Backbone(blocks)
        c = self.backbone.out_channels
        self.aspp = ASPP(c) if aspp else None
        c = HEAD_CHANNELS if aspp else c
        self.decoder = Decoder(c, self.backbone.shortcut_channels) if decoder else None
        c = HEAD_CHANNELS if decoder else c
        self.logit = SameConv2d(c, classes, 1, bias=True)
        paddle_init_(self)

    def forward(self, x):
        y, shortcut = self.backbone(x)
        if self.aspp is not None:
            y = self.aspp(y)
        if self.decoder is not None:
            y = self.decoder(y, shortcut)
        return resize(self.logit(y), x.shape[2:])


def paddle_init_(model):
    """fluid.layers.conv2d's default initializer, N(0, sqrt(2 / (kh*kw*C_in)))
    with C_in the full input channel count (also for depthwise); PaddleSeg's
    model_libs.conv replaces the head's ParamAttr by a bare name, so the head
    gets it too. Biases 0; BN gamma 1, beta 0 (torch defaults)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan = m.kernel_size[0] * m.kernel_size[1] * m.in_channels
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


# --------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------

def count_params(model):
    """(trainable parameters incl. BN affine, BN running mean + variance)."""
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    running = sum(m.running_mean.numel() + m.running_var.numel()
                  for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    return params, running


def conv_flops(model, height, width):
    """PaddleSlim's count: per image, conv layers only,
    H_out * W_out * C_out * (k_h * k_w * C_in / groups + bias).
    Returns (total, [(module name, C_in, C_out, k, groups, H_out, W_out, flops)])."""
    layers, handles = [], []
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            def hook(mod, _inp, out, name=name):
                _, c_out, h, w = out.shape
                kh, kw = mod.kernel_size
                per_output = kh * kw * (mod.in_channels // mod.groups) + (mod.bias is not None)
                layers.append((name, mod.in_channels, c_out, kh, mod.groups, h, w,
                               h * w * c_out * per_output))
            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, height, width))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return sum(l[-1] for l in layers), layers


def flops_breakdown(layers):
    """Sum per-layer FLOPs into groups: stem, backbone blocks, head parts."""
    groups = {}
    for name, *_rest, flops in layers:
        parts = name.split(".")
        if parts[0] == "backbone":
            key = "stem" if parts[1] == "stem" else "block%s" % parts[2]
        elif parts[0] in ("aspp", "decoder"):
            key = "%s.%s" % (parts[0], parts[1])
        else:
            key = parts[0]
        groups[key] = groups.get(key, 0) + flops
    return groups


def describe(tokens, height, width, classes, aspp, decoder):
    """Architecture facts without timing (used for cross-checks)."""
    blocks = decode_tokens(tokens)
    model = SegNet(blocks, classes, aspp, decoder)
    params, running = count_params(model)
    flops, layers = conv_flops(model, height, width)
    return model, blocks, params, running, flops, layers


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

def route_1x1_to_onednn(model):
    """torch 1.13 runs a stride-1, undilated 1x1 conv with batch < 16 on a
    single thread through im2col + the system BLAS (Debian: the netlib
    reference BLAS, very slow) instead of oneDNN; any dilated conv goes to
    oneDNN. Dilation does not change a 1x1 kernel, so setting it to 2 only
    changes the kernel choice (results equal up to float rounding)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1):
            m.dilation = (2, 2)


def tune_malloc():
    """glibc hands freed blocks over 128 KiB back to the OS (munmap / trim),
    so every training step page-faults its activations in again (measured
    here: steps 2-3x slower). Serve every block from the heap
    (M_MMAP_MAX = 0) and never trim it (M_TRIM_THRESHOLD = 1 GiB).
    Returns True if glibc accepted both settings."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
    return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))


def no_sync():
    pass


def time_training(model, x, labels, steps, warmup, sync=no_sync):
    """Median seconds of forward + backward + SGD step (momentum 0.9, lr 0.01).
    `sync` waits for the device (torch.cuda.synchronize on cuda) before and after each step."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    times = []
    for i in range(warmup + steps):
        sync()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels, ignore_index=IGNORE_INDEX)
        loss.backward()
        opt.step()
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
        if not torch.isfinite(loss):
            raise RuntimeError("training loss is not finite: %r" % loss.item())
    return statistics.median(times)


def time_inference(model, x, steps, warmup, sync=no_sync):
    """Median seconds of an eval-mode forward under no_grad."""
    model.eval()
    times = []
    with torch.no_grad():
        for i in range(warmup + steps):
            sync()
            t0 = time.perf_counter()
            model(x)
            sync()
            if i >= warmup:
                times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", default="init", help="25 comma-separated tokens, or init/min/max")
    ap.add_argument("--height", type=int, default=96)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--classes", type=int, default=11)
    ap.add_argument("--aspp", type=int, choices=(0, 1), default=0)
    ap.add_argument("--decoder", type=int, choices=(0, 1), default=0)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=10, help="timed steps (0: no timing)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps before timing")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--onednn-1x1", type=int, choices=(0, 1), default=1,
                    help="route 1x1 convs to oneDNN on one thread too (speed only)")
    ap.add_argument("--malloc-tune", type=int, choices=(0, 1), default=1,
                    help="keep freed memory in glibc's heap (speed only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                    help="where to time (cuda: synchronised steps on the first visible GPU)")
    ap.add_argument("--tf32", type=int, choices=(0, 1), default=0,
                    help="cuda only: let cuDNN/cuBLAS use TF32 (0: true fp32, like WebGPU)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--breakdown", action="store_true", help="print FLOPs per layer group")
    args = ap.parse_args(argv)

    try:
        tokens = parse_tokens(args.tokens)
        validate_tokens(tokens)
    except ValueError as e:
        ap.error(str(e))
    for name in ("height", "width", "batch", "classes"):
        if getattr(args, name) < 1:
            ap.error("--%s must be >= 1" % name)
    if args.classes > IGNORE_INDEX:
        ap.error("--classes must be <= %d (label %d is the ignore index)"
                 % (IGNORE_INDEX, IGNORE_INDEX))
    if args.steps < 0 or args.warmup < 0:
        ap.error("--steps and --warmup must be >= 0")
    if args.steps > 0 and args.aspp and args.batch < 2:
        ap.error("--aspp 1 needs --batch >= 2 to train (BN of the 1x1 image-pool branch)")
    if args.threads is not None:
        if args.threads < 1:
            ap.error("--threads must be >= 1")
        torch.set_num_threads(args.threads)
    malloc_tuned = tune_malloc() if args.malloc_tune else False
    torch.manual_seed(args.seed)

    model, blocks, params, running, flops, layers = describe(
        tokens, args.height, args.width, args.classes, bool(args.aspp), bool(args.decoder))

    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        print("torch_segnet.py: --device cuda but torch.cuda.is_available() is False "
              "(torch %s, CUDA build %s)" % (torch.__version__, torch.version.cuda), file=sys.stderr)
        return 3
    if args.onednn_1x1 and not cuda:
        route_1x1_to_onednn(model)
    if cuda:
        torch.backends.cudnn.allow_tf32 = bool(args.tf32)
        torch.backends.cuda.matmul.allow_tf32 = bool(args.tf32)
    sync = torch.cuda.synchronize if cuda else no_sync
    train_s = infer_s = None
    if args.steps > 0:
        x = torch.rand(args.batch, 3, args.height, args.width) * 2 - 1
        labels = torch.randint(0, args.classes, (args.batch, args.height, args.width))
        if cuda:
            model = model.to("cuda")
            x = x.to("cuda")
            labels = labels.to("cuda")
        train_s = time_training(model, x, labels, args.steps, args.warmup, sync)
        infer_s = time_inference(model, x, args.steps, args.warmup, sync)

    result = {
        "tokens": tokens,
        "blocks": [list(b) for b in blocks],
        "params": params,
        "bn_running_stats": running,
        "flops": flops,
        "shortcut_channels": model.backbone.shortcut_channels,
        "out_channels": model.backbone.out_channels,
        "train_img_per_s": args.batch / train_s if train_s else None,
        "train_ms_per_step": 1000.0 * train_s if train_s else None,
        "infer_img_per_s": args.batch / infer_s if infer_s else None,
        "infer_ms_per_step": 1000.0 * infer_s if infer_s else None,
        "height": args.height,
        "width": args.width,
        "classes": args.classes,
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "threads": torch.get_num_threads(),
        "onednn_1x1": args.onednn_1x1,
        "malloc_tune": int(malloc_tuned),
        "aspp": args.aspp,
        "decoder": args.decoder,
        "torch_version": torch.__version__,
        "device": args.device,
    }
    if cuda:
        result["device_name"] = torch.cuda.get_device_name(0)
        result["cuda_version"] = torch.version.cuda
        result["tf32"] = args.tf32
        result["max_memory_allocated_mib"] = torch.cuda.max_memory_allocated() / 2 ** 20
    if args.breakdown:
        result["flops_breakdown"] = flops_breakdown(layers)

    if args.json:
        print(json.dumps(result))
        return 0
    print("tokens   : %s" % ",".join(map(str, tokens)))
    print("blocks   : %s" % " ".join("(%d,%d,%d,%d,%d)" % b for b in blocks))
    print("input    : 3x%dx%d, %d classes, aspp %d, decoder %d"
          % (args.height, args.width, args.classes, args.aspp, args.decoder))
    print("params   : %d trainable (incl. BN affine); BN running stats %d" % (params, running))
    print("flops    : %d (%.4g) per image, conv layers, PaddleSlim formula" % (flops, flops))
    print("channels : shortcut %d (stride 4), backbone output %d (stride 16)"
          % (result["shortcut_channels"], result["out_channels"]))
    if args.breakdown:
        for key, value in result["flops_breakdown"].items():
            print("  %-18s %14d  %5.1f%%" % (key, value, 100.0 * value / flops))
    if train_s:
        print("train    : %.2f img/s, %.1f ms/step (median of %d, batch %d, threads %d,"
              " onednn-1x1 %d, malloc-tune %d)"
              % (result["train_img_per_s"], result["train_ms_per_step"], args.steps,
                 args.batch, result["threads"], args.onednn_1x1, malloc_tuned))
        print("infer    : %.2f img/s, %.1f ms/step"
              % (result["infer_img_per_s"], result["infer_ms_per_step"]))
    print("torch    : %s" % torch.__version__)
    if cuda:
        print("device   : %s (CUDA %s, tf32 %d)" % (result["device_name"], torch.version.cuda, args.tf32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
