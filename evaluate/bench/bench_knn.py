#!/usr/bin/env python3
"""Counterpart of `vitssl bench knn`: the same weighted k-NN as a single-process PyTorch brute force.

Bank and queries are Gaussian (n x dim), L2-normalised; for blocks of 1024 queries: s = q @ bank.T
(torch.mm), torch.topk(k), weights exp(s / 0.07) summed per class (scatter_add), top-1 for each k.
Prints the matrix-multiply peak measured the same way as the Java side, then one RESULT line.
"""
import argparse
import time

import torch


def peak(n, d):
    a, b = torch.randn(n, d), torch.randn(d, n)
    best = float("inf")
    for i in range(6):
        t0 = time.perf_counter()
        torch.mm(a, b)
        t = time.perf_counter() - t0
        if i > 0:
            best = min(best, t)
    return 2.0 * n * n * d / best / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bank", type=int, required=True)
    p.add_argument("--queries", type=int, required=True)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--k", type=int, default=200)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--peak-size", type=int, default=2048)
    p.add_argument("--block", type=int, default=1024)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(7)
    bank = torch.nn.functional.normalize(torch.randn(a.bank, a.dim, generator=g), dim=1)
    labels = torch.randint(0, a.classes, (a.bank,), generator=g)
    queries = torch.nn.functional.normalize(torch.randn(a.queries, a.dim, generator=g), dim=1)
    qlabels = torch.randint(0, a.classes, (a.queries,), generator=g)
    pk = peak(a.peak_size, a.dim)
    ks = [x for x in (10, 20, 100, a.k) if x <= a.k]
    correct = {k: 0 for k in ks}
    t0 = time.perf_counter()
    bank_t = bank.t().contiguous()
    for s in range(0, a.queries, a.block):
        q = queries[s:s + a.block]
        sims = torch.mm(q, bank_t)
        vals, idx = sims.topk(max(ks), dim=1, largest=True, sorted=True)
        nl = labels[idx]
        w = (vals / 0.07).exp()
        for k in ks:
            scores = torch.zeros(q.shape[0], a.classes).scatter_add_(1, nl[:, :k], w[:, :k])
            correct[k] += int((scores.argmax(1) == qlabels[s:s + a.block]).sum())
    sec = time.perf_counter() - t0
    gflops = 2.0 * a.bank * a.queries * a.dim / sec / 1e9
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"RESULT seconds={sec:.4f} gflops={gflops:.2f} peak_gflops={pk:.2f} top1_k{a.k}={100.0 * correct[a.k] / a.queries:.2f}")


if __name__ == "__main__":
    main()
