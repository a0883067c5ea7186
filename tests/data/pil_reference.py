#!/usr/bin/python3
"""Pillow reference for the imaging tests: what Hugging Face's ViTImageProcessor sees and computes.

The tests run this with the Debian python3 (apt-get install python3-pil python3-numpy) and compare
the C# decoder/resizer/preprocessor against the files it writes.

  pil_reference.py check
      exit 0 when Pillow and numpy import; prints their versions.
  pil_reference.py decode OUT_DIR IMAGE...
      OUT_DIR/<name>.rgb = Image.open(IMAGE).convert("RGB")
  pil_reference.py resize WxH[,WxH...] OUT_DIR IMAGE...
      OUT_DIR/<name>@<W>x<H>.rgb = Image.open(IMAGE).convert("RGB").resize((W, H), Image.BILINEAR)
  pil_reference.py preprocess WxH RESCALE M0,M1,M2 S0,S1,S2 OUT_DIR IMAGE...
      OUT_DIR/<name>.f32 = ViTImageProcessor's rescale + normalize of the resized image, CHW float32
  pil_reference.py samples SOURCE OUT_DIR
      writes one small file per format/variant the decoder must handle, made from SOURCE

<name> is the image's file name. A .rgb file is width and height (uint32 little-endian) then the
interleaved RGB bytes, row by row. A .f32 file is raw little-endian float32.
"""

import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image


def load_rgb(path):
    with Image.open(path) as im:
        return im.convert("RGB")


def write_rgb(path, im):
    assert im.mode == "RGB"
    with open(path, "wb") as f:
        f.write(struct.pack("<II", im.width, im.height))
        f.write(im.tobytes())


def parse_size(text):
    w, h = text.lower().split("x")
    return int(w), int(h)


def cmd_decode(out_dir, paths):
    for p in paths:
        write_rgb(os.path.join(out_dir, os.path.basename(p) + ".rgb"), load_rgb(p))


def cmd_resize(sizes, out_dir, paths):
    for p in paths:
        im = load_rgb(p)
        for w, h in (parse_size(s) for s in sizes.split(",")):
            name = "%s@%dx%d.rgb" % (os.path.basename(p), w, h)
            write_rgb(os.path.join(out_dir, name), im.resize((w, h), Image.BILINEAR))


def cmd_preprocess(size, rescale, means, stds, out_dir, paths):
    w, h = parse_size(size)
    rescale = float(rescale)
    # transformers.image_transforms: rescale upcasts to float64, multiplies, downcasts to float32;
    # normalize builds mean/std arrays in the image's dtype (float32) and computes (x - mean) / std.
    mean = np.array([float(v) for v in means.split(",")], dtype=np.float32)
    std = np.array([float(v) for v in stds.split(",")], dtype=np.float32)
    for p in paths:
        pixels = np.asarray(load_rgb(p).resize((w, h), Image.BILINEAR))
        x = (pixels.astype(np.float64) * rescale).astype(np.float32)
        x = (x - mean) / std
        chw = np.ascontiguousarray(x.transpose(2, 0, 1), dtype="<f4")
        with open(os.path.join(out_dir, os.path.basename(p) + ".f32"), "wb") as f:
            f.write(chw.tobytes())


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png16(path, samples, color_type):
    """Pillow cannot write 48-bit RGB, so 16-bit PNGs are written by hand (filter 0 on every row)."""
    height, width = samples.shape[:2]
    rows = samples.astype(">u2").reshape(height, -1).tobytes()
    stride = len(rows) // height
    raw = b"".join(b"\x00" + rows[y * stride:(y + 1) * stride] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
                + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def cmd_samples(source, out_dir):
    rgb = load_rgb(source)
    rgb = rgb.resize((rgb.width * 200 // rgb.height, 200), Image.BILINEAR)
    gray = rgb.convert("L")
    out = lambda name: os.path.join(out_dir, name)

    gray.save(out("gray.jpg"), quality=90)
    rgb.save(out("progressive.jpg"), quality=90, progressive=True)
    rgb.convert("CMYK").save(out("cmyk.jpg"), quality=95)
    rgb.save(out("baseline.jpg"), quality=90)

    # 16-bit samples carry a low byte that rounding would notice: high byte = the 8-bit image.
    pixels = np.asarray(rgb).astype(np.uint16)
    noise = (np.arange(pixels.size, dtype=np.uint32).reshape(pixels.shape) * 97 % 256).astype(np.uint16)
    write_png16(out("rgb16.png"), pixels * 256 + noise, 2)
    g = np.asarray(gray).astype(np.uint16)
    write_png16(out("gray16.png"), g * 256 + noise[:, :, 0], 0)
    gray.save(out("gray8.png"))
    rgb.save(out("rgb8.png"))

    rgb.quantize(colors=64).save(out("palette.png"))
    rgb.quantize(colors=16).save(out("palette-transparent.png"), transparency=3)
    alpha = Image.linear_gradient("L").resize(rgb.size)
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    rgba.save(out("rgba.png"))
    la = gray.copy()
    la.putalpha(alpha)
    la.save(out("la.png"))
    gray.convert("1").save(out("bilevel.png"))

    rgb.save(out("lossless.webp"), lossless=True)
    rgb.save(out("lossy.webp"), quality=90)

    frames = [rgb.quantize(colors=128)] + [Image.new("RGB", rgb.size, c).quantize(colors=2)
                                           for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(out("animated.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)

    rgb.save(out("rgb.bmp"))
    rgb.save(out("rgb.tiff"))
    rgb.save(out("lzw.tiff"), compression="tiff_lzw")


def main(argv):
    if not argv:
        sys.exit(__doc__)
    command, args = argv[0], argv[1:]
    if command == "check":
        import PIL
        print("Pillow %s, numpy %s" % (PIL.__version__, np.__version__))
    elif command == "decode":
        cmd_decode(args[0], args[1:])
    elif command == "resize":
        cmd_resize(args[0], args[1], args[2:])
    elif command == "preprocess":
        cmd_preprocess(args[0], args[1], args[2], args[3], args[4], args[5:])
    elif command == "samples":
        cmd_samples(args[0], args[1])
    else:
        sys.exit("unknown command %r\n%s" % (command, __doc__))


if __name__ == "__main__":
    main(sys.argv[1:])
