#!/usr/bin/python3
"""Trains the `digits` bundle: a ~10k-parameter CNN on scikit-learn's bundled 8×8 handwritten digits.

Run with Debian's /usr/bin/python3 (torch 1.13, scikit-learn 1.2). Fixed seed, fixed epochs, one
thread: the ONNX file and every JSON written here are byte-identical on every run.

    /usr/bin/python3 models/digits/train.py [--out DIR]
"""
import pathlib
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pylib"))
sys.path.insert(0, str(HERE))
import ferry_models as fm  # noqa: E402
from reference import LABELS, reference_profile  # noqa: E402

SEED = 20240601
EPOCHS = 60
BATCH = 64
# Pixel statistics of the training split, baked into the graph so the input stays in the 0–16 ink scale.
PIXEL_MEAN = 4.88
PIXEL_STD = 6.02


class DigitsCNN(nn.Module):
    """conv 3×3 (16) → conv 3×3 (32) → max-pool 2 → dropout → linear 512→10; 9,930 parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 4 * 4, 10))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.head(self.features((pixels - PIXEL_MEAN) / PIXEL_STD))


def shift_batch(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random translations of up to one pixel (digits drawn on a canvas are rarely centred exactly)."""
    padded = nn.functional.pad(x, (1, 1, 1, 1))
    out = torch.empty_like(x)
    offsets = torch.randint(0, 3, (x.shape[0], 2), generator=gen)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = padded[i, :, dy : dy + 8, dx : dx + 8]
    return out


def train(x_train: np.ndarray, y_train: np.ndarray) -> DigitsCNN:
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    gen = torch.Generator().manual_seed(SEED)
    xt = torch.from_numpy(x_train).reshape(-1, 1, 8, 8)
    yt = torch.from_numpy(y_train)
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            loss = nn.functional.cross_entropy(model(shift_batch(xt[idx], gen)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    return model.eval()


def to_gray(image: np.ndarray) -> np.ndarray:
    """0–16 ink → 0–255 paper-white grayscale, as a canvas with dark ink on white would hold it."""
    return np.clip(np.rint(255.0 - image * 255.0 / 16.0), 0, 255).astype(np.int64)


def from_gray(gray: np.ndarray) -> np.ndarray:
    """The bundle's preprocessing: invert, then × 16/255 (see README)."""
    return ((255.0 - gray) * (16.0 / 255.0)).astype(np.float32)


def make_samples(model: DigitsCNN, x_test: np.ndarray, y_test: np.ndarray) -> dict:
    samples = []
    for digit in range(10):
        i = int(np.flatnonzero(y_test == digit)[0])
        gray = to_gray(x_test[i].reshape(8, 8))
        pixels = np.array([[fm.clean_number(v) for v in row] for row in from_gray(gray)], dtype=np.float32)
        with torch.no_grad():
            logits = model(torch.from_numpy(pixels).reshape(1, 1, 8, 8)).numpy()[0]
        probs = fm.softmax(logits.astype(np.float64))
        samples.append(
            {
                "id": f"heldout-{i}",
                "input": {
                    "gray": gray.tolist(),
                    "pixels": [[fm.clean_number(v) for v in row] for row in pixels],
                },
                "expected": {
                    "label": LABELS[int(probs.argmax())],
                    "index": int(probs.argmax()),
                    "probabilities": [fm.clean_number(p) for p in probs],
                    "logits": [fm.clean_number(v) for v in logits],
                },
                "truth": LABELS[int(y_test[i])],
            }
        )
    return {
        "model": "digits",
        "description": (
            "One held-out image per class. input.gray: 8×8 grayscale 0–255 (white paper = 255, dark ink), "
            "what a canvas holds after downscaling; input.pixels: the model input it maps to, "
            "(255 - gray) × 16/255. expected: softmax of the logits output."
        ),
        "samples": samples,
    }


def export_onnx(model: DigitsCNN, path: pathlib.Path) -> None:
    dummy = torch.zeros(1, 1, 8, 8)
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=["pixels"],
        output_names=["logits"],
        dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        do_constant_folding=True,
    )


def main() -> None:
    out = fm.parse_out_dir(HERE, __doc__.splitlines()[0])
    fm.seed_everything(SEED)
    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)

    model = train(x_train, y_train)
    with torch.no_grad():
        logits = model(torch.from_numpy(x_test).reshape(-1, 1, 8, 8)).numpy()
    predicted = logits.argmax(axis=1)
    accuracy = float((predicted == y_test).mean())

    from sklearn.linear_model import LogisticRegression

    baseline = LogisticRegression(max_iter=5000).fit(x_train / 16.0, y_train)
    baseline_acc = float(baseline.score(x_test / 16.0, y_test))

    export_onnx(model, out / "model.onnx")
    fm.write_jsonl(
        out / "heldout.jsonl",
        ({"pixels": row.astype(int).tolist(), "label": LABELS[t]} for row, t in zip(x_test, y_test)),
    )
    fm.write_json(out / "samples.json", make_samples(model, x_test, y_test))
    params = sum(p.numel() for p in model.parameters())
    fm.write_json(
        out / "metrics.json",
        {
            "heldOut": {"file": "heldout.jsonl", "count": int(len(y_test))},
            "accuracy": round(accuracy * 100, 2),
            "baseline": {"name": "logistic regression on the 64 pixels", "accuracy": round(baseline_acc * 100, 2)},
            "parameters": int(params),
            "seed": SEED,
            "epochs": EPOCHS,
        },
    )
    manifest = {
        "schemaVersion": 1,
        "name": "digits",
        "version": "1.1.0",
        "task": "image-classification",
        "description": (
            "Handwritten digit classifier (0–9) for 8×8 images: a 9,930-parameter CNN trained on "
            "scikit-learn's bundled digits (UCI optdigits)."
        ),
        "license": "Apache-2.0",
        "source": {
            "description": (
                "Trained by models/digits/train.py on sklearn.datasets.load_digits (UCI ML hand-written "
                "digits, 1,797 images, BSD-3-Clause via scikit-learn); weights are Ferry's own."
            ),
            "url": "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
        },
        "files": [
            {"path": "model.onnx", "role": "onnx"},
            {"path": "samples.json", "role": "sample"},
        ],
        "signature": {
            "inputs": [
                {
                    "name": "pixels",
                    "type": "float32",
                    "shape": ["batch", 1, 8, 8],
                    "description": "ink per pixel, 0 (paper) to 16 (full ink), row-major",
                }
            ],
            "outputs": [
                {"name": "logits", "type": "float32", "shape": ["batch", 10], "description": "unnormalised class scores"}
            ],
        },
        "runtime": {"executionProviders": ["wasm"], "dtype": "fp32"},
        "preprocessing": {
            "kind": "image",
            "input": "pixels",
            "width": 8,
            "height": 8,
            "channels": 1,
            "layout": "NCHW",
            "scale": fm.clean_number(16 / 255, 10),
            "invert": True,
        },
        "postprocessing": {"kind": "softmax", "output": "logits"},
        "labels": LABELS,
        "reference": reference_profile(x_test.reshape(-1, 8, 8), predicted),
    }
    fm.write_json(out / "ferry.json", manifest)
    print(f"digits: held-out accuracy {accuracy:.4f} (baseline {baseline_acc:.4f}), {params} parameters")
    print(f"model.onnx sha256 {fm.sha256_file(out / 'model.onnx')}")


if __name__ == "__main__":
    main()
