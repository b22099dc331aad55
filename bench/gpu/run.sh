#!/usr/bin/env bash
# segnas GPU check: runs unattended on a GPU machine with no network and no Node.js (bash, tar,
# python3 with PyTorch). Lies beside segnas-gpu.tar.xz, which `npm run bench:gpu` builds
# (docs/training-performance.md, "GPU check"). Usage:
#
#   bash run.sh [OUTDIR]          # results in $OUT, else OUTDIR, else ./gpu-check-out
#
# It unpacks the pack (Node 20, the segnas bundle, dawn.node, sharp/libvips, the Vulkan/EGL
# loaders from Debian, the PyTorch reference), names the NVIDIA Vulkan ICD when the loader finds
# none, prints the adapter, then measures (each step with its own timeout, all within
# SEGNAS_GPU_BUDGET_S, default 450 s):
#   1. train + inference img/s, init-token network, 128x96 (WxH) batch 8, plain head,
#      segnas on webgpu vs torch_segnet.py on cuda, same GPU, as ratios;
#   2. the same at 769x769 batch 8, aspp-decoder head, 19 classes;
#   3. the data pipeline (Cityscapes-sized PNG/JPEG, configs/cityscapes.yaml) with mpio workers
#      up to all cores, sharp and pure-JS decoders, next to the 769x769 train rate.
# and writes results.json + results.txt (+ each step's raw output) to the output folder.
#
# Overrides (the smoke test on a CPU machine uses the first three): SEGNAS_GPU_BACKEND (webgpu),
# SEGNAS_TORCH_DEVICE (cuda), SEGNAS_GPU_SMOKE=1 (tiny sizes), SEGNAS_PYTHON (python3 on PATH),
# SEGNAS_GPU_WORK (unpack folder, default $TMPDIR/segnas-gpu-check), SEGNAS_GPU_BUDGET_S (450),
# SEGNAS_DATA_WORKERS (4,8,<cores>).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=${OUT:-${1:-$PWD/gpu-check-out}}
WORK=${SEGNAS_GPU_WORK:-${TMPDIR:-/tmp}/segnas-gpu-check}
BACKEND=${SEGNAS_GPU_BACKEND:-webgpu}
TORCH_DEVICE=${SEGNAS_TORCH_DEVICE:-cuda}
SMOKE=${SEGNAS_GPU_SMOKE:-0}
BUDGET=${SEGNAS_GPU_BUDGET_S:-450}
START=$(date +%s)
mkdir -p "$OUTDIR" "$WORK" || exit 1
LOG=$OUTDIR/run-log.txt
: >"$LOG"
log() { echo "[$(($(date +%s) - START))s] $*" | tee -a "$LOG"; }
left() { echo $((BUDGET - ($(date +%s) - START))); }
# step NAME MAX_SECONDS OUTFILE CMD...: runs CMD with min(MAX, budget left - reserve) seconds,
# stdout to OUTFILE, stderr to OUTFILE.err; never stops the script.
step() {
  local name=$1 max=$2 outfile=$3
  shift 3
  local t
  t=$(left)
  t=$((t - 15))
  [ "$t" -gt "$max" ] && t=$max
  if [ "$t" -lt 10 ]; then
    log "$name: SKIPPED (time budget spent)"
    echo "{\"skipped\":\"time budget spent\"}" >"$outfile"
    return 0
  fi
  log "$name: running (timeout ${t}s)"
  local s0 rc
  s0=$(date +%s)
  timeout -k 5 "$t" "$@" >"$outfile" 2>"$outfile.err"
  rc=$?
  log "$name: exit $rc after $(($(date +%s) - s0))s$([ $rc -eq 124 ] && echo ' (TIMED OUT)')"
  [ $rc -ne 0 ] && tail -n 5 "$outfile.err" | sed 's/^/    /' | tee -a "$LOG"
  return 0
}

log "segnas GPU check: backend $BACKEND, torch on $TORCH_DEVICE, smoke $SMOKE, budget ${BUDGET}s, out $OUTDIR"
PACK=$HERE/segnas-gpu.tar.xz
[ -f "$PACK" ] || { log "no $PACK beside this script"; exit 1; }
rm -rf "$WORK/segnas-gpu"
if command -v xz >/dev/null 2>&1; then
  tar -xJf "$PACK" -C "$WORK" || { log "unpacking failed"; exit 1; }
else
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PACK" "$WORK" ||
    { log "unpacking failed (python tarfile)"; exit 1; }
