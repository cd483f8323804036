#!/usr/bin/python3
"""Trains the `breast-cancer` bundle: a small MLP over the 30 named features of scikit-learn's
Breast Cancer Wisconsin (Diagnostic) set, with the standard scaler baked into the ONNX graph.

Run with Debian's /usr/bin/python3 (torch 1.13, scikit-learn 1.2). Fixed seed, fixed epochs, one
thread: every artifact is byte-identical on every run.

    /usr/bin/python3 models/breast-cancer/train.py [--out DIR]
"""
import math
import pathlib
import sys

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pylib"))
import ferry_models as fm  # noqa: E402

SEED = 20240602
# Epochs and weight decay chosen by 5-fold cross-validation on the training split (see README).
EPOCHS = 100
LABELS = ["malignant", "benign"]  # scikit-learn's target 0 and 1


class ScaledMLP(nn.Module):
    """(x − mean) / scale → 30→16 → ReLU → 16→2 → softmax; 530 trainable parameters."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
        self.register_buffer("scale", torch.from_numpy(scale.astype(np.float32)))
        self.net = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.net((features - self.mean) / self.scale)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(features), dim=-1)


def train(x_train: np.ndarray, y_train: np.ndarray) -> ScaledMLP:
    scaler = StandardScaler().fit(x_train)
    model = ScaledMLP(scaler.mean_, scaler.scale_)
    opt = torch.optim.Adam(model.net.parameters(), lr=1e-2, weight_decay=3e-2)
    xt = torch.from_numpy(x_train.astype(np.float32))
    yt = torch.from_numpy(y_train)
    for _ in range(EPOCHS):
        model.train()
        loss = nn.functional.cross_entropy(model.logits(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def slider_step(lo: float, hi: float) -> float:
    """About a thousandth of the range, rounded to a power of ten."""
    return fm.clean_number(10 ** math.floor(math.log10((hi - lo) / 1000)))


def feature_specs(names, x_train: np.ndarray) -> list:
    specs = []
    for j, raw in enumerate(names):
        lo, hi = float(x_train[:, j].min()), float(x_train[:, j].max())
        specs.append(
            {
                "name": raw.replace(" ", "_"),
                "label": raw[0].upper() + raw[1:],
                "min": fm.clean_number(lo),
                "max": fm.clean_number(hi),
                "default": fm.clean_number(np.median(x_train[:, j])),
                "step": slider_step(lo, hi),
            }
        )
    return specs


def reference_profile(specs, x_train, x_test, predicted) -> dict:
    features = []
    for j, spec in enumerate(specs):
        qs = np.quantile(x_train[:, j], np.linspace(0, 1, 11))
        edges = np.unique([fm.clean_number(q) for q in qs])
        features.append(
            fm.numeric_profile(
                spec["name"],
                x_test[:, j].astype(np.float64),
                edges,
                f"{spec['label']} (input {j})",
                {"kind": "column", "column": spec["name"]},
            )
        )
    return {
        "sampleCount": int(len(x_test)),
        "description": (
            "Held-out split (20%, stratified, random_state=0). Bin edges are the training split's deciles "
            "(min and max outermost); counts are held-out values, those outside the edges counted in the "
            "first or last bin. Predictions are the held-out argmax."
        ),
        "features": features,
        "predictions": {"labels": LABELS, "counts": np.bincount(predicted, minlength=2).tolist()},
    }


def make_samples(model, specs, x_test, y_test, probs) -> dict:
    # Three of each class, plus the held-out case the model is least sure about.
    picks = [int(i) for i in np.flatnonzero(y_test == 0)[:3]] + [int(i) for i in np.flatnonzero(y_test == 1)[:3]]
    picks.append(int(np.argmin(np.abs(probs[:, 1] - 0.5))))
    samples = []
    for i in picks:
        row = np.array([fm.clean_number(v) for v in x_test[i]], dtype=np.float32)
        with torch.no_grad():
            p = model(torch.from_numpy(row).reshape(1, 30)).numpy()[0].astype(np.float64)
        samples.append(
            {
                "id": f"heldout-{i}",
                "input": {"features": {s["name"]: fm.clean_number(v) for s, v in zip(specs, x_test[i])}},
                "expected": {
                    "label": LABELS[int(p.argmax())],
                    "index": int(p.argmax()),
                    "probabilities": [fm.clean_number(v) for v in p],
                },
                "truth": LABELS[int(y_test[i])],
            }
        )
    return {
        "model": "breast-cancer",
        "description": (
            "Held-out rows. input.features: {featureName: value} (names as in ferry.json preprocessing, fed "
            "in that order); expected: the probabilities output, [malignant, benign]."
        ),
        "samples": samples,
    }


def main() -> None:
    out = fm.parse_out_dir(HERE, __doc__.splitlines()[0])
    fm.seed_everything(SEED)
    data = load_breast_cancer()
    x = data.data.astype(np.float64)
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)

    model = train(x_train, y_train)
    with torch.no_grad():
        probs = model(torch.from_numpy(x_test.astype(np.float32))).numpy()
    predicted = probs.argmax(axis=1)
    accuracy = float((predicted == y_test).mean())
    scaler = StandardScaler().fit(x_train)
    baseline = LogisticRegression(max_iter=5000).fit(scaler.transform(x_train), y_train)
    baseline_acc = float(baseline.score(scaler.transform(x_test), y_test))

    torch.onnx.export(
        model,
        torch.zeros(1, 30),
        str(out / "model.onnx"),
        input_names=["features"],
        output_names=["probabilities"],
        dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17,
        do_constant_folding=True,
    )
    specs = feature_specs(data.feature_names, x_train)
    fm.write_jsonl(
        out / "heldout.jsonl",
        ({"features": [fm.clean_number(v) for v in row], "label": LABELS[t]} for row, t in zip(x_test, y_test)),
    )
    fm.write_json(out / "samples.json", make_samples(model, specs, x_test, y_test, probs))
    fm.write_json(
        out / "metrics.json",
        {
            "heldOut": {"file": "heldout.jsonl", "count": int(len(y_test))},
            "accuracy": round(accuracy * 100, 2),
            "baseline": {
                "name": "logistic regression on standardised features",
                "accuracy": round(baseline_acc * 100, 2),
            },
            "parameters": int(sum(p.numel() for p in model.net.parameters())),
            "seed": SEED,
            "epochs": EPOCHS,
        },
    )
    manifest = {
        "schemaVersion": 1,
        "name": "breast-cancer",
        "version": "1.1.0",
        "task": "tabular-classification",
        "description": (
            "Breast mass classifier (malignant or benign) from 30 numeric features of a digitised fine "
            "needle aspirate image; a small MLP with the standard scaler inside the graph."
        ),
        "license": "Apache-2.0",
        "source": {
            "description": (
                "Trained by models/breast-cancer/train.py on sklearn.datasets.load_breast_cancer: Breast "
                "Cancer Wisconsin (Diagnostic), W. H. Wolberg, W. N. Street, O. L. Mangasarian, UCI ML "
                "repository (CC BY 4.0), 569 cases; weights are Ferry's own."
            ),
            "url": "https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic",
            "authors": ["William H. Wolberg", "W. Nick Street", "Olvi L. Mangasarian"],
        },
        "files": [
            {"path": "model.onnx", "role": "onnx"},
            {"path": "samples.json", "role": "sample"},
        ],
        "signature": {
            "inputs": [
                {
                    "name": "features",
                    "type": "float32",
                    "shape": ["batch", 30],
                    "description": "the 30 raw feature values in preprocessing.features order",
                }
            ],
            "outputs": [
                {
                    "name": "probabilities",
                    "type": "float32",
                    "shape": ["batch", 2],
                    "description": "softmax probabilities of [malignant, benign]",
                }
            ],
        },
        "runtime": {"executionProviders": ["wasm"], "dtype": "fp32"},
        "preprocessing": {"kind": "tabular", "input": "features", "features": specs},
        "postprocessing": {"kind": "probabilities", "output": "probabilities"},
        "labels": LABELS,
        "reference": reference_profile(specs, x_train, x_test, predicted),
    }
    fm.write_json(out / "ferry.json", manifest)
    print(f"breast-cancer: held-out accuracy {accuracy:.4f} (baseline {baseline_acc:.4f})")
    print(f"model.onnx sha256 {fm.sha256_file(out / 'model.onnx')}")


if __name__ == "__main__":
    main()
