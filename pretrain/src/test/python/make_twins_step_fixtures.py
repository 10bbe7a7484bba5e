#!/usr/bin/env python3
"""Writes the fixture of TwinsTasksTest: two training steps of DINO Twins and of Barlow Twins on a tiny ViT.

Everything is recomputed here from ALGORITHMS.md (sections 2, 3.3, 3.4, 4.1, 4.3, 4.4 and 6) with plain
torch.nn.functional calls in float64 (Debian python3-torch 1.13); the ViT forward is the one of
make_model_fixtures.py (independent of the Java code). Per step, in the loop's order: forward (teacher, student),
loss (DINO centre of the previous step), centre update, backward, per-parameter clipping, torch.optim.AdamW,
teacher EMA. The Java test feeds the same crops and initial weights and compares the loss of each step and
(Barlow Twins) the projector's BatchNorm running statistics after each step.

Run from the repository root:  /usr/bin/python3 pretrain/src/test/python/make_twins_step_fixtures.py
Writes pretrain/src/test/resources/fixtures/train/twins_step.safetensors
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_model_fixtures as mm  # noqa: E402  (ViT forward: D 32, depth 2, heads 2, patch 4, img 16)

mm.OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "train")
torch.manual_seed(20261125)
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

D = mm.D


def uniform(shape, fan_in):
    b = 1.0 / math.sqrt(fan_in)
    return (torch.rand(*shape) * 2 - 1) * b


def f32(t):
    """The float32 value both sides start from (stored as float32, computed here in float64)."""
    return t.float().double()


def vit_params():
    w = mm.vit_weights(False)
    del w["masked_embed"]
    return {"backbone." + k: f32(v) for k, v in w.items()}


def backbone(p, prefix):
    return {k[len(prefix):]: v for k, v in p.items() if k.startswith(prefix)}


def cls_of(p, prefix, img):
    tok, _, _ = mm.vit_forward(backbone(p, prefix), img)
    return tok[:, 0]


def clip_per_parameter(params, clip):
    for q in params:
        n = q.grad.norm()
        if n > clip:
            q.grad.mul_(clip / (n + 1e-6))


def adamw(named, lr, wd, decay_all):
    decay = [q for k, q in named.items() if decay_all or not (k.endswith(".bias") or q.dim() == 1)]
    rest = [q for k, q in named.items() if not (decay_all or not (k.endswith(".bias") or q.dim() == 1))]
    groups = [{"params": decay, "weight_decay": wd}]
    if rest:
        groups.append({"params": rest, "weight_decay": 0.0})
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


# ---- DINO Twins ------------------------------------------------------------------------------------------
DT_B, DT_NL, DT_HID, DT_BOT, DT_K, DT_PROJ = 4, 3, 24, 12, 40, 20
DT_TT, DT_BT_LAMBDA, DT_BT_BETA, DT_CM, DT_LR, DT_WD, DT_M = 0.05, 5e-3, 2.5e-3, 0.9, 0.02, 0.01, 0.9


def dt_head(p, pre, x):
    g = lambda n, z: F.linear(z, p[pre + n + ".weight"], p.get(pre + n + ".bias"))
    h = F.gelu(g("mlp.4", F.gelu(g("mlp.2", F.gelu(g("mlp.0", x))))))
    h = h / h.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    return F.linear(h, p[pre + "last_layer.weight"])


def dt_projector(p, x):
    g = lambda n, z: F.linear(z, p["projector." + n + ".weight"], p.get("projector." + n + ".bias"))
    return g("4", F.gelu(g("2", F.gelu(g("0", x)))))


def bt_term(a, b, lam):
    n = a.shape[0]
    c = a.t() @ b / n
    on = ((1 - torch.diagonal(c)) ** 2).sum()
    off = (c ** 2).sum() - (torch.diagonal(c) ** 2).sum()
    return on + lam * off


def dino_twins_steps(t):
    s = vit_params()

    def lin(name, i, o, bias=True):
        s[name + ".weight"] = f32(uniform((o, i), i))
        if bias:
            s[name + ".bias"] = f32(uniform((o,), i))
    lin("head.mlp.0", D, DT_HID); lin("head.mlp.2", DT_HID, DT_HID); lin("head.mlp.4", DT_HID, DT_BOT)
    lin("head.last_layer", DT_BOT, DT_K, bias=False)
    lin("projector.0", D, DT_HID); lin("projector.2", DT_HID, DT_HID); lin("projector.4", DT_HID, DT_PROJ, bias=False)
    for k, v in s.items():
        t["dt.student." + k] = v.float()
    teacher = {k: v.clone() for k, v in s.items() if not k.startswith("projector.")}
    params = {k: v.clone().requires_grad_(True) for k, v in s.items()}
    opt = adamw(params, DT_LR * DT_B / 256.0, DT_WD, True)
    center = torch.zeros(1, DT_K)
    losses = []
    ncrops = 2 + DT_NL
    for step in range(2):
        g = torch.randn(2 * DT_B, 3, 16, 16).float()
        l = torch.randn(DT_NL * DT_B, 3, 8, 8).float()
        t["dt.in.globals.%d" % step] = g
        t["dt.in.locals.%d" % step] = l
        g, l = g.double(), l.double()
        with torch.no_grad():
            t_logits = dt_head(teacher, "head.", cls_of(teacher, "backbone.", g))
        s_cls = torch.cat([cls_of(params, "backbone.", g), cls_of(params, "backbone.", l)])
        s_logits = dt_head(params, "head.", s_cls)
        z = dt_projector(params, s_cls)
        # DINO part: teacher q in {0, 1} against every student crop v != q
        pt = F.softmax((t_logits - center) / DT_TT, dim=-1).chunk(2)
        ls = F.log_softmax(s_logits / 0.1, dim=-1).chunk(ncrops)
        total, n = 0.0, 0
        for q in range(2):
            for v in range(ncrops):
                if v == q:
                    continue
                total = total + (-(pt[q] * ls[v]).sum(-1)).mean()
                n += 1
        l_dino = total / n
        # BT part: every ordered pair of distinct crops, unbiased std
        zs = [(c - c.mean(0)) / c.std(0, unbiased=True) for c in z.chunk(ncrops)]
        l_bt = 0.0
        for i in range(ncrops):
            for j in range(ncrops):
                if i != j:
                    l_bt = l_bt + DT_BT_BETA * bt_term(zs[i], zs[j], DT_BT_LAMBDA)
        l_bt = l_bt / (ncrops * (ncrops - 1))
        loss = l_dino + l_bt
        losses.append(loss.item())
        center = center * DT_CM + t_logits.mean(0, keepdim=True) * (1 - DT_CM)
        opt.zero_grad()
        loss.backward()
        opt.step()  # no clipping (DINO Twins)
        with torch.no_grad():
            for k in teacher:
                teacher[k] = teacher[k] * DT_M + params[k].detach() * (1 - DT_M)
    return losses


# ---- Barlow Twins ----------------------------------------------------------------------------------------
BT_B, BT_SIZES, BT_LAMBDA, BT_LR, BT_WD, BT_CLIP = 6, [40, 40, 24], 0.0051, 0.05, 0.04, 1.0


def barlow_steps(t):
    s = vit_params()
    fan = D
    for i, o in enumerate(BT_SIZES):
        s["projector.%d.weight" % (3 * i)] = f32(uniform((o, fan), fan))
        if i < len(BT_SIZES) - 1:
            s["projector.%d.weight" % (3 * i + 1)] = f32(1.0 + 0.1 * torch.randn(o))
            s["projector.%d.bias" % (3 * i + 1)] = f32(0.1 * torch.randn(o))
        fan = o
    for k, v in s.items():
        t["bt.student." + k] = v.float()
    params = {k: v.clone().requires_grad_(True) for k, v in s.items()}
    opt = adamw(params, BT_LR * BT_B / 256.0, BT_WD, False)
    running = {i: [torch.zeros(o), torch.ones(o), 0] for i, o in enumerate(BT_SIZES[:-1])}

    def projector(x):
        h = x
        for i in range(len(BT_SIZES) - 1):
            h = F.linear(h, params["projector.%d.weight" % (3 * i)])
            n = h.shape[0]
            mean = h.mean(0)
            var = ((h - mean) ** 2).mean(0)
            r = running[i]
            r[0] = 0.9 * r[0] + 0.1 * mean.detach()
            r[1] = 0.9 * r[1] + 0.1 * var.detach() * n / (n - 1)
            r[2] += 1
            h = (h - mean) / torch.sqrt(var + 1e-5) * params["projector.%d.weight" % (3 * i + 1)] \
                + params["projector.%d.bias" % (3 * i + 1)]
            h = F.relu(h)
        return F.linear(h, params["projector.%d.weight" % (3 * (len(BT_SIZES) - 1))])

    def bn(z):
        m = z.mean(0)
        return (z - m) / torch.sqrt(((z - m) ** 2).mean(0) + 1e-5)

    losses = []
    for step in range(2):
        g = torch.randn(2 * BT_B, 3, 16, 16).float()
        t["bt.in.globals.%d" % step] = g
        cls = cls_of(params, "backbone.", g.double())
        z1, z2 = projector(cls[:BT_B]), projector(cls[BT_B:])
        loss = bt_term(bn(z1), bn(z2), BT_LAMBDA)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        clip_per_parameter(params.values(), BT_CLIP)
        opt.step()
        for i, r in running.items():
            t["bt.out%d.projector.%d.running_mean" % (step, 3 * i + 1)] = r[0].float()
            t["bt.out%d.projector.%d.running_var" % (step, 3 * i + 1)] = r[1].float()
    return losses


if __name__ == "__main__":
    tensors = {}
    dt = dino_twins_steps(tensors)
    bt = barlow_steps(tensors)
    meta = {"dt.loss.0": repr(dt[0]), "dt.loss.1": repr(dt[1]), "bt.loss.0": repr(bt[0]), "bt.loss.1": repr(bt[1])}
    mm.save("twins_step.safetensors", tensors, meta)
    print(meta)
    print(os.path.getsize(os.path.join(mm.OUT, "twins_step.safetensors")), "bytes")
