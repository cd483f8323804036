"""The digits bundle's reference profile: per-image input statistics and predicted classes.

numpy only (no torch), so that test/fixtures/features/make-reference-values.py can run the very
code the profile was made with. The runtime measures the same statistics on the device with
shared/features/image-features.ts, on the same 8×8 grid in the 0–16 ink scale.
"""
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "pylib"))
import ferry_models as fm  # noqa: E402

LABELS = [str(d) for d in range(10)]
INK = 4.0  # a pixel "has ink" from a quarter of full ink on


def image_features(images: np.ndarray) -> dict:
    """Per-image statistics the reference profile describes; images are [n, 8, 8] in the 0–16 scale."""
    n = len(images)
    flat = images.reshape(n, -1)
    total = flat.sum(axis=1) + 1e-9
    rows, cols = np.mgrid[0:8, 0:8]
    ink = images >= INK
    return {
        "mean_ink": flat.mean(axis=1),
        "ink_fraction": ink.reshape(n, -1).mean(axis=1),
        "centroid_x": (images * cols).reshape(n, -1).sum(axis=1) / total,
        "centroid_y": (images * rows).reshape(n, -1).sum(axis=1) / total,
        "ink_width": ink.any(axis=1).sum(axis=1).astype(np.float64),
        "ink_height": ink.any(axis=2).sum(axis=1).astype(np.float64),
    }


# Each feature is measured on the device by the image extractor of the same name.
FEATURE_DOCS = {
    "mean_ink": ("mean of the 64 input values (0–16 ink scale)", np.linspace(0, 10, 11)),
    "ink_fraction": (f"fraction of the 64 pixels with value >= {INK:g}", np.linspace(0, 1, 11)),
    "centroid_x": ("ink-weighted mean column index (0 = left, 7 = right)", np.linspace(0, 7, 15)),
    "centroid_y": ("ink-weighted mean row index (0 = top, 7 = bottom)", np.linspace(0, 7, 15)),
    "ink_width": (f"number of columns holding a pixel >= {INK:g}", np.arange(0, 10) - 0.5),
    "ink_height": (f"number of rows holding a pixel >= {INK:g}", np.arange(0, 10) - 0.5),
}


def reference_profile(images: np.ndarray, predicted: np.ndarray) -> dict:
    feats = image_features(images)
    return {
        "sampleCount": int(len(images)),
        "description": (
            "Held-out split of scikit-learn's digits (20%, stratified, random_state=0): input statistics "
            "computed on the model input (0–16 ink scale, 8×8) and predicted classes. Values outside the "
            "edges count in the first or last bin."
        ),
        "features": [
            fm.numeric_profile(name, feats[name], edges, doc, {"kind": "image", "extractor": name})
            for name, (doc, edges) in FEATURE_DOCS.items()
        ],
        "predictions": {"labels": LABELS, "counts": np.bincount(predicted, minlength=10).tolist()},
    }
