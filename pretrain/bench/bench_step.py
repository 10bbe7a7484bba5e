#!/usr/bin/env python3
"""PyTorch-eager counterpart of `vitssl bench train-step`: one iBOT training step as main_ibot.py runs it
(written here from ALGORITHMS.md 2-6, no repo code): teacher (no grad) on 2 global crops, student on the masked
globals and the unmasked local crops (CLS only), shared iBOT head (3-layer MLP 2048 -> 256, weight-normed last
layer to K outputs) on CLS and patch tokens, iBOT loss with centres, backward, per-parameter clipping (3.0),
AdamW with DINO's two groups, EMA teacher. Block-style masks cover ~30% of the patches of each global crop.

usage: bench_step.py --threads T [--device cpu|cuda] --warmup W --iterations I CASE:DIM:DEPTH:HEADS:PATCH:G:L:NLOCAL:K:BATCH ...
prints one line per case: `CASE images_per_s seconds_per_step cpu_seconds_per_step` (process CPU time of all
threads: less sensitive than wall time to other load on a shared machine)
"""
import argparse
import copy
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def drop_path(x, p, training):
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    mask = (keep + torch.rand((x.shape[0],) + (1,) * (x.ndim - 1), dtype=x.dtype, device=x.device)).floor_()
    return x.div(keep) * mask


class Block(nn.Module):
    def __init__(self, d, heads, dpr):
        super().__init__()
        self.heads, self.dpr = heads, dpr
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
        x = x + drop_path(self.proj((a @ v).transpose(1, 2).reshape(b, t, d)), self.dpr, self.training)
        return x + drop_path(self.fc2(F.gelu(self.fc1(self.norm2(x)))), self.dpr, self.training)


class ViT(nn.Module):
    def __init__(self, d, depth, heads, patch, img, dpr, mask_token):
        super().__init__()
        n = (img // patch) ** 2
        self.patch_embed = nn.Conv2d(3, d, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        rates = [dpr * i / max(1, depth - 1) for i in range(depth)]
        self.blocks = nn.ModuleList([Block(d, heads, r) for r in rates])
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.masked_embed = nn.Parameter(torch.zeros(1, d)) if mask_token else None

    def pos(self, n):
        if n == self.pos_embed.shape[1] - 1:
            return self.pos_embed
        g0 = int((self.pos_embed.shape[1] - 1) ** 0.5)
        g = int(n ** 0.5)
        p = self.pos_embed[:, 1:].reshape(1, g0, g0, -1).permute(0, 3, 1, 2)
        p = F.interpolate(p, scale_factor=((g + 0.1) / g0, (g + 0.1) / g0), mode="bicubic", align_corners=False)
        return torch.cat([self.pos_embed[:, :1], p.permute(0, 2, 3, 1).reshape(1, n, -1)], dim=1)

    def forward(self, x, mask=None):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        if mask is not None:
            m = mask.flatten(1).unsqueeze(-1).to(x.dtype)
            x = x * (1 - m) + self.masked_embed.to(x.dtype) * m
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos(x.shape[1])
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


class Head(nn.Module):
    def __init__(self, d, k, hidden=2048, bottleneck=256):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, bottleneck))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck, k, bias=False))
        self.last_layer.weight_g.data.fill_(1)

    def forward(self, x):
        return self.last_layer(F.normalize(self.mlp(x), dim=-1, p=2))


def ibot_loss(s_cls, s_patch, t_cls, t_patch, masks, center, center2, ncrops, b, tt=0.04, tp=0.04, ts=0.1):
    s_c = (s_cls / ts).chunk(ncrops)
    t_c = F.softmax((t_cls - center) / tt, dim=-1).detach().chunk(2)
    s_p = (s_patch / ts).chunk(2)
    t_p = F.softmax((t_patch - center2) / tp, dim=-1).detach().chunk(2)
    total1, n1, total2, n2 = 0, 0, 0, 0
    for q in range(2):
        for v in range(ncrops):
            if v == q:
                loss2 = torch.sum(-t_p[q] * F.log_softmax(s_p[v], dim=-1), dim=-1)
                mask = masks[v].flatten(-2, -1).float()
                loss2 = torch.sum(loss2 * mask, dim=-1) / mask.sum(dim=-1).clamp(min=1.0)
                total2 += loss2.mean()
                n2 += 1
            else:
                total1 += torch.sum(-t_c[q] * F.log_softmax(s_c[v], dim=-1), dim=-1).mean()
                n1 += 1
    with torch.no_grad():
        center.mul_(0.9).add_(t_cls.mean(0, keepdim=True) * 0.1)
        center2.mul_(0.9).add_(t_patch.mean(1).mean(0, keepdim=True) * 0.1)
    return total1 / n1 + total2 / n2


