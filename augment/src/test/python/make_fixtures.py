#!/usr/bin/python3
"""Writes the faithfulness fixtures of the augment module.

Each case applies ONE torchvision 0.14 / PIL 9.4 operation (Debian's python3-torchvision, python3-pil)
with FIXED parameters to a small real photograph (python3-skimage's sample images, shrunk), and stores
the input and the expected output as raw bytes plus a manifest. The Java tests
(org.vitssl.augment.FaithfulnessTest) run the same operation with the same parameters and compare.

Run from the repository root:  /usr/bin/python3 augment/src/test/python/make_fixtures.py
"""
import io
import json
import os

import numpy as np
import skimage.data
import torch
import torchvision.transforms.functional as F
from PIL import Image, ImageFilter, ImageOps
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")
BICUBIC = InterpolationMode.BICUBIC
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

manifest = {"inputs": {}, "cases": []}


def save_input(name, img):
    arr = np.asarray(img, dtype=np.uint8)
    with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
        f.write(arr.tobytes())
    manifest["inputs"][name] = {"file": name + ".rgb", "w": img.width, "h": img.height}


def case(name, op, inp, params, out):
    if isinstance(out, Image.Image):
        arr = np.asarray(out.convert("RGB"), dtype=np.uint8)
        h, w = arr.shape[:2]
        dtype = "u8"
    else:  # CHW float tensor
        arr = out.numpy().astype("<f4")
        h, w = arr.shape[1:]
        dtype = "f32"
    fname = name + (".rgb" if dtype == "u8" else ".f32")
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(arr.tobytes())
    manifest["cases"].append({"name": name, "op": op, "input": inp, "params": params,
                              "out": fname, "w": int(w), "h": int(h), "dtype": dtype})


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    # Small real photographs with odd sizes (the shrink itself is not under test).
    coffee = Image.fromarray(skimage.data.coffee()).resize((61, 41), Image.LANCZOS)
    cat = Image.fromarray(skimage.data.chelsea()).resize((48, 64), Image.LANCZOS)
    astro = Image.fromarray(skimage.data.astronaut()).resize((56, 56), Image.LANCZOS)
    square = Image.fromarray(skimage.data.astronaut()).resize((32, 32), Image.LANCZOS)
    # Plus a palette of random colours (all hue sectors, saturations, values) for the HSV round trip.
    palette = Image.fromarray(np.random.default_rng(0).integers(0, 256, size=(64, 96, 3), dtype=np.uint8))
    inputs = {"coffee": coffee, "cat": cat, "astro": astro, "square": square, "palette": palette}
    for k, v in inputs.items():
        save_input(k, v)

    # RandomResizedCrop's resize: crop box (top, left, h, w) -> size x size, PIL bicubic (antialiased).
    for i, (inp, top, left, h, w, size) in enumerate([
            ("coffee", 3, 5, 33, 40, 16), ("coffee", 0, 0, 41, 61, 24), ("coffee", 10, 20, 12, 9, 48),
            ("cat", 7, 2, 50, 40, 32), ("astro", 1, 1, 54, 37, 56), ("astro", 20, 30, 5, 7, 19),
            ("coffee", 5, 3, 30, 50, 30), ("coffee", 2, 9, 37, 23, 23), ("cat", 3, 4, 21, 21, 21)]):
        out = F.resized_crop(inputs[inp], top, left, h, w, [size, size], BICUBIC)
        case(f"resized_crop_{i}", "resized_crop", inp,
             {"top": top, "left": left, "h": h, "w": w, "size": size}, out)
    case("hflip", "hflip", "cat", {}, F.hflip(cat))
    for i, f in enumerate([0.6, 1.37, 0.9123]):
        case(f"brightness_{i}", "brightness", "coffee", {"factor": f}, F.adjust_brightness(coffee, f))
    for i, f in enumerate([0.63, 1.4, 1.0517]):
        case(f"contrast_{i}", "contrast", "cat", {"factor": f}, F.adjust_contrast(cat, f))
    for i, f in enumerate([0.8, 1.19, 1.0333]):
        case(f"saturation_{i}", "saturation", "astro", {"factor": f}, F.adjust_saturation(astro, f))
    for i, hf in enumerate([-0.1, -0.037, 0.05, 0.1, 0.0042]):
        for inp in ("coffee", "astro"):
            case(f"hue_{inp}_{i}", "hue", inp, {"hue": hf}, F.adjust_hue(inputs[inp], hf))
    for i, hf in enumerate([-0.5, -0.1, 0.033, 0.1, 0.5]):
        case(f"hue_palette_{i}", "hue", "palette", {"hue": hf}, F.adjust_hue(palette, hf))
    case("saturation_palette", "saturation", "palette", {"factor": 1.2}, F.adjust_saturation(palette, 1.2))
    case("blur_palette", "blur", "palette", {"radius": 1.7}, palette.filter(ImageFilter.GaussianBlur(radius=1.7)))
    case("resized_crop_palette", "resized_crop", "palette", {"top": 3, "left": 2, "h": 57, "w": 90, "size": 40},
         F.resized_crop(palette, 3, 2, 57, 90, [40, 40], BICUBIC))
    case("grayscale", "grayscale", "coffee", {}, F.rgb_to_grayscale(coffee, num_output_channels=3))
    for i, r in enumerate([0.1, 0.7, 1.234, 1.93, 2.0]):
        for inp in ("coffee", "cat"):
            case(f"blur_{inp}_{i}", "blur", inp, {"radius": r}, inputs[inp].filter(ImageFilter.GaussianBlur(radius=r)))
    case("solarize", "solarize", "astro", {"threshold": 128}, ImageOps.solarize(astro, threshold=128))
    case("normalize", "normalize", "cat", {}, F.normalize(F.to_tensor(cat), MEAN, STD))
    # Evaluation transform: Resize(shorter side, bicubic) + CenterCrop + ToTensor + Normalize.
    for i, (inp, resize, crop) in enumerate([("coffee", 36, 30), ("cat", 40, 31), ("astro", 64, 50)]):
        t = F.normalize(F.to_tensor(F.center_crop(F.resize(inputs[inp], resize, BICUBIC), crop)), MEAN, STD)
        case(f"eval_{i}", "eval", inp, {"resize": resize, "crop": crop}, t)
    # One whole view with fixed draws, to check the order of the steps:
    # crop -> flip -> jitter (given order) -> grayscale -> blur -> solarize.
    order = [3, 0, 2, 1]
    prm = {"top": 4, "left": 6, "h": 30, "w": 44, "size": 28, "flip": True, "order": order,
           "brightness": 1.21, "contrast": 0.72, "saturation": 1.13, "hue": -0.061,
           "grayscale": False, "radius": 1.3, "solarize": True}
    img = F.resized_crop(coffee, prm["top"], prm["left"], prm["h"], prm["w"], [prm["size"]] * 2, BICUBIC)
    img = F.hflip(img)
    for op in order:
        img = [lambda x: F.adjust_brightness(x, prm["brightness"]), lambda x: F.adjust_contrast(x, prm["contrast"]),
               lambda x: F.adjust_saturation(x, prm["saturation"]), lambda x: F.adjust_hue(x, prm["hue"])][op](img)
    img = img.filter(ImageFilter.GaussianBlur(radius=prm["radius"]))
    img = ImageOps.solarize(img, threshold=128)
    case("compose", "compose", "coffee", prm, img)
    # JPEG decode: PIL's decode of a JPEG it wrote (quality 90, 4:2:0) vs OpenCV's.
    buf = io.BytesIO()
    cat.save(buf, format="JPEG", quality=90)
    with open(os.path.join(OUT, "cat.jpg"), "wb") as f:
        f.write(buf.getvalue())
    case("jpeg_decode", "jpeg_decode", "cat", {"file": "cat.jpg"}, Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))

    manifest["generator"] = {"torch": torch.__version__, "torchvision": __import__("torchvision").__version__,
                             "PIL": Image.__version__, "numpy": np.__version__}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(manifest['cases'])} cases, {total} bytes in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
