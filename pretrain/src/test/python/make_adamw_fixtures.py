#!/usr/bin/python3
"""Writes fixtures/adamw.json: torch.optim.AdamW (torch 1.13, defaults betas (0.9, 0.999), eps 1e-8) with
DINO's two parameter groups (utils.get_params_groups), per-step LR/WD set as in main_dino.py, DINO's
per-parameter clip_gradients and cancel_gradients_last_layer (grad = None for "last_layer" params during the
frozen steps). Gradients are fixed random arrays stored in the fixture; expected parameters after every step
and the final optimizer state come from torch. Independent of the Java code under test."""
import json, os
import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(1234)
shapes = {
    "cls_token": (1, 1, 3),
    "mlp.0.weight": (4, 3),
    "mlp.0.bias": (4,),
    "norm.weight": (3,),
    "last_layer.weight_g": (5, 1),
    "last_layer.weight_v": (5, 4),
    "last_layer2.weight_v": (2, 4),
}
params = {n: torch.nn.Parameter(torch.tensor(rng.standard_normal(s), dtype=torch.float32)) for n, s in shapes.items()}
init = {n: p.detach().numpy().ravel().tolist() for n, p in params.items()}

regularized = [p for n, p in params.items() if not (n.endswith(".bias") or len(p.shape) == 1)]
not_regularized = [p for n, p in params.items() if n.endswith(".bias") or len(p.shape) == 1]
opt = torch.optim.AdamW([{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}])

clip = 0.8
frozen_steps = 2
steps = []
after = []
for it in range(7):
    lr = float(1e-2 * (1 + it) / 7.0)
    wd = float(0.04 + 0.05 * it)
    grads = {n: (rng.standard_normal(s) * (0.05 if it % 2 else 1.5)).astype(np.float32) for n, s in shapes.items()}
    for g, pg in enumerate(opt.param_groups):
        pg["lr"] = lr
        if g == 0:
            pg["weight_decay"] = wd
    opt.zero_grad()
    for n, p in params.items():
        p.grad = torch.tensor(grads[n])
    # utils.clip_gradients
    for n, p in params.items():
        param_norm = p.grad.data.norm(2)
        clip_coef = clip / (param_norm + 1e-6)
        if clip_coef < 1:
            p.grad.data.mul_(clip_coef)
    frozen = it < frozen_steps
    if frozen:  # utils.cancel_gradients_last_layer
        for n, p in params.items():
            if "last_layer" in n:
                p.grad = None
    opt.step()
    steps.append({"lr": lr, "wd": wd, "frozen": frozen,
                  "grads": {n: g.ravel().tolist() for n, g in grads.items()}})
    after.append({n: p.detach().numpy().ravel().tolist() for n, p in params.items()})

state = {}
for n, p in params.items():
    st = opt.state[p]
    state[n] = {"step": int(st["step"]), "exp_avg": st["exp_avg"].numpy().ravel().tolist(),
                "exp_avg_sq": st["exp_avg_sq"].numpy().ravel().tolist()}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "adamw.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "clip": clip,
               "shapes": {n: list(s) for n, s in shapes.items()}, "init": init, "steps": steps,
               "after": after, "state": state}, f)
print("wrote", out)
