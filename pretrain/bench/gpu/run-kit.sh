#!/usr/bin/env bash
# Runs on the GPU machine from the kit that make-kit.sh packed: builds DJL's JNI against the machine's own CUDA
# libtorch (the one of its Python PyTorch), then the train-step and forward benchmarks on the GPU, each with its
# PyTorch counterpart on the same GPU in the same run. Output: stdout, and logs under $1 (default /tmp/kit-out).
set -uo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"; LOG="${1:-/tmp/kit-out}"; mkdir -p "$LOG"
PY="$(command -v python3)"
[ -d "$KIT/jre" ] || tar -xJf "$KIT/jre.tar.xz" -C "$KIT"
TORCH="$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
ABI="$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
TV="$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')"
CU="$("$PY" -c 'import torch; print("cu" + torch.version.cuda.replace(".", ""))')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "python torch $TV ($CU), cxx11 abi $ABI, $(nproc) cpus"

# 1. DJL's JNI against this libtorch (without USE_CUDA: that only adds a separate inference stream and emptyCache;
#    CUDA tensors go through libtorch's dispatcher, and DJL loads libtorch_cuda itself for a "cu" flavour).
N="$KIT/jni/src/engines/pytorch/pytorch-native/src/main/native"
OBJ="$KIT/jni/obj"; TMPL=/tmp/kit-cc; mkdir -p "$OBJ" "$TMPL"
FLAGS=(-c -O2 -fPIC -w -D_GLIBCXX_USE_CXX11_ABI="$ABI" -I"$TORCH/include" -I"$TORCH/include/torch/csrc/api/include"
       -I"$KIT/jni/include" -I"$KIT/jni/src/api/src/main/native")
t0=$(date +%s)
for f in "$N"/*.cc; do
  ( b="$(basename "$f" .cc)"
    g++ "${FLAGS[@]}" -std=c++17 "$f" -o "$OBJ/$b.o" 2> "$TMPL/$b.log" \
      || g++ "${FLAGS[@]}" -std=c++20 "$f" -o "$OBJ/$b.o" 2>> "$TMPL/$b.log" || echo "FAILED $b" >> "$TMPL/failed" ) &
done
wait
g++ -shared "$OBJ"/*.o -o "$KIT/jni/libdjl_torch.so" -L"$TORCH/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu \
  -ltorch_cuda -lc10 -lc10_cuda -Wl,-rpath,"$TORCH/lib" 2> "$TMPL/link.log"
cat "$TMPL"/failed "$TMPL"/*.log > "$LOG/jni-build.log" 2>/dev/null
echo "JNI build: $(( $(date +%s) - t0 )) s; failed units: $(cat "$TMPL/failed" 2>/dev/null | tr '\n' ' ')"
grep -m 40 -E 'error' "$LOG/jni-build.log"
[ -f "$KIT/jni/libdjl_torch.so" ] || { echo "no JNI library"; exit 3; }
cp "$KIT/jni/libdjl_torch.so" "$TORCH/lib/0.36.0-libdjl_torch.so"

# 2. The benchmarks, Java on DJL + this libtorch, PyTorch eager beside it.
export PYTORCH_LIBRARY_PATH="$TORCH/lib" PYTORCH_VERSION="$TV" PYTORCH_FLAVOR="$CU" OPT_OUT_TRACKING=true
export LD_LIBRARY_PATH="/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
J=("$KIT/jre/bin/java" -Xmx8g --add-modules=jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED
   --add-opens=java.base/java.lang=ALL-UNNAMED -Dai.djl.offline=true -Dvitssl.home="$KIT" -Dvitssl.python="$PY"
   -cp "$KIT/lib/kit.jar" org.vitssl.jobs.Main bench)
"${J[@]}" train-step 4,12 ${STEPS:-30} 5 8 true true masked-only 1 ${BATCH:-64} vitssl.bench.device=gpu 2>&1 | tee "$LOG/train-step.txt" | grep -v DEBUG
"${J[@]}" forward vitssl.bench.device=gpu vitssl.bench.forward.iterations=20 vitssl.bench.forward.warmup=5 \
   vitssl.bench.forward.rounds=3 vitssl.bench.forward.vits-batch=256 2>&1 | tee "$LOG/forward.txt" | grep -v DEBUG
"${J[@]}" train-step 12 ${STEPS:-30} 5 8 true false masked-only 1 256 vitssl.bench.device=gpu 2>&1 | tee "$LOG/train-step-256.txt" | grep -v DEBUG
