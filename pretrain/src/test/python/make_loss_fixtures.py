#!/usr/bin/env python3
"""Writes small fixtures for the loss tests of org.vitssl.pretrain.loss.

The reference values are computed here from the formulas of ALGORITHMS.md (sections 4.1-4.5), in
float64, with explicit loops over crop pairs / images so that the arithmetic is organised
differently from the Java code. Inputs are stored as float32 (what the Java side feeds), expected
values as float64. Gradients come from torch.autograd on the float64 copies of the inputs.

Run:  /usr/bin/python3 pretrain/src/test/python/make_loss_fixtures.py [reppas-step | bt-wide]
Writes pretrain/src/test/resources/fixtures/loss_*.npz
"""
import os
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")
rng = np.random.default_rng(20240611)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def linspace_schedule(warm, final, warm_epochs, hold, epoch):
    sched = list(np.ones(hold) * warm) + list(np.linspace(warm, final, warm_epochs))
    return sched[epoch] if epoch < len(sched) else final


def ce(p_t, s_logprob):
    """-sum_k p_t log p_s, per row."""
    return -(p_t * s_logprob).sum(-1)


def dino_reference(student, teacher, center, tau_s, tau_t, m, B, ncrops):
    s = t64(student, True)
    t = t64(teacher)
    c = t64(center)
    s_chunks = [torch.log_softmax(s[v * B:(v + 1) * B] / tau_s, -1) for v in range(ncrops)]
    t_chunks = [torch.softmax((t[q * B:(q + 1) * B] - c) / tau_t, -1) for q in range(2)]
    total = 0.0
    n_terms = 0
    for q in range(2):
        for v in range(ncrops):
            if v == q:
                continue
            total = total + ce(t_chunks[q], s_chunks[v]).mean()
            n_terms += 1
    assert n_terms == 2 * ncrops - 2
    loss = total / n_terms
    loss.backward()
    new_center = m * np.asarray(center, np.float64) + (1 - m) * np.asarray(teacher, np.float64).mean(0)
    return loss.item(), s.grad.numpy(), new_center


def save(name, **arrays):
    path = os.path.join(OUT, name)
    np.savez(path, **{k: np.asarray(v) for k, v in arrays.items()})
    print("wrote", path, os.path.getsize(path), "bytes")


def make_dino():
    B, K, ncrops = 3, 16, 4
    student = f32(rng.normal(0, 1.5, (ncrops * B, K)))
    teacher = f32(rng.normal(0, 1.5, (2 * B, K)))
    teacher2 = f32(rng.normal(0, 1.5, (2 * B, K)))
    student2 = f32(rng.normal(0, 1.5, (ncrops * B, K)))
    center0 = f32(rng.normal(0, 0.3, K))
    warm, final, we = 0.04, 0.07, 5
    e1, e2 = 1, 7
    tau1 = linspace_schedule(warm, final, we, 0, e1)
    tau2 = linspace_schedule(warm, final, we, 0, e2)
    l1, g1, c1 = dino_reference(student, teacher, center0, 0.1, tau1, 0.9, B, ncrops)
    l2, g2, c2 = dino_reference(student2, teacher2, f32(c1), 0.1, tau2, 0.9, B, ncrops)
    save("loss_dino.npz", student=student, teacher=teacher, student2=student2, teacher2=teacher2, center0=center0,
         params=np.array([B, K, ncrops, warm, final, we, e1, e2, 0.1, 0.9], np.float64),
         loss1=np.float64(l1), grad1=g1, center1=c1, loss2=np.float64(l2), grad2=g2, center2=c2)