fi
P=$WORK/segnas-gpu
NODE=$P/bin/node
log "unpacked to $P ($(du -sm "$P" | cut -f1) MiB)"

# Private copies of the Vulkan/EGL loaders (never installed into /), then the driver's own
# libraries where NVIDIA's container runtime mounts them.
LIBS=$P/sys/usr/lib/x86_64-linux-gnu
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && LIBS=$LIBS:$d; done
export LD_LIBRARY_PATH=$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=$(ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ')
  nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if ! echo "$found" | grep -qi nvidia && [ -f "$nv" ]; then
    export VK_DRIVER_FILES=$nv
    log "no NVIDIA Vulkan ICD in the loader's folders (${found:-none}): VK_DRIVER_FILES=$nv"
  else
    log "Vulkan ICDs: ${found:-none found}"
  fi
fi
nvegl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nvegl" ] && ! ls /usr/share/glvnd/egl_vendor.d/*nvidia* >/dev/null 2>&1; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nvegl
fi
export EGL_PLATFORM=${EGL_PLATFORM:-surfaceless}
CORES=$(nproc 2>/dev/null || echo 4)
export UV_THREADPOOL_SIZE=${UV_THREADPOOL_SIZE:-$((CORES + 4))}

if ! "$NODE" --version >/dev/null 2>&1; then
  log "the packed node does not run here: $("$NODE" --version 2>&1 | head -n 2)"
  exit 1
fi
PY=${SEGNAS_PYTHON:-$(command -v python3 || true)}
log "node $("$NODE" --version), python ${PY:-none} ($("${PY:-false}" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -n 1)), $CORES cores"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$OUTDIR/nvidia-smi.txt" 2>&1

step "adapter (dawn.node)" 40 "$OUTDIR/adapter.json" "$NODE" "$P/app/adapter.js" --json
step "segnas doctor" 60 "$OUTDIR/doctor.json" "$NODE" "$P/app/segnas.js" doctor --json --backend "$BACKEND"

TRAIN=("$NODE" "$P/app/bench-train.js" --backend "$BACKEND" --cpu-steps 0 --json
  --torch-script "$P/torch/torch_segnet.py" --python "${PY:-/nonexistent}" --torch-device "$TORCH_DEVICE")
if [ "$SMOKE" = 1 ]; then
  step "train 128x96 b8 plain" 200 "$OUTDIR/train-small.json" "${TRAIN[@]}" --height 96 --width 128 --batch 8 --head plain --rounds 1 --steps 2 --warmup 1
  step "train 769x769 b8 aspp-decoder (smoke: 97x97 b2)" 200 "$OUTDIR/train-large.json" "${TRAIN[@]}" --height 97 --width 97 --batch 2 --classes 19 --head aspp-decoder --rounds 1 --steps 1 --warmup 1
  DATA_ARGS=(--images 8 --inprocess-images 4 --workers "${SEGNAS_DATA_WORKERS:-1,2}")
else
  step "train 128x96 b8 plain" 120 "$OUTDIR/train-small.json" "${TRAIN[@]}" --height 96 --width 128 --batch 8 --head plain --rounds 3 --steps 10 --warmup 3
  step "train 769x769 b8 aspp-decoder" 200 "$OUTDIR/train-large.json" "${TRAIN[@]}" --height 769 --width 769 --batch 8 --classes 19 --head aspp-decoder --rounds 2 --steps 5 --warmup 2
  DATA_ARGS=(--images 192 --inprocess-images 16 --workers "${SEGNAS_DATA_WORKERS:-4,8,$CORES}")
fi
TRAIN_JSON=()
grep -q '"trainImgPerS"' "$OUTDIR/train-large.json" 2>/dev/null && TRAIN_JSON=(--train-json "$OUTDIR/train-large.json")
DATA_MAX=120
[ "$SMOKE" = 1 ] && DATA_MAX=300 # two shared cores: every run is slow
step "data pipeline (cityscapes-sized, mpio)" "$DATA_MAX" "$OUTDIR/data.txt" "$NODE" "$P/app/bench-data.js" --set cityscapes \
  --cfg "$P/configs/cityscapes.yaml" --cache "$WORK/data" --json "$OUTDIR/data.json" "${DATA_ARGS[@]}" "${TRAIN_JSON[@]}"

"$NODE" "$P/app/summarize.js" "$OUTDIR" "$P/MANIFEST.json" "$BACKEND" "$TORCH_DEVICE" "$SMOKE" | tee "$OUTDIR/results.txt"
log "done in $(($(date +%s) - START))s; results: $OUTDIR/results.txt, $OUTDIR/results.json"
