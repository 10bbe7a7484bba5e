#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript / spark.worker.resource.gpu.discoveryScript):
# prints the GPUs of this machine as Spark resource JSON, {"name":"gpu","addresses":["0","1",...]}.
# The addresses are CUDA device indices; vitssl tasks open Device.gpu(<address>). Honours CUDA_VISIBLE_DEVICES
# (e.g. set by YARN/K8s device plugins): indices are then renumbered 0..n-1 as CUDA does.
set -euo pipefail
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ] && [ "${CUDA_VISIBLE_DEVICES}" != "NoDevFiles" ]; then
  n=$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)
  addrs=$(seq -s '","' 0 $((n - 1)))
elif command -v nvidia-smi >/dev/null 2>&1; then
  addrs=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, - | sed 's/,/","/g')
else
  addrs=""
fi
if [ -z "$addrs" ]; then
  echo '{"name":"gpu","addresses":[]}'
else
  echo "{\"name\":\"gpu\",\"addresses\":[\"$addrs\"]}"
fi
