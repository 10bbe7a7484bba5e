#!/usr/bin/env bash
# Packs what `run-kit.sh` needs to run the model benchmarks on a GPU machine that has a CUDA PyTorch (Python) but
# no Java and no copy of this repository's dependencies, in well under 64 MB:
#   - a jlinked Java runtime (xz-packed),
#   - one jar with exactly the classes the benchmarks load (traced here on CPU with -Xlog:class+load), taken from
#     the project's jars and their dependencies, plus the DJL jars whole,
#   - DJL's JNI sources and the JNI header, compiled there against that machine's libtorch (the CUDA libtorch of
#     DJL's own version is not on Maven Central; DJL finds a JNI library named <djl version>-libdjl_torch.so
#     beside the libtorch that PYTORCH_LIBRARY_PATH names).
# usage: pretrain/bench/gpu/make-kit.sh OUT_DIR DJL_SOURCE_TREE   (after `mvn -DskipTests package`)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"; DJL_SRC="$2"
DJL_TAG=v0.36.0
LIB="$ROOT/jobs/target/lib"
JOBS_JAR="$(ls "$ROOT"/jobs/target/vitssl-jobs-*.jar | grep -v -- -tests.jar | head -n 1)"
rm -rf "$OUT"/*; mkdir -p "$OUT/jni/src" "$OUT/jni/include" "$OUT/lib"

# 1. Trace the classes that the benchmarks load on CPU (same entry point and code paths as on the GPU).
TRACE="$OUT/../classload.txt"
JOPTS=(--add-modules=jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  -Dai.djl.offline=true -Dvitssl.home="$ROOT" -Xlog:class+load=info:file="$TRACE")
export OPT_OUT_TRACKING=true
java "${JOPTS[@]}" -cp "$JOBS_JAR:$LIB/*" org.vitssl.jobs.Main bench train-step 4 1 1 2 false true masked-only 1 8 >/dev/null
cp "$TRACE" "$TRACE.1"
java "${JOPTS[@]}" -cp "$JOBS_JAR:$LIB/*" org.vitssl.jobs.Main bench forward vitssl.bench.forward.cases=[d4-32px] \
  vitssl.bench.forward.python=false vitssl.bench.forward.iterations=1 vitssl.bench.forward.warmup=0 \
  vitssl.bench.forward.rounds=1 >/dev/null
cat "$TRACE.1" >> "$TRACE"

# 2. One jar of the traced classes (plus every resource of the project's own jars and of the small ones).
KEEP_WHOLE='^(api-|pytorch-engine-|pytorch-jni-|jna-|gson-|config-|slf4j-api-|log4j-|vitssl-)'
STAGE="$OUT/../stage"; rm -rf "$STAGE"; mkdir -p "$STAGE"
for j in "$JOBS_JAR" "$LIB"/*.jar; do
  b="$(basename "$j")"
  # not the CPU libtorch; not the JSON layout (its Log4j2Plugins.dat would replace log4j-core's)
  case "$b" in pytorch-native-cpu-*|log4j-layout-template-json-*) continue;; esac
  if [[ "$b" =~ $KEEP_WHOLE ]]; then
    (cd "$STAGE" && unzip -qo "$j" -x 'META-INF/*.SF' 'META-INF/*.RSA' 'META-INF/*.DSA' 'jnilib/*' 'native/*')
  else
    cls="$(grep -F "source: file:$j" "$TRACE" | awk '{print $2}' | sort -u | tr . / | sed 's/$/.class/' || true)"
    [ -n "$cls" ] && (cd "$STAGE" && echo "$cls" | xargs unzip -qo "$j" 2>/dev/null || true)
    # and the jar's resources (Hadoop's core-default.xml...), but not ICU's locale data
    [ -n "$cls" ] && (cd "$STAGE" && unzip -qo "$j" -x '*.class' 'com/ibm/icu/impl/data/*' 'META-INF/services/*' \
      'META-INF/*.SF' 'META-INF/*.RSA' 'META-INF/*.DSA' 'META-INF/MANIFEST.MF' 2>/dev/null || true)
  fi
done
# service registrations of every jar, merged, keeping the providers whose class is in the kit
for j in "$JOBS_JAR" "$LIB"/*.jar; do
  for s in $(unzip -Z1 "$j" 'META-INF/services/*' 2>/dev/null | grep -v '/$'); do
    mkdir -p "$STAGE/$(dirname "$s")"; unzip -p "$j" "$s" >> "$STAGE/$s.merged"; echo >> "$STAGE/$s.merged"
  done
done
for m in $(find "$STAGE/META-INF/services" -name '*.merged'); do
  sed 's/#.*//; s/[[:space:]]//g' "$m" | sort -u | while read -r c; do
    [ -n "$c" ] && [ -f "$STAGE/$(echo "$c" | tr . /).class" ] && echo "$c" || true; done > "${m%.merged}"
  rm "$m"
done
# every module has its own reference.conf; Typesafe Config merges all of them, so concatenate them into one
rm -f "$STAGE/reference.conf"
for j in "$LIB"/config-*.jar "$LIB"/vitssl-*.jar "$JOBS_JAR"; do
  unzip -p "$j" reference.conf 2>/dev/null >> "$STAGE/reference.conf" || true; echo >> "$STAGE/reference.conf"
done
(cd "$STAGE" && zip -qr "$OUT/lib/kit.jar" .)

# 3. A Java runtime with the modules the code uses.
MODS="$( (grep -o 'source: jrt:/[a-z.]*' "$TRACE" | sed 's|source: jrt:/||'; echo java.base; echo jdk.unsupported;
  echo jdk.incubator.vector) | sort -u | paste -sd, -)"
jlink --add-modules "$MODS" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$OUT/jre"
JH="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
cp "$JH/include/jni.h" "$JH/include/linux/jni_md.h" "$OUT/jni/include/"
# xz: the runtime is ~51 MB as files, ~29 MB packed (run-kit.sh unpacks it)
(cd "$OUT" && tar -cJf jre.tar.xz jre && rm -rf jre)

# 4. DJL's JNI sources at the version this project uses, and the header javac generates for PyTorchLibrary.
git -C "$DJL_SRC" archive "$DJL_TAG" engines/pytorch/pytorch-native/src/main/native api/src/main/native/djl \
  | tar -x -C "$OUT/jni/src"
git -C "$DJL_SRC" show "$DJL_TAG:engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" > "$OUT/../PyTorchLibrary.java"
mkdir -p "$OUT/../hdr"; javac -cp "$LIB/api-0.36.0.jar" -h "$OUT/jni/include" -d "$OUT/../hdr" "$OUT/../PyTorchLibrary.java" 2>/dev/null || \
  (mkdir -p "$OUT/../jsrc/ai/djl/pytorch/jni" && cp "$OUT/../PyTorchLibrary.java" "$OUT/../jsrc/ai/djl/pytorch/jni/" && \
   javac -cp "$LIB/api-0.36.0.jar:$LIB/pytorch-engine-0.36.0.jar" -h "$OUT/jni/include" -d "$OUT/../hdr" "$OUT/../jsrc/ai/djl/pytorch/jni/PyTorchLibrary.java")
cp "$ROOT/pretrain/bench/gpu/run-kit.sh" "$OUT/"
mkdir -p "$OUT/pretrain/bench" && cp "$ROOT"/pretrain/bench/bench_step.py "$ROOT"/pretrain/bench/bench_forward.py "$OUT/pretrain/bench/"
du -sh "$OUT" "$OUT"/*