def make_ibot():
    B, K, K2, N, ncrops = 2, 12, 10, 9, 4
    s_cls = f32(rng.normal(0, 1.5, (ncrops * B, K)))
    s_patch = f32(rng.normal(0, 1.5, (2 * B, N, K2)))
    t_cls = f32(rng.normal(0, 1.5, (2 * B, K)))
    t_patch = f32(rng.normal(0, 1.5, (2 * B, N, K2)))
    masks = rng.random((2 * B, N)) < 0.4
    masks[1, :] = False            # an unmasked image: l_b = 0, still counted
    masks[2, :] = True             # a fully masked image
    c0 = f32(rng.normal(0, 0.3, K))
    c20 = f32(rng.normal(0, 0.3, K2))
    warm, final, we = 0.04, 0.06, 4
    warm2, final2, we2, hold = 0.04, 0.07, 4, 2
    epoch = 3
    lam1, lam2 = 0.7, 1.3
    tau_t = linspace_schedule(warm, final, we, 0, epoch)
    tau_t2 = linspace_schedule(warm2, final2, we2, hold, epoch)

    sc = t64(s_cls, True)
    sp = t64(s_patch, True)
    tc = t64(t_cls)
    tp = t64(t_patch)
    # CLS term, pair by pair
    cls_total, n1 = 0.0, 0
    for q in range(2):
        pt = torch.softmax((tc[q * B:(q + 1) * B] - t64(c0)) / tau_t, -1)
        for v in range(ncrops):
            if v == q:
                continue
            ls = torch.log_softmax(sc[v * B:(v + 1) * B] / 0.1, -1)
            cls_total = cls_total + ce(pt, ls).mean()
            n1 += 1
    l_cls = cls_total / n1
    # MIM term, image by image
    mim_total = 0.0
    for q in range(2):
        per_view = 0.0
        for b in range(B):
            row = q * B + b
            pt = torch.softmax((tp[row] - t64(c20)) / tau_t2, -1)
            ls = torch.log_softmax(sp[row] / 0.1, -1)
            mk = torch.tensor(masks[row], dtype=torch.float64)
            per_view = per_view + (ce(pt, ls) * mk).sum() / max(1.0, float(masks[row].sum()))
        mim_total = mim_total + per_view / B
    l_mim = mim_total / 2
    loss = lam1 * l_cls + lam2 * l_mim
    loss.backward()
    c1 = 0.9 * c0.astype(np.float64) + 0.1 * t_cls.astype(np.float64).mean(0)
    c21 = 0.9 * c20.astype(np.float64) + 0.1 * t_patch.astype(np.float64).mean(1).mean(0)
    save("loss_ibot.npz", s_cls=s_cls, s_patch=s_patch, t_cls=t_cls, t_patch=t_patch, masks=masks.astype(np.uint8),
         c0=c0, c20=c20,
         params=np.array([B, K, K2, N, ncrops, warm, final, we, warm2, final2, we2, hold, epoch, lam1, lam2], np.float64),
         loss=np.float64(loss.item()), l_cls=np.float64(l_cls.item()), l_mim=np.float64(l_mim.item()),
         grad_cls=sc.grad.numpy(), grad_patch=sp.grad.numpy(), center1=c1, center21=c21)


def bt_reference(z1, z2, lam, biased, eps):
    """sum_i (1 - C_ii)^2 + lam sum_{i != j} C_ij^2 with explicit loops over i, j."""
    n = z1.shape[0]
    def standardise(z):
        mu = z.mean(0)
        if biased:
            return (z - mu) / torch.sqrt(((z - mu) ** 2).mean(0) + eps)
        return (z - mu) / torch.sqrt(((z - mu) ** 2).sum(0) / (n - 1))
    a, b = standardise(z1), standardise(z2)
    d = z1.shape[1]
    on, off = 0.0, 0.0
    for i in range(d):
        for j in range(d):
            cij = (a[:, i] * b[:, j]).sum() / n
            if i == j:
                on = on + (1 - cij) ** 2
            else:
                off = off + cij ** 2
    return on + lam * off


def make_bt():
    n, d = 6, 5
    z1 = f32(rng.normal(0.5, 2.0, (n, d)))
    z2 = f32(rng.normal(-0.3, 1.0, (n, d)) + 0.5 * z1)
    a, b = t64(z1, True), t64(z2, True)
    loss = bt_reference(a, b, 0.0051, True, 1e-5)
    loss.backward()
    save("loss_barlow.npz", z1=z1, z2=z2, params=np.array([0.0051, 1e-5]), loss=np.float64(loss.item()),
         grad1=a.grad.numpy(), grad2=b.grad.numpy())