def run_case(spec, warmup, iters, dev):
    name, d, depth, heads, patch, g, l, nlocal, k, b = spec.split(":")
    d, depth, heads, patch, g, l, nlocal, k, b = map(int, (d, depth, heads, patch, g, l, nlocal, k, b))
    torch.manual_seed(0)
    student_vit = ViT(d, depth, heads, patch, g, 0.1, True).to(dev)
    student_head = Head(d, k).to(dev)
    teacher_vit = ViT(d, depth, heads, patch, g, 0.0, False).to(dev)
    teacher_head = Head(d, k).to(dev)
    teacher_vit.load_state_dict(student_vit.state_dict(), strict=False)
    teacher_head.load_state_dict(student_head.state_dict())
    for p in list(teacher_vit.parameters()) + list(teacher_head.parameters()):
        p.requires_grad = False
    named = [(n, p) for n, p in list(student_vit.named_parameters()) + list(student_head.named_parameters())
             if p.requires_grad]
    reg = [p for n, p in named if not (n.endswith(".bias") or p.ndim == 1)]
    noreg = [p for n, p in named if n.endswith(".bias") or p.ndim == 1]
    opt = torch.optim.AdamW([{"params": reg}, {"params": noreg, "weight_decay": 0.0}], lr=5e-4 * b / 256)
    center = torch.zeros(1, k, device=dev)
    center2 = torch.zeros(1, 1, k, device=dev)
    globals_ = torch.randn(2 * b, 3, g, g, device=dev)
    locals_ = torch.randn(nlocal * b, 3, l, l, device=dev)
    grid = g // patch
    ncrops = 2 + nlocal
    sv = dict(student_vit.named_parameters())
    tv = dict(teacher_vit.named_parameters())
    common = [(tv[n], sv[n]) for n in tv if n in sv]
    th = list(zip(teacher_head.parameters(), student_head.parameters()))

    def step():
        masks = (torch.rand(2 * b, grid, grid, device=dev) < 0.3)
        opt.param_groups[0]["weight_decay"] = 0.04
        with torch.no_grad():
            t_tok = teacher_vit(globals_)
            t_out = teacher_head(t_tok)
        s_tok = student_vit(globals_, masks)
        s_out = student_head(s_tok)
        s_loc = student_head(student_vit(locals_)[:, 0])
        s_cls = torch.cat([s_out[:, 0], s_loc])
        loss = ibot_loss(s_cls, s_out[:, 1:], t_out[:, 0], t_out[:, 1:], masks.reshape(2, b, grid, grid),
                         center, center2, ncrops, b)
        if not torch.isfinite(loss):
            raise SystemExit("loss is not finite")
        opt.zero_grad()
        loss.backward()
        for _, p in named:
            if p.grad is not None:
                norm = p.grad.data.norm(2)
                coef = 3.0 / (norm + 1e-6)
                if coef < 1:
                    p.grad.data.mul_(coef)
        opt.step()
        with torch.no_grad():
            for pt, ps in common + th:
                pt.data.mul_(0.996).add_((1 - 0.996) * ps.detach().data)

    for _ in range(warmup):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(iters):
        step()
    if dev != "cpu":
        torch.cuda.synchronize()
    dt = (time.perf_counter() - t0) / iters
    cpu = (time.process_time() - c0) / iters
    print(f"{name} {b / dt:.3f} {dt:.4f} {cpu:.4f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for c in a.cases:
        run_case(c, a.warmup, a.iterations, a.device)


if __name__ == "__main__":
    main()
