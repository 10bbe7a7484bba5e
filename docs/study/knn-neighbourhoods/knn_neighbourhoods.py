#!/usr/bin/env python3
"""Why k-NN@20 trails k-NN@10 on Fashion-MNIST: how close the 20 nearest neighbours are to the first.

Reads two files written by dump_embeddings.jsh (train bank, test queries; CLS + mean-patch features, so the
first half is the CLS and the second the mean patch) and recomputes, independently of vitssl, the weighted
k-NN of the protocol (L2-normalised features, cosine, top k, votes exp(s / 0.07) per class). For each feature
layout it prints the test top-1 at k = 10 / 20 / 100, the mean cosine of the 1st and the k-th neighbour, and
the same on a validation split of the train set (10k held out of 60k, 50k bank) where a layout is chosen.
"""
import argparse

import numpy as np
import torch

T = 0.07


def load(path):
    raw = open(path, "rb").read()
    n, d = (int(v) for v in np.frombuffer(raw[:8], ">i4"))
    rec = np.frombuffer(raw[8:], dtype=[("y", ">i4"), ("f", ">f4", (d,))])
    assert len(rec) == n, path
    return torch.from_numpy(rec["f"].astype(np.float32)), torch.from_numpy(rec["y"].astype(np.int64))


def knn(bank, bank_labels, queries, query_labels, ks, classes=10):
    """{k: (top-1 %, mean cosine of the 1st neighbour, of the k-th)}; one top-max(ks) search serves every k."""
    bank = torch.nn.functional.normalize(bank, dim=1)
    queries = torch.nn.functional.normalize(queries, dim=1)
    sims, labels = [], []
    for i in range(0, len(queries), 1000):
        s, idx = (queries[i:i + 1000] @ bank.T).topk(max(ks), dim=1)
        sims.append(s), labels.append(bank_labels[idx])
    sims, labels = torch.cat(sims), torch.cat(labels)
    out = {}
    for k in ks:
        votes = torch.zeros(len(sims), classes).scatter_add_(1, labels[:, :k], (sims[:, :k] / T).exp())
        top1 = 100.0 * (votes.argmax(1) == query_labels).float().mean().item()
        out[k] = (top1, sims[:, 0].mean().item(), sims[:, k - 1].mean().item())
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    xtr, ytr = load(a.train)
    xte, yte = load(a.test)
    d = xtr.shape[1] // 2
    l2 = torch.nn.functional.normalize
    layouts = {
        "cls + mean patch (vitssl cls-mean)": lambda x: x,
        "each part L2-normalised, then concatenated": lambda x: torch.cat([l2(x[:, :d], dim=1), l2(x[:, d:], dim=1)], 1),
        "cls + mean patch, centred on the train mean": lambda x: x - xtr.mean(0),
        "cls": lambda x: x[:, :d],
        "mean patch": lambda x: x[:, d:],
    }
    perm = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(0))
    val, bank = perm[:10000], perm[10000:]
    print(f"CLS norm {xtr[:, :d].norm(dim=1).mean():.2f}, mean-patch norm {xtr[:, d:].norm(dim=1).mean():.2f}")
    print("| layout | k | val top-1 | test top-1 | test cos of 1st / k-th neighbour | exp((s1 - sk) / T) |")
    print("|---|---|---|---|---|---|")
    for name, f in layouts.items():
        tr, te = f(xtr), f(xte)
        ks = (10, 20, 100)
        val_top1 = knn(tr[bank], ytr[bank], tr[val], ytr[val], ks)
        test = knn(tr, ytr, te, yte, ks)
        for k in ks:
            (v, _, _), (t, s1, sk) = val_top1[k], test[k]
            print(f"| {name} | {k} | {v:.2f} | {t:.2f} | {s1:.3f} / {sk:.3f} | {np.exp((s1 - sk) / T):.2f} |")


if __name__ == "__main__":
    main()
