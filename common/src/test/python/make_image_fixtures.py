#!/usr/bin/env python3
"""Writes the image fixtures of common.image's tests with PIL (an independent encoder).

Every picture is 64x48 with four flat quadrants: top-left red (255,0,0), top-right green (0,255,0),
bottom-left blue (0,0,255), bottom-right white (255,255,255); gray images are 4 gray levels
(0, 85, 170, 255 in the same quadrant order). Tests check the centre of each quadrant after decoding.
Usage: make_image_fixtures.py OUT_DIR
"""
import io
import os
import sys

from PIL import Image

W, H = 64, 48
COLORS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
GRAYS = [0, 85, 170, 255]


def quadrants(mode, values):
    img = Image.new(mode, (W, H))
    boxes = [(0, 0, W // 2, H // 2), (W // 2, 0, W, H // 2), (0, H // 2, W // 2, H), (W // 2, H // 2, W, H)]
    for box, v in zip(boxes, values):
        img.paste(v, box)
    return img


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rgb = quadrants("RGB", COLORS)
    gray = quadrants("L", GRAYS)
    rgb.save(os.path.join(out, "rgb.jpg"), "JPEG", quality=95)
    rgb.save(os.path.join(out, "progressive.jpg"), "JPEG", quality=95, progressive=True)
    gray.save(os.path.join(out, "gray.jpg"), "JPEG", quality=95)
    # CMYK JPEG as Photoshop writes them (Adobe APP14 marker, inverted), the ImageNet oddity.
    rgb.convert("CMYK").save(os.path.join(out, "cmyk.jpg"), "JPEG", quality=95)
    rgb.save(os.path.join(out, "rgb.png"), "PNG")
    gray.save(os.path.join(out, "gray.png"), "PNG")
    rgb.quantize(4).save(os.path.join(out, "palette.png"), "PNG")
    rgba = rgb.copy()
    rgba.putalpha(128)
    rgba.save(os.path.join(out, "rgba.png"), "PNG")
    # 16-bit grayscale PNG (levels scaled to 16 bits)
    gray.point(lambda v: v * 257, "I").save(os.path.join(out, "gray16.png"), "PNG")
    # A PNG that carries a .JPEG name (n02105855_2933.JPEG in ImageNet train).
    rgb.save(os.path.join(out, "png-named.JPEG"), "PNG")
    # A JPEG with an EXIF thumbnail (its own SOI..EOI inside APP1) to make sure an early EOI is not trusted.
    thumb = io.BytesIO()
    rgb.resize((16, 12)).save(thumb, "JPEG", quality=80)
    exif = Image.Exif()
    exif[0x010F] = "vitssl fixture"
    rgb.save(os.path.join(out, "exif-thumb.jpg"), "JPEG", quality=95, exif=build_exif_with_thumbnail(thumb.getvalue()))
    # Non-images
    open(os.path.join(out, "zero.jpg"), "wb").close()
    with open(os.path.join(out, "text.jpg"), "w") as f:
        f.write("this is not an image\n")
    Image.new("RGB", (8, 8), (1, 2, 3)).save(os.path.join(out, "small.gif"), "GIF")
    print("wrote fixtures to", out)


def build_exif_with_thumbnail(jpeg):
    """A minimal little-endian TIFF/EXIF block: IFD0 (Make) -> IFD1 (JPEGInterchangeFormat/Length) + thumbnail."""
    import struct
    make = b"vitssl\0"
    # header(8) + IFD0: count(2) + 1 entry(12) + next(4) = 18 -> make string at 26
    ifd0_off = 8
    make_off = ifd0_off + 2 + 12 + 4
    ifd1_off = make_off + len(make)
    # IFD1: count(2) + 2 entries(24) + next(4) = 30
    thumb_off = ifd1_off + 2 + 24 + 4
    b = bytearray(b"II*\0" + struct.pack("<I", ifd0_off))
    b += struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, len(make), make_off) + struct.pack("<I", ifd1_off)
    b += make
    b += struct.pack("<H", 2)
    b += struct.pack("<HHII", 0x0201, 4, 1, thumb_off)
    b += struct.pack("<HHII", 0x0202, 4, 1, len(jpeg))
    b += struct.pack("<I", 0)
    b += jpeg
    return b"Exif\0\0" + bytes(b)


if __name__ == "__main__":
    main()
