#!/usr/bin/python3
"""Writes fixtures/schedules.json: DINO's cosine_scheduler (utils.py) evaluated with numpy for the
schedules the training loop builds (LR scaled by batch/256 with warm-up, cosine WD, EMA momentum,
per-epoch teacher temperature warm-up). Independent of the Java code under test."""
import json, os
import numpy as np


def cosine_scheduler(base_value, final_value, epochs, niter_per_ep, warmup_epochs=0, start_warmup_value=0):
    # As in facebookresearch/dino utils.py.
    warmup_schedule = np.array([])
    warmup_iters = warmup_epochs * niter_per_ep
    if warmup_epochs > 0:
        warmup_schedule = np.linspace(start_warmup_value, base_value, warmup_iters)
    iters = np.arange(epochs * niter_per_ep - warmup_iters)
    schedule = final_value + 0.5 * (base_value - final_value) * (1 + np.cos(np.pi * iters / len(iters)))
    schedule = np.concatenate((warmup_schedule, schedule))
    assert len(schedule) == epochs * niter_per_ep
    return schedule


def teacher_temp(warmup_teacher_temp, teacher_temp, warmup_epochs, nepochs):
    # As in DINOLoss.__init__.
    return np.concatenate((np.linspace(warmup_teacher_temp, teacher_temp, warmup_epochs),
                           np.ones(nepochs - warmup_epochs) * teacher_temp))


cases = []
for (lr, batch, min_lr, epochs, niter, warm) in [(5e-4, 64, 1e-6, 7, 13, 2), (5e-4, 1024, 1e-6, 100, 5, 10),
                                                 (3e-4, 100, 2e-5, 3, 4, 0)]:
    base = lr * batch / 256.0
    cases.append({"kind": "lr", "lr": lr, "batch": batch, "min_lr": min_lr, "epochs": epochs,
                  "iters_per_epoch": niter, "warmup_epochs": warm,
                  "values": cosine_scheduler(base, min_lr, epochs, niter, warm).tolist()})
for (wd, wd_end, epochs, niter) in [(0.04, 0.4, 7, 13), (0.04, 0.04, 3, 5)]:
    cases.append({"kind": "wd", "wd": wd, "wd_end": wd_end, "epochs": epochs, "iters_per_epoch": niter,
                  "values": cosine_scheduler(wd, wd_end, epochs, niter).tolist()})
for (m, epochs, niter) in [(0.996, 7, 13), (0.9995, 4, 3)]:
    cases.append({"kind": "momentum", "momentum": m, "epochs": epochs, "iters_per_epoch": niter,
                  "values": cosine_scheduler(m, 1, epochs, niter).tolist()})
for (w, t, we, ep) in [(0.04, 0.07, 30, 100), (0.04, 0.04, 0, 5), (0.04, 0.07, 5, 5), (0.04, 0.05, 1, 3)]:
    cases.append({"kind": "teacher_temp", "warmup_teacher_temp": w, "teacher_temp": t, "warmup_epochs": we,
                  "epochs": ep, "values": teacher_temp(w, t, we, ep).tolist()})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "schedules.json")
with open(out, "w") as f:
    json.dump({"cases": cases}, f)
print("wrote", out)
