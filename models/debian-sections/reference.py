"""The debian-sections bundle's reference profile: input lengths of the held-out descriptions and
predicted sections.

numpy only (no torch), so that test/fixtures/features/make-reference-values.py can run the very
code the profile was made with. The runtime measures the same lengths on the device with
shared/features/text-features.ts (code points, and Python's str.split() whitespace).
"""
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "pylib"))
import ferry_models as fm  # noqa: E402


def text_features(texts) -> dict:
    """Per-text statistics the reference profile describes, measured on the raw input text."""
    return {
        "text_chars": np.array([len(t) for t in texts], dtype=np.float64),
        "text_words": np.array([len(t.split()) for t in texts], dtype=np.float64),
    }


# name: (text extractor that measures it on the device, description, edges)
FEATURES = {
    "text_chars": ("characters", "characters in the input text", [0, 100, 200, 300, 400, 600, 800, 1200, 2000, 5000]),
    "text_words": ("words", "whitespace-separated words in the input text", [0, 15, 30, 45, 60, 90, 120, 180, 300, 800]),
}


def text_profile(texts, predicted, labels) -> dict:
    feats = text_features(texts)
    return {
        "sampleCount": len(texts),
        "description": "Held-out descriptions (whole source packages, 20%): input lengths and predicted sections.",
        "features": [
            fm.numeric_profile(name, feats[name], edges, doc, {"kind": "text", "extractor": extractor})
            for name, (extractor, doc, edges) in FEATURES.items()
        ],
        "predictions": {"labels": labels, "counts": np.bincount(predicted, minlength=len(labels)).tolist()},
    }