def make_dino_twins():
    B, K, d, ncrops = 4, 8, 6, 5
    student = f32(rng.normal(0, 1.5, (ncrops * B, K)))
    teacher = f32(rng.normal(0, 1.5, (2 * B, K)))
    z = f32(rng.normal(0, 1.0, (ncrops * B, d)))
    c0 = f32(rng.normal(0, 0.2, K))
    epoch = 4
    tau_t = linspace_schedule(0.04, 0.07, 10, 0, epoch)
    lam, beta = 5e-3, 2.5e-3
    s = t64(student, True)
    zz = t64(z, True)
    t = t64(teacher)
    # DINO part
    dino, nt = 0.0, 0
    for q in range(2):
        pt = torch.softmax((t[q * B:(q + 1) * B] - t64(c0)) / tau_t, -1)
        for v in range(ncrops):
            if v != q:
                dino = dino + ce(pt, torch.log_softmax(s[v * B:(v + 1) * B] / 0.1, -1)).mean()
                nt += 1
    dino = dino / nt
    bt, npairs = 0.0, 0
    for i in range(ncrops):
        for j in range(ncrops):
            if i != j:
                bt = bt + beta * bt_reference(zz[i * B:(i + 1) * B], zz[j * B:(j + 1) * B], lam, False, 0.0)
                npairs += 1
    bt = bt / npairs
    loss = dino + bt
    loss.backward()
    c1 = 0.9 * c0.astype(np.float64) + 0.1 * teacher.astype(np.float64).mean(0)
    save("loss_dino_twins.npz", student=student, teacher=teacher, z=z, c0=c0,
         params=np.array([B, K, d, ncrops, epoch, lam, beta]), loss=np.float64(loss.item()),
         l_dino=np.float64(dino.item()), l_bt=np.float64(bt.item()),
         grad_student=s.grad.numpy(), grad_z=zz.grad.numpy(), center1=c1)


def make_bt_wide():
    """Barlow Twins summed over the crop pairs i < j with n < d, where the Java side takes the Gram path."""
    g = np.random.default_rng(20261207)      # its own stream: the other fixtures keep their bytes
    n, d, ncrops, lam = 8, 32, 4, 5e-3
    z = f32(g.normal(0, 1.0, (ncrops * n, d)) + 0.7 * np.tile(g.normal(0, 1.0, (n, d)), (ncrops, 1)))
    zz = t64(z, True)
    total = 0.0
    for i in range(ncrops):
        for j in range(i + 1, ncrops):
            total = total + bt_reference(zz[i * n:(i + 1) * n], zz[j * n:(j + 1) * n], lam, False, 0.0)
    total.backward()
    save("loss_bt_pairs_wide.npz", z=z, params=np.array([n, d, ncrops, lam]), loss=np.float64(total.item()),
         grad_z=zz.grad.numpy())


def reppas_reference(p, scores, B, k, tau, lam3):
    """p: (2B, N, K2) probability vectors (torch), scores (2B, N) numpy. Loop per image."""
    total = 0.0
    for b in range(B):
        pos, neg = [], []
        for view in range(2):
            row = view * B + b
            order = np.argsort(-scores[row], kind="stable")   # descending, ties: lower index first
            for i in order[:k]:
                pos.append(p[row, i])
            for i in order[-k:]:
                neg.append(p[row, i])
        pos = [v / v.norm() for v in pos]
        neg = [v / v.norm() for v in neg]
        P = len(pos)
        term1, term2 = 0.0, 0.0
        for t_ in range(P):
            negsum = sum(torch.exp((pos[t_] * nj).sum() / tau) for nj in neg)
            for l_ in range(P):
                if l_ == t_:
                    continue
                sim = (pos[t_] * pos[l_]).sum()
                term1 = term1 - sim / tau
                term2 = term2 + torch.log(sim + negsum)
        total = total + term1 + term2
    return lam3 * total / (2 * k * B)


def make_reppas():
    B, N, K2, k = 2, 8, 6, 2
    tau, lam3 = 0.2, 1.0
    scores = f32(rng.random((2 * B, N)))
    top = scores[1].max() + 0.5
    scores[1, 2] = scores[1, 5] = scores[1, 6] = top           # tie across the top-k boundary: 2, 5 in, 6 out
    low = scores[3].min() - 0.5
    scores[3, 0] = scores[3, 4] = scores[3, 7] = low           # tie across the bottom-k boundary: 4, 7 in, 0 out
    s_patch = f32(rng.normal(0, 1.5, (2 * B, N, K2)))
    t_patch = f32(rng.normal(0, 1.5, (2 * B, N, K2)))
    c2 = f32(rng.normal(0, 0.3, K2))
    tau_t2 = 0.055
    sp = t64(s_patch, True)
    loss_student = reppas_reference(torch.softmax(sp / 0.1, -1), scores, B, k, tau, lam3)
    loss_student.backward()
    pt = torch.softmax((t64(t_patch) - t64(c2)) / tau_t2, -1)
    loss_teacher = reppas_reference(pt, scores, B, k, tau, lam3)
    save("loss_reppas.npz", scores=scores, s_patch=s_patch, t_patch=t_patch, c2=c2,
         params=np.array([B, N, K2, k, tau, lam3, tau_t2]), loss_student=np.float64(loss_student.item()),
         grad_student=sp.grad.numpy(), loss_teacher=np.float64(loss_teacher.item()))


