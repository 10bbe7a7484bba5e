#!/usr/bin/env python3
"""Writes the fixtures of the model tests (pretrain/src/test/resources/fixtures/model/*.safetensors).

The reference forward passes below are written from the formulas of ALGORITHMS.md sections 2 and 3
with plain torch.nn.functional calls (Debian python3-torch 1.13); they share no code with the Java
implementation. The safetensors writer is also independent of the Java reader.

Run from the repository root:  /usr/bin/python3 pretrain/src/test/python/make_model_fixtures.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "model")
torch.manual_seed(1234)
torch.set_num_threads(1)

D, DEPTH, HEADS, P, IMG = 32, 2, 2, 4, 16
EPS = 1e-6


def save(name, tensors, metadata=None):
    """safetensors: u64 LE header length, JSON header, raw little-endian data."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for k, t in tensors.items():
        a = t.detach().contiguous().numpy()
        if a.dtype == np.bool_:
            dt = "BOOL"
        elif a.dtype == np.float32:
            dt = "F32"
        elif a.dtype == np.int64:
            dt = "I64"
        else:
            raise ValueError(a.dtype)
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rnd(*shape, std=0.1, mean=0.0):
    return torch.randn(*shape) * std + mean


def vit_weights(layer_scale):
    n = (IMG // P) ** 2
    w = {
        "cls_token": rnd(1, 1, D, std=0.5),
        "pos_embed": rnd(1, n + 1, D, std=0.5),
        "patch_embed.proj.weight": rnd(D, 3, P, P, std=0.15),
        "patch_embed.proj.bias": rnd(D, std=0.1),
    }
    for i in range(DEPTH):
        b = f"blocks.{i}."
        w[b + "norm1.weight"] = rnd(D, mean=1.0)
        w[b + "norm1.bias"] = rnd(D)
        w[b + "attn.qkv.weight"] = rnd(3 * D, D, std=0.2)
        w[b + "attn.qkv.bias"] = rnd(3 * D)
        w[b + "attn.proj.weight"] = rnd(D, D, std=0.2)
        w[b + "attn.proj.bias"] = rnd(D)
        w[b + "norm2.weight"] = rnd(D, mean=1.0)
        w[b + "norm2.bias"] = rnd(D)
        w[b + "mlp.fc1.weight"] = rnd(4 * D, D, std=0.2)
        w[b + "mlp.fc1.bias"] = rnd(4 * D)
        w[b + "mlp.fc2.weight"] = rnd(D, 4 * D, std=0.1)
        w[b + "mlp.fc2.bias"] = rnd(D)
        if layer_scale:
            w[b + "gamma_1"] = rnd(D, std=0.3, mean=0.5)
            w[b + "gamma_2"] = rnd(D, std=0.3, mean=0.5)
    w["norm.weight"] = rnd(D, mean=1.0)
    w["norm.bias"] = rnd(D)
    w["masked_embed"] = rnd(1, D, std=0.5)
    return w


def pos_embed_for(pe, h, w):
    """Stored grid s x s -> h x w: bicubic, align_corners False, scale factors (h+0.1)/s, (w+0.1)/s."""
    n = pe.shape[1] - 1
    s = int(math.sqrt(n))
    if h * w == n and h == w:
        return pe
    g = pe[:, 1:].reshape(1, s, s, D).permute(0, 3, 1, 2)
    g = F.interpolate(g, scale_factor=((h + 0.1) / s, (w + 0.1) / s), mode="bicubic", align_corners=False)
    assert tuple(g.shape[-2:]) == (h, w), g.shape
    return torch.cat([pe[:, :1], g.permute(0, 2, 3, 1).reshape(1, h * w, D)], dim=1)


def vit_forward(w, img, mask=None, layer_scale=False):
    """Returns (normed tokens, [attention per block], [normed output per block])."""
    B = img.shape[0]
    x = F.conv2d(img, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=P)
    h, wd = x.shape[2], x.shape[3]
    x = x.flatten(2).transpose(1, 2)
    if mask is not None:
        x = torch.where(mask.reshape(B, h * wd, 1), w["masked_embed"].reshape(1, 1, D), x)
    x = torch.cat([w["cls_token"].expand(B, 1, D), x], dim=1)
    x = x + pos_embed_for(w["pos_embed"], h, wd)
    T = x.shape[1]
    dh = D // HEADS
    attns, outs = [], []
    for i in range(DEPTH):
        b = f"blocks.{i}."
        y = F.layer_norm(x, (D,), w[b + "norm1.weight"], w[b + "norm1.bias"], EPS)
        qkv = F.linear(y, w[b + "attn.qkv.weight"], w[b + "attn.qkv.bias"])
        q = qkv[..., 0:D].reshape(B, T, HEADS, dh).transpose(1, 2)
        k = qkv[..., D:2 * D].reshape(B, T, HEADS, dh).transpose(1, 2)
        v = qkv[..., 2 * D:].reshape(B, T, HEADS, dh).transpose(1, 2)
        a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * dh ** -0.5, dim=-1)
        attns.append(a)
        o = torch.matmul(a, v).transpose(1, 2).reshape(B, T, D)
        o = F.linear(o, w[b + "attn.proj.weight"], w[b + "attn.proj.bias"])
        if layer_scale:
            o = o * w[b + "gamma_1"]
        x = x + o
        y = F.layer_norm(x, (D,), w[b + "norm2.weight"], w[b + "norm2.bias"], EPS)
        m = F.linear(F.gelu(F.linear(y, w[b + "mlp.fc1.weight"], w[b + "mlp.fc1.bias"])),
                     w[b + "mlp.fc2.weight"], w[b + "mlp.fc2.bias"])
        if layer_scale:
            m = m * w[b + "gamma_2"]
        x = x + m
        outs.append(F.layer_norm(x, (D,), w["norm.weight"], w["norm.bias"], EPS))
    return outs[-1], attns, outs


