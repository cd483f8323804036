#!/usr/bin/python3
"""Renders the sample image of the `paddleocr-det` bundle: a few lines of text, 320×320 RGB.

Run with Debian's /usr/bin/python3 and python3-pil (DejaVu fonts from fonts-dejavu-core). The text
is Ferry's own; the PNG is written without timestamps or ancillary chunks, so it is byte-identical
for the same Pillow/FreeType versions. Then `node --import tsx models/paddleocr-det/expected.ts`
computes the expected detections with onnxruntime-node.

    /usr/bin/python3 models/paddleocr-det/make_sample.py [--out DIR]
"""
import pathlib
import struct
import sys
import zlib

from PIL import Image, ImageDraw, ImageFont

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pylib"))
import ferry_models as fm  # noqa: E402

SIZE = 320
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LINES = [
    (BOLD, 30, (20, 24), "Ferry", (20, 20, 20)),
    (FONT, 20, (20, 84), "Models that run in", (30, 30, 30)),
    (FONT, 20, (20, 114), "your own browser.", (30, 30, 30)),
    (FONT, 16, (20, 170), "No upload. Works offline.", (40, 60, 140)),
    (FONT, 14, (20, 232), "PP-OCRv4 text detection", (90, 90, 90)),
    (BOLD, 18, (180, 280), "v1.0.0", (150, 30, 30)),
]


def write_rgb_png(path: pathlib.Path, image: Image.Image) -> None:
    """8-bit RGB PNG, filter 0 on every row, fixed zlib level: deterministic and easy to decode."""
    w, h = image.size
    data = image.tobytes()
    raw = b"".join(b"\x00" + data[r * w * 3 : (r + 1) * w * 3] for r in range(h))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    out = fm.parse_out_dir(HERE, __doc__.splitlines()[0])
    image = Image.new("RGB", (SIZE, SIZE), (250, 248, 242))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 158, 300, 200), fill=(226, 234, 250))
    for font, size, xy, text, color in LINES:
        draw.text(xy, text, font=ImageFont.truetype(font, size), fill=color)
    write_rgb_png(out / "sample.png", image)
    print(f"wrote {out / 'sample.png'}")


if __name__ == "__main__":
    main()
