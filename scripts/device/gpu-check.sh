#!/usr/bin/env bash
# One-shot GPU check on a lent NVIDIA machine (no .NET, no internet there): unpack the self-contained GPU build of
# `mae` carried in .gpu/p*/ (made with `dotnet publish src/Cli` and `dotnet publish bench/Mae.Cluster.Bench` into one folder, each with `-c Release -r linux-x64 --self-contained -p:Gpu=true`,
# tar + zstd, split), then
#   1. compare mae (CPU and CUDA) with Hugging Face transformers on the same checkpoint and PNG photos,
#   2. compare CUDA fp32/fp16 against CPU fp32,
#   3. benchmark the features and reconstruction graphs on the GPU (and the CPU) with base-size random weights.
# Everything it prints also lands in $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.log") 2>&1
cd "$(dirname "$0")/../.."
mkdir -p /tmp/mae
ZSTD=zstd; command -v zstd >/dev/null || ZSTD="env LD_LIBRARY_PATH=$PWD/.gpu/tools $PWD/.gpu/tools/zstd"
cat .gpu/p*/part* | $ZSTD -dq | tar -C /tmp/mae -xf - || exit 1
[ -d .gpu/overlay ] && cp .gpu/overlay/* /tmp/mae/
chmod +x /tmp/mae/mae /tmp/mae/mae-bench
LD_LIBRARY_PATH=$(find / -xdev -type d -path '*site-packages/nvidia/*/lib' 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH MAE_HOME=/tmp/maehome DOTNET_gcServer=0
MAE=/tmp/mae/mae
MAE_BENCH=/tmp/mae/mae-bench
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
nproc
PNGS=$(ls tests/data/photos/*.png tests/data/photos/*.jpg | head -14)
$MAE model tiny --out /tmp/tiny --seed 5
echo "== tiny: HF transformers vs mae (CPU fp32)"
$MAE embed $PNGS --model /tmp/tiny --seed 5 --json --device cpu > "$OUT/tiny_cpu.jsonl"
python3 scripts/device/hf_compare.py /tmp/tiny "$OUT/tiny_cpu.jsonl" $PNGS --seed 5
echo "== tiny: CUDA vs CPU"
NVIDIA_TF32_OVERRIDE=0 $MAE embed $PNGS --model /tmp/tiny --seed 5 --json --device cuda > "$OUT/tiny_cuda.jsonl"
$MAE embed $PNGS --model /tmp/tiny --seed 5 --json --device cuda --precision fp16 > "$OUT/tiny_cuda16.jsonl"
python3 scripts/device/compare_jsonl.py "$OUT/tiny_cpu.jsonl" "$OUT/tiny_cuda.jsonl"
python3 scripts/device/compare_jsonl.py "$OUT/tiny_cpu.jsonl" "$OUT/tiny_cuda16.jsonl"
echo "== base-random: HF transformers vs mae (CUDA fp32, TF32 off) and fp16"
$MAE model tiny --out /tmp/unused >/dev/null  # warm the cache folder
NVIDIA_TF32_OVERRIDE=0 $MAE embed $PNGS --model base-random --seed 5 --json --device cuda > "$OUT/base_cuda.jsonl"
$MAE embed $PNGS --model base-random --seed 5 --json --device cuda --precision fp16 > "$OUT/base_cuda16.jsonl"
python3 scripts/device/hf_compare.py "$MAE_HOME/generated/base-random-seed0" "$OUT/base_cuda.jsonl" $PNGS --seed 5
python3 scripts/device/compare_jsonl.py "$OUT/base_cuda.jsonl" "$OUT/base_cuda16.jsonl"
echo "== bench: CUDA fp32 (TF32 default), fp16; CPU"
$MAE_BENCH model --model base-random --device cuda --emission fused,plain --batch-sizes 1 8 32 128 --iterations 5
$MAE_BENCH model --model base-random --device cuda --precision fp16 --emission fused,plain --batch-sizes 1 8 32 128 --iterations 5
timeout 240 $MAE_BENCH model --model base-random --device cpu --emission fused,plain --batch-sizes 32 --iterations 2
echo "== done"