def rollout(attns):
    """prod_l (mean_heads(A_l) + I), layer 0 leftmost."""
    r = None
    for a in attns:
        m = a.mean(dim=1)
        m = m + torch.eye(m.shape[-1]).unsqueeze(0)
        r = m if r is None else torch.matmul(r, m)
    return r


def make_vit():
    x16 = torch.randn(2, 3, 16, 16)
    x8 = torch.randn(2, 3, 8, 8)
    x24 = torch.randn(1, 3, 24, 24)
    mask = torch.rand(2, 4, 4) < 0.4
    mask[0, 0, 0] = True
    mask[1, 3, 3] = False
    for ls in (False, True):
        w = vit_weights(ls)
        tok16, att16, outs16 = vit_forward(w, x16, layer_scale=ls)
        tok8, _, _ = vit_forward(w, x8, layer_scale=ls)
        tok24, _, _ = vit_forward(w, x24, layer_scale=ls)
        tokm, _, _ = vit_forward(w, x16, mask=mask, layer_scale=ls)
        t = {"in.x16": x16, "in.x8": x8, "in.x24": x24, "in.mask16": mask,
             "out.tokens16": tok16, "out.attn16.0": att16[0], "out.attn16.1": att16[1],
             "out.last_cls_attn16": att16[-1][:, :, 0, 1:],
             "out.rollout16": rollout(att16),
             "out.block_out16.0": outs16[0], "out.block_out16.1": outs16[1],
             "out.tokens8": tok8, "out.tokens24": tok24, "out.tokens16_masked": tokm,
             "out.pos8": pos_embed_for(w["pos_embed"], 2, 2), "out.pos24": pos_embed_for(w["pos_embed"], 6, 6),
             "out.pos12": pos_embed_for(w["pos_embed"], 3, 3)}
        for k, v in w.items():
            t["model.backbone." + k] = v
        save("vit_tiny_ls.safetensors" if ls else "vit_tiny.safetensors", t,
             {"dim": str(D), "depth": str(DEPTH), "heads": str(HEADS), "patch": str(P), "img": str(IMG),
              "layer_scale": str(ls)})


