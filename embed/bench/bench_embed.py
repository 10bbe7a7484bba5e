#!/usr/bin/env python3
"""PyTorch counterpart of `vitssl bench embed`: decode (PIL) + evaluation transform (torchvision Resize
bicubic, CenterCrop, ToTensor, Normalize) + ViT forward (eager, inference mode) + CLS feature, batch by
batch over the same image files as the Java side.

usage: bench_embed.py --threads T --batch B --warmup W CASE:DIM:DEPTH:HEADS:PATCH:IMG:RESIZE:CROP IMAGE_DIR
       bench_embed.py --prepare-small SRC_DIR DST_DIR SIZE    (PNG copies at SIZE x SIZE, like CIFAR)
prints `CASE images_per_s`
"""
import argparse
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pretrain", "bench"))
from bench_forward import ViT  # noqa: E402  (the same reference model as the forward benchmark)


def prepare_small(src, dst, size):
    os.makedirs(dst, exist_ok=True)
    for f in sorted(os.listdir(src)):
        img = Image.open(os.path.join(src, f)).convert("RGB").resize((size, size), Image.BICUBIC)
        img.save(os.path.join(dst, os.path.splitext(f)[0] + ".png"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--prepare-small", nargs=3)
    ap.add_argument("case", nargs="?")
    ap.add_argument("images", nargs="?")
    a = ap.parse_args()
    if a.prepare_small:
        prepare_small(a.prepare_small[0], a.prepare_small[1], int(a.prepare_small[2]))
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    name, d, depth, heads, patch, img, resize, crop = a.case.split(":")
    d, depth, heads, patch, img, resize, crop = map(int, (d, depth, heads, patch, img, resize, crop))
    model = ViT(d, depth, heads, patch, img).eval()
    tf = transforms.Compose([
        transforms.Resize(resize, interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(crop), transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    files = [os.path.join(a.images, f) for f in sorted(os.listdir(a.images))]
    batches = [files[i:i + a.batch] for i in range(0, len(files), a.batch)]

    def run(batch):
        x = torch.stack([tf(Image.open(f).convert("RGB")) for f in batch])
        return model(x)[:, 0].numpy()

    with torch.inference_mode():
        for b in batches[:a.warmup]:
            run(b)
        timed = batches[a.warmup:] or batches
        t0 = time.perf_counter()
        n = 0
        for b in timed:
            run(b)
            n += len(b)
        dt = time.perf_counter() - t0
    print(f"{name} {n / dt:.3f}", flush=True)


if __name__ == "__main__":
    main()
