"""Helpers shared by the training scripts under models/ (run with Debian's /usr/bin/python3).

Everything here is deterministic: same inputs, same bytes. JSON is written compactly enough that
`prettier --write` (run by models/build.sh afterwards) produces the committed formatting.
"""
import argparse
import hashlib
import json
import math
import os
import pathlib
import random
import struct
import zlib

import numpy as np


def parse_out_dir(default: pathlib.Path, description: str) -> pathlib.Path:
    """Command line of every training script: `--out DIR` (default: the bundle folder itself)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=pathlib.Path, default=default, help="where to write the artifacts")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    return out


def seed_everything(seed: int) -> None:
    """Fixed seeds and one thread: torch on this 2-core machine is then deterministic (and faster)."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.environ["PYTHONHASHSEED"] = str(seed)


def clean_number(x, digits: int = 6):
    """A float rounded to `digits` significant digits, as an int when it is integral."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite number {x}")
    if x == 0:
        return 0
    r = float(f"{x:.{digits}g}")
    return int(r) if r.is_integer() and abs(r) < 2**53 else r


def _dump(obj, indent: int, level: int) -> str:
    """Small values on one line, larger ones expanded: close to what prettier keeps."""
    one_line = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(obj, (dict, list)) and obj:
        # prettier keeps an object expanded when a newline follows its `{`; objects that fit stay inline.
        fits = len(one_line) + indent * level <= 100
        if fits and (isinstance(obj, list) or len(obj) <= 8):
            return one_line
        pad = " " * (indent * (level + 1))
        end = " " * (indent * level)
        if isinstance(obj, dict):
            items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dump(v, indent, level + 1)}" for k, v in obj.items()]
            return "{\n" + ",\n".join(items) + "\n" + end + "}"
        items = [f"{pad}{_dump(v, indent, level + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + end + "]"
    return one_line


def write_json(path: pathlib.Path, obj) -> None:
    """Writes JSON with a trailing newline (formatting is finalised by prettier in build.sh)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump(obj, 2, 0) + "\n", encoding="utf-8")


def write_jsonl(path: pathlib.Path, rows) -> None:
    """One compact JSON object per line (prettier ignores .jsonl under models/)."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_gray_png(path: pathlib.Path, gray: np.ndarray) -> None:
    """A deterministic 8-bit grayscale PNG (no timestamps, fixed zlib level)."""
    h, w = gray.shape
    raw = b"".join(b"\x00" + bytes(gray[r].astype(np.uint8).tolist()) for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def sha256_file(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def numeric_profile(name: str, values: np.ndarray, edges, description: str, measure: dict) -> dict:
    """A NumericFeatureProfile: counts per bin, outliers clamped into the first/last bin.

    `measure` says how the runtime computes the feature on the device (FeatureMeasure in
    shared/schemas/reference-profile.ts), e.g. {"kind": "image", "extractor": "mean_ink"}.
    """
    edges = np.asarray(edges, dtype=np.float64)
    idx = np.searchsorted(edges, values, side="right") - 1
    idx = np.clip(idx, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    return {
        "name": name,
        "kind": "numeric",
        "measure": measure,
        "description": description,
        "edges": [clean_number(e) for e in edges],
        "counts": [int(c) for c in counts],
        "mean": clean_number(values.mean()),
        "std": clean_number(values.std()),
    }


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
