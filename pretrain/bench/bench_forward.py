#!/usr/bin/env python3
"""PyTorch-eager counterpart of `vitssl bench forward`: the same ViT (DINO/timm variant, written here
from the formulas of ALGORITHMS.md 2.1) on random input, inference only (torch.inference_mode, eval).

usage: bench_forward.py --threads T [--device cpu|cuda] --warmup W --iterations I CASE:DIM:DEPTH:HEADS:PATCH:IMG:BATCH ...
prints one line per case: `CASE images_per_s seconds_per_batch`
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        qkv = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q @ k.transpose(-2, -1)) * dh ** -0.5).softmax(dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, d, depth, heads, patch, img):
        super().__init__()
        n = (img // patch) ** 2
        self.patch_embed = nn.Conv2d(3, d, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(d, eps=1e-6)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (each timed call ends with a sync)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for spec in a.cases:
        name, d, depth, heads, patch, img, batch = spec.split(":")
        d, depth, heads, patch, img, batch = map(int, (d, depth, heads, patch, img, batch))
        model = ViT(d, depth, heads, patch, img).eval().to(a.device)
        x = torch.randn(batch, 3, img, img, device=a.device)
        with torch.inference_mode():
            for _ in range(a.warmup):
                model(x)[0, 0, 0].item()
            t0 = time.perf_counter()
            for _ in range(a.iterations):
                model(x)[0, 0, 0].item()  # reads one value back, as the Java side does
            dt = (time.perf_counter() - t0) / a.iterations
        print(f"{name} {batch / dt:.3f} {dt:.5f}", flush=True)


if __name__ == "__main__":
    main()