def bn_train(x, w, b, rm, rv, eps=1e-5, mom=0.1):
    """BatchNorm1d, training mode, from its definition; returns y and the updated running stats."""
    n = x.shape[0]
    mean = x.mean(0)
    var = ((x - mean) ** 2).mean(0)
    y = (x - mean) / torch.sqrt(var + eps)
    if w is not None:
        y = y * w + b
    return y, (1 - mom) * rm + mom * mean, (1 - mom) * rv + mom * var * n / (n - 1)


def make_heads():
    IN, HID, BOT, K, K2 = 32, 48, 16, 24, 20
    t = {}
    x = torch.randn(6, IN)
    tokens = torch.randn(2, 5, IN)
    t["in.x"] = x
    t["in.tokens"] = tokens

    def lin(prefix, i, o, bias=True):
        t[prefix + ".weight"] = rnd(o, i, std=0.2)
        if bias:
            t[prefix + ".bias"] = rnd(o)

    def wn_last(prefix, k):
        t[prefix + ".weight_g"] = rnd(k, 1, std=0.3, mean=1.0)
        t[prefix + ".weight_v"] = rnd(k, BOT, std=0.2)

    def last(prefix, z):
        g, v = t[prefix + ".weight_g"], t[prefix + ".weight_v"]
        return F.linear(z, g * v / v.norm(dim=1, keepdim=True))

    def l2(z, eps=1e-12):
        return z / z.norm(dim=-1, keepdim=True).clamp_min(eps)

    # DINO head without BN: mlp.0 / mlp.2 / mlp.4
    p = "dino."
    lin(p + "mlp.0", IN, HID); lin(p + "mlp.2", HID, HID); lin(p + "mlp.4", HID, BOT); wn_last(p + "last_layer", K)
    g = lambda n, z: F.linear(z, t[p + n + ".weight"], t[p + n + ".bias"])
    z = g("mlp.4", F.gelu(g("mlp.2", F.gelu(g("mlp.0", x)))))
    t["out.dino"] = last(p + "last_layer", l2(z))

    # DINO head with BN (training mode): Linear 0, BN 1, GELU 2, Linear 3, BN 4, GELU 5, Linear 6
    p = "dinobn."
    lin(p + "mlp.0", IN, HID); lin(p + "mlp.3", HID, HID); lin(p + "mlp.6", HID, BOT); wn_last(p + "last_layer", K)
    for j in (1, 4):
        t[p + f"mlp.{j}.weight"] = rnd(HID, mean=1.0)
        t[p + f"mlp.{j}.bias"] = rnd(HID)
        t[p + f"mlp.{j}.running_mean"] = rnd(HID)
        t[p + f"mlp.{j}.running_var"] = rnd(HID, mean=1.0).abs()
        t[p + f"mlp.{j}.num_batches_tracked"] = torch.tensor(3, dtype=torch.int64)
    g = lambda n, z: F.linear(z, t[p + n + ".weight"], t[p + n + ".bias"])
    z = g("mlp.0", x)
    z, rm1, rv1 = bn_train(z, t[p + "mlp.1.weight"], t[p + "mlp.1.bias"], t[p + "mlp.1.running_mean"], t[p + "mlp.1.running_var"])
    z = g("mlp.3", F.gelu(z))
    z, rm4, rv4 = bn_train(z, t[p + "mlp.4.weight"], t[p + "mlp.4.bias"], t[p + "mlp.4.running_mean"], t[p + "mlp.4.running_var"])
    z = g("mlp.6", F.gelu(z))
    t["out.dinobn"] = last(p + "last_layer", l2(z))
    t["out.dinobn.mlp.1.running_mean"], t["out.dinobn.mlp.1.running_var"] = rm1, rv1
    t["out.dinobn.mlp.4.running_mean"], t["out.dinobn.mlp.4.running_var"] = rm4, rv4

    # iBOT head, separate patch head: shared MLP on all tokens, last_layer on CLS, last_layer2 on patches
    p = "ibot."
    lin(p + "mlp.0", IN, HID); lin(p + "mlp.2", HID, HID); lin(p + "mlp.4", HID, BOT)
    wn_last(p + "last_layer", K); wn_last(p + "last_layer2", K2)
    g = lambda n, z: F.linear(z, t[p + n + ".weight"], t[p + n + ".bias"])
    z = l2(g("mlp.4", F.gelu(g("mlp.2", F.gelu(g("mlp.0", tokens))))))
    t["out.ibot.cls"] = last(p + "last_layer", z[:, 0])
    t["out.ibot.patch"] = last(p + "last_layer2", z[:, 1:])
    t["out.ibot.cls2d"] = last(p + "last_layer", l2(g("mlp.4", F.gelu(g("mlp.2", F.gelu(g("mlp.0", x)))))))

    # Barlow Twins projector, training mode: 0 Linear(no bias), 1 BN, 2 ReLU, 3 Linear, 4 BN, 5 ReLU, 6 Linear
    p = "barlow."
    S = [IN, 40, 40, 24]
    lin(p + "0", S[0], S[1], bias=False); lin(p + "3", S[1], S[2], bias=False); lin(p + "6", S[2], S[3], bias=False)
    for j in (1, 4):
        t[p + f"{j}.weight"] = rnd(40, mean=1.0)
        t[p + f"{j}.bias"] = rnd(40)
        t[p + f"{j}.running_mean"] = torch.zeros(40)
        t[p + f"{j}.running_var"] = torch.ones(40)
        t[p + f"{j}.num_batches_tracked"] = torch.tensor(0, dtype=torch.int64)
    z = F.linear(x, t[p + "0.weight"])
    z, rm1, _ = bn_train(z, t[p + "1.weight"], t[p + "1.bias"], t[p + "1.running_mean"], t[p + "1.running_var"])
    z = F.linear(F.relu(z), t[p + "3.weight"])
    z, _, rv4 = bn_train(z, t[p + "4.weight"], t[p + "4.bias"], t[p + "4.running_mean"], t[p + "4.running_var"])
    t["out.barlow"] = F.linear(F.relu(z), t[p + "6.weight"])
    t["out.barlow.1.running_mean"] = rm1
    t["out.barlow.4.running_var"] = rv4

    # DINO Twins DINO head: Linear GELU Linear GELU Linear GELU, L2 (eps 1e-6), Linear no bias (no weight norm)
    p = "twins."
    lin(p + "mlp.0", IN, HID); lin(p + "mlp.2", HID, HID); lin(p + "mlp.4", HID, BOT)
    lin(p + "last_layer", BOT, K, bias=False)
    g = lambda n, z: F.linear(z, t[p + n + ".weight"], t[p + n + ".bias"])
    z = F.gelu(g("mlp.4", F.gelu(g("mlp.2", F.gelu(g("mlp.0", x))))))
    t["out.twins"] = F.linear(l2(z, 1e-6), t[p + "last_layer.weight"])
    # DINO Twins Barlow projector: Linear GELU Linear GELU Linear(no bias)
    p = "twinsproj."
    lin(p + "0", IN, HID); lin(p + "2", HID, HID); lin(p + "4", HID, K2, bias=False)
    g = lambda n, z: F.linear(z, t[p + n + ".weight"], t.get(p + n + ".bias"))
    t["out.twinsproj"] = g("4", F.gelu(g("2", F.gelu(g("0", x)))))
    save("heads.safetensors", t, {"in": str(IN), "hidden": str(HID), "bottleneck": str(BOT), "k": str(K), "k2": str(K2)})


if __name__ == "__main__":
    make_vit()
    make_heads()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))
