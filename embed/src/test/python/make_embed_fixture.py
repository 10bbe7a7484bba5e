#!/usr/bin/env python3
"""Writes the embed job's fixture (embed/src/test/resources/fixtures/embed/): a tiny ViT as safetensors
with timm names (under `teacher.backbone.` like a training checkpoint would hold it, plus a bare copy),
a few PNG images of different sizes, and the expected features of each image for every feature kind.

Expected values come from torchvision's evaluation transform (Resize bicubic, CenterCrop, ToTensor,
Normalize) and the reference ViT forward written from the formulas in
pretrain/src/test/python/make_model_fixtures.py; nothing is shared with the Java code.

Run from the repository root:  /usr/bin/python3 embed/src/test/python/make_embed_fixture.py
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "pretrain", "src", "test", "python"))
import make_model_fixtures as mm  # noqa: E402

OUT = os.path.join(HERE, "..", "resources", "fixtures", "embed")
mm.OUT = OUT
torch.manual_seed(7)
rng = np.random.default_rng(7)

weights = mm.vit_weights(False)
del weights["masked_embed"]  # a teacher has no mask token
meta = {"dim": str(mm.D), "depth": str(mm.DEPTH), "heads": str(mm.HEADS), "patch": str(mm.P), "img": str(mm.IMG)}
mm.save("teacher_student.safetensors",
        {**{"teacher.backbone." + k: v for k, v in weights.items()},
         **{"student.backbone." + k: v * 0.5 for k, v in weights.items()}}, meta)
mm.save("backbone.safetensors", weights, meta)

# Images: two already at the model size (identity), one larger (resize + centre crop), one wide.
sizes = [(16, 16), (16, 16), (24, 20), (40, 16)]
tf = transforms.Compose([
    transforms.Resize(16, interpolation=transforms.InterpolationMode.BICUBIC),
    transforms.CenterCrop(16),
    transforms.ToTensor(),
    transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
])
expected = {}
for i, (w, h) in enumerate(sizes):
    name = f"img{i}.png"
    arr = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    Image.fromarray(arr, "RGB").save(os.path.join(OUT, name))
    img = Image.open(os.path.join(OUT, name)).convert("RGB")
    x = tf(img).unsqueeze(0)
    with torch.no_grad():
        tokens, _, outs = mm.vit_forward(weights, x)
    cls = tokens[0, 0]
    mean_patch = tokens[0, 1:].mean(dim=0)
    expected[name] = {
        "cls": cls.tolist(),
        "mean-patch": mean_patch.tolist(),
        "cls-mean": torch.cat([cls, mean_patch]).tolist(),
        "last-blocks-cls": torch.cat([o[0, 0] for o in outs[-2:]]).tolist(),
    }
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", OUT)