def make_reppas_step():
    """The Reppas step's loss: iBOT (CLS + MIM, lambdas 1) + L3, for both L3 sources, from its own random stream.
    Expected: totals, the iBOT terms, L3 of each source, the student gradients of each total, the updated c2."""
    r = np.random.default_rng(20261125)
    B, K, N, ncrops, k = 2, 10, 9, 4, 2
    tau, lam3, tau_s, tau_t, tau_t2 = 0.2, 0.8, 0.1, 0.05, 0.06
    s_cls = f32(r.normal(0, 1.5, (ncrops * B, K)))
    s_patch = f32(r.normal(0, 1.5, (2 * B, N, K)))
    t_cls = f32(r.normal(0, 1.5, (2 * B, K)))
    t_patch = f32(r.normal(0, 1.5, (2 * B, N, K)))
    scores = f32(r.random((2 * B, N)))
    masks = np.zeros((2 * B, N), dtype=bool)
    for row in range(2 * B):                       # Reppas style: the int(N r) highest scores, row 1 left unmasked
        m = 0 if row == 1 else int(N * r.uniform(0.1, 0.5))
        masks[row, np.argsort(-scores[row], kind="stable")[:m]] = True
    c0 = f32(r.normal(0, 0.3, K))
    c20 = f32(r.normal(0, 0.3, K))
    out = {}
    for source in ("student", "teacher"):
        sc = t64(s_cls, True)
        sp = t64(s_patch, True)
        tc, tp = t64(t_cls), t64(t_patch)
        cls_total, n1 = 0.0, 0
        for q in range(2):
            pt = torch.softmax((tc[q * B:(q + 1) * B] - t64(c0)) / tau_t, -1)
            for v in range(ncrops):
                if v != q:
                    cls_total = cls_total + ce(pt, torch.log_softmax(sc[v * B:(v + 1) * B] / tau_s, -1)).mean()
                    n1 += 1
        l_cls = cls_total / n1
        mim = 0.0
        for row in range(2 * B):
            pt = torch.softmax((tp[row] - t64(c20)) / tau_t2, -1)
            per = (ce(pt, torch.log_softmax(sp[row] / tau_s, -1)) * torch.tensor(masks[row], dtype=torch.float64)).sum()
            mim = mim + per / max(1.0, float(masks[row].sum()))
        l_mim = mim / (2 * B)
        probs = torch.softmax(sp / tau_s, -1) if source == "student" else torch.softmax((tp - t64(c20)) / tau_t2, -1)
        l3 = reppas_reference(probs, scores, B, k, tau, lam3)
        total = l_cls + l_mim + l3
        total.backward()
        out.update({"total_" + source: np.float64(total.item()), "l3_" + source: np.float64(l3.item()),
                    "grad_patch_" + source: sp.grad.numpy(), "grad_cls_" + source: sc.grad.numpy()})
        out.update({"l_cls": np.float64(l_cls.item()), "l_mim": np.float64(l_mim.item())})
    c21 = 0.9 * c20.astype(np.float64) + 0.1 * t_patch.astype(np.float64).mean(1).mean(0)
    save("loss_reppas_step.npz", s_cls=s_cls, s_patch=s_patch, t_cls=t_cls, t_patch=t_patch, scores=scores,
         masks=masks.astype(np.uint8), c0=c0, c20=c20, center21=c21,
         params=np.array([B, K, N, ncrops, k, tau, lam3, tau_s, tau_t, tau_t2]), **out)


if __name__ == "__main__":
    import sys
    os.makedirs(OUT, exist_ok=True)
    if sys.argv[1:] == ["reppas-step"]:      # only the step fixture (the others keep their bytes)
        make_reppas_step()
        sys.exit(0)
    if sys.argv[1:] == ["bt-wide"]:          # only the wide Barlow Twins fixture
        make_bt_wide()
        sys.exit(0)
    make_dino()
    make_ibot()
    make_bt()
    make_dino_twins()
    make_reppas()
    make_reppas_step()
