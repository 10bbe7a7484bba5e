#!/usr/bin/python3
"""torchvision + PIL counterpart of `vitssl bench augment` (Debian python3-torchvision 0.14, PIL 9.4).

  bench_augment.py make DIR N          writes N JPEG photos of 500x375 (quality 90) made from
                                       python3-skimage's sample images (crops, flips, rescales)
  bench_augment.py time DIR SECONDS    runs DINO's DataAugmentationDINO (2 x 224 + 8 x 96, defaults of
                                       main_dino.py) on those JPEGs, decode included, on one thread, and
                                       prints images per wall second and per CPU second
"""
import io
import os
import random
import sys
import time

import numpy as np


def make(out_dir, n):
    import skimage.data
    from PIL import Image
    os.makedirs(out_dir, exist_ok=True)
    names = ["astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field", "retina", "cat"]
    srcs = []
    for name in names:
        f = getattr(skimage.data, name, None)
        if f is None:
            continue
        try:
            a = f()
        except Exception:  # a sample that needs a download (pooch) is skipped
            continue
        if a.ndim == 3 and a.shape[2] == 3:
            srcs.append(Image.fromarray(a))
    rng = random.Random(0)
    for i in range(n):
        src = srcs[i % len(srcs)]
        w, h = src.size
        s = rng.uniform(0.6, 1.0)
        cw, ch = max(8, int(w * s)), max(8, int(h * s))
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        img = src.crop((x, y, x + cw, y + ch)).resize((500, 375), Image.BICUBIC)
        if i % 2:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        img.save(os.path.join(out_dir, "photo-%03d.jpg" % i), quality=90)
    print("made %d photos from %d skimage samples in %s" % (n, len(srcs), out_dir))


def dino_transform():
    from PIL import Image, ImageFilter, ImageOps
    from torchvision import transforms

    class GaussianBlur:  # DINO utils.GaussianBlur
        def __init__(self, p=0.5, radius_min=0.1, radius_max=2.0):
            self.prob, self.radius_min, self.radius_max = p, radius_min, radius_max

        def __call__(self, img):
            if not random.random() <= self.prob:
                return img
            return img.filter(ImageFilter.GaussianBlur(radius=random.uniform(self.radius_min, self.radius_max)))

    class Solarization:  # DINO utils.Solarization
        def __init__(self, p):
            self.p = p

        def __call__(self, img):
            return ImageOps.solarize(img) if random.random() < self.p else img

    flip_and_color_jitter = transforms.Compose([
        transforms.RandomHorizontalFlip(p=0.5),
        transforms.RandomApply([transforms.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.2, hue=0.1)], p=0.8),
        transforms.RandomGrayscale(p=0.2),
    ])
    normalize = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    g1 = transforms.Compose([transforms.RandomResizedCrop(224, scale=(0.4, 1.0), interpolation=Image.BICUBIC),
                             flip_and_color_jitter, GaussianBlur(1.0), normalize])
    g2 = transforms.Compose([transforms.RandomResizedCrop(224, scale=(0.4, 1.0), interpolation=Image.BICUBIC),
                             flip_and_color_jitter, GaussianBlur(0.1), Solarization(0.2), normalize])
    loc = transforms.Compose([transforms.RandomResizedCrop(96, scale=(0.05, 0.4), interpolation=Image.BICUBIC),
                              flip_and_color_jitter, GaussianBlur(p=0.5), normalize])

    def apply(img):
        return [g1(img), g2(img)] + [loc(img) for _ in range(8)]
    return apply


def timed(in_dir, seconds):
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    from PIL import Image
    torch.set_num_threads(1)
    files = sorted(os.path.join(in_dir, f) for f in os.listdir(in_dir) if f.endswith(".jpg"))
    blobs = [open(f, "rb").read() for f in files]
    t = dino_transform()

    def one(b):
        return t(Image.open(io.BytesIO(b)).convert("RGB"))
    for b in blobs[:4]:
        one(b)  # warm-up
    n, start, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        one(blobs[n % len(blobs)])
        n += 1
    el, cpu = time.perf_counter() - start, time.process_time() - cpu0
    # images per wall second, and per CPU second of this process (robust on a shared machine)
    print("images_per_s=%.3f images_per_cpu_s=%.3f images=%d seconds=%.2f cpu_seconds=%.2f" % (n / el, n / cpu, n, el, cpu))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "time":
        timed(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)
