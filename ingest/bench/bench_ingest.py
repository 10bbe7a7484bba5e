#!/usr/bin/env python3
"""Python PIL counterpart of `vitssl bench ingest`: the same work on the same files, per image
decode -> RGB -> resize shorter side (torchvision Resize(int) size rule, PIL bilinear with antialias)
-> JPEG encode at the same quality. Files are read into memory before timing, as on the Java side.
Usage: bench_ingest.py DIR SHORTER_SIDE QUALITY PASSES THREADS. Prints 'images_per_s=<x>'."""
import io
import os
import sys
import time
from multiprocessing import Pool

from PIL import Image


def work(blob, side, quality):
    img = Image.open(io.BytesIO(blob)).convert("RGB")
    w, h = img.size
    if w <= h:
        size = (side, int(side * h / w))
    else:
        size = (int(side * w / h), side)
    img = img.resize(size, Image.BILINEAR)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return len(out.getvalue())


def run_chunk(args):
    blobs, side, quality = args
    return sum(work(b, side, quality) for b in blobs)


def main():
    d, side, quality, passes, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    files = sorted(f for f in os.listdir(d) if f.lower().endswith((".jpg", ".jpeg")))
    blobs = [open(os.path.join(d, f), "rb").read() for f in files]
    chunks = [blobs[i::threads] for i in range(threads)]
    with Pool(threads) as pool:
        pool.map(run_chunk, [(c, side, quality) for c in chunks])  # warm-up pass, not timed
        t0 = time.perf_counter()
        for _ in range(passes):
            pool.map(run_chunk, [(c, side, quality) for c in chunks])
        dt = time.perf_counter() - t0
    print("images=%d passes=%d threads=%d seconds=%.3f pil=%s" % (len(blobs), passes, threads, dt, Image.__version__))
    print("images_per_s=%.2f" % (len(blobs) * passes / dt))


if __name__ == "__main__":
    main()
