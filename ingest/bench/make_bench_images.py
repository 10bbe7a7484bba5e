#!/usr/bin/env python3
"""Prepares the ingest benchmark's photographs: ~500x375 JPEGs (ImageNet's typical size) cut from
python3-skimage's sample photographs (astronaut, coffee, chelsea, rocket, ...), each a different crop,
flip and scale so that no two files are identical. Usage: make_bench_images.py OUT_DIR COUNT"""
import io
import os
import random
import sys

import numpy as np
import skimage
from PIL import Image
from skimage import data

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "motorcycle_right", "hubble_deep_field",
          "immunohistochemistry", "retina", "cat", "colorwheel", "logo"]


def photos():
    out = []
    for name in PHOTOS:
        fn = getattr(data, name, None)
        if fn is None:
            continue
        try:
            img = fn()
        except Exception:  # a sample missing from this skimage build
            continue
        if isinstance(img, tuple):
            img = img[0]
        if img.ndim == 3 and img.shape[2] == 3 and min(img.shape[:2]) >= 256 and name not in ("colorwheel", "logo"):
            out.append((name, Image.fromarray(img.astype(np.uint8))))
    return out


def main():
    out_dir, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    src = photos()
    if not src:
        sys.exit("no colour photographs found in skimage.data (" + os.path.dirname(skimage.__file__) + ")")
    rnd = random.Random(0)
    for i in range(count):
        name, img = src[i % len(src)]
        w, h = img.size
        # a random crop of 60-100% of the photo, resized to 500x375 or 375x500 (ImageNet's common shapes)
        s = rnd.uniform(0.6, 1.0)
        cw, ch = int(w * s), int(h * s)
        x, y = rnd.randint(0, w - cw), rnd.randint(0, h - ch)
        crop = img.crop((x, y, x + cw, y + ch))
        if rnd.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        size = (500, 375) if rnd.random() < 0.8 else (375, 500)
        crop = crop.resize(size, Image.BICUBIC)
        crop.save(os.path.join(out_dir, "%05d_%s.jpg" % (i, name)), "JPEG", quality=90)
    print("prepared %d images from %d photos in %s" % (count, len(src), out_dir))


if __name__ == "__main__":
    main()
