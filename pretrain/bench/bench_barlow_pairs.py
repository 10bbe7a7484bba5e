#!/usr/bin/env python3
"""PyTorch-eager counterpart of `vitssl bench barlow-pairs`: the Barlow Twins term of DINO Twins summed over the
crop pairs i < j the way the reference writes it (per-crop standardisation with the unbiased std, one d x d
cross-correlation C = z_i^T z_j / n per pair, its off-diagonal taken with the reference's view trick;
ALGORITHMS.md 4.4), forward + backward on random input.

usage: bench_barlow_pairs.py --threads T [--device cpu|cuda] --warmup W --iterations I VIEWS:N:D ...
prints one line per case: `VIEWS:N:D fastest_ms`
"""
import argparse
import time

import torch


def off_diagonal(x):
    """The Barlow Twins reference's view trick: the off-diagonal entries of a square matrix, flattened."""
    d = x.shape[0]
    return x.flatten()[:-1].view(d - 1, d + 1)[:, 1:].flatten()


def pair_sum(z, views, n, lam):
    zs = [(c - c.mean(0)) / c.std(0) for c in z.view(views, n, -1)]
    total = z.new_zeros(())
    for i in range(views):
        for j in range(i + 1, views):
            c = zs[i].T @ zs[j] / n
            total = total + (1 - torch.diagonal(c)).pow(2).sum() + lam * off_diagonal(c).pow(2).sum()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for case in a.cases:
        views, n, d = (int(x) for x in case.split(":"))
        torch.manual_seed(0)
        z0 = torch.randn(views * n, d, device=a.device)
        best = float("inf")
        for it in range(a.warmup + a.iterations):
            z = z0.clone().requires_grad_(True)
            t0 = time.perf_counter()
            pair_sum(z, views, n, 5e-3).backward()
            z.grad[0, 0].item()
            if it >= a.warmup:
                best = min(best, (time.perf_counter() - t0) * 1000)
        print(f"{case} {best:.3f}", flush=True)


if __name__ == "__main__":
    main()
