"""The debian-sections bundle's reference profile: input lengths and unknown-token share of the
held-out descriptions, and predicted sections.

numpy only (no torch), so that test/fixtures/features/make-reference-values.py can run the very
code the profile was made with. The runtime measures the same statistics on the device with
shared/features/text-features.ts (code points, Python's str.split() whitespace, token ids).
"""
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pylib"))
sys.path.insert(0, str(HERE))
import ferry_models as fm  # noqa: E402
from wordpiece import SPECIALS, UNK, WordPiece  # noqa: E402


def text_features(texts, tok: WordPiece) -> dict:
    """Per-text statistics the reference profile describes: lengths of the raw input text, and its
    tokens as the model sees them (tok.encode, truncated like transformers.js) without the special
    tokens the tokenizer adds ([UNK] stands for input and counts)."""
    unk = tok.ids[UNK]
    added = {tok.ids[s] for s in SPECIALS if s != UNK}
    encoded = [tok.encode(t) for t in texts]
    tokens = np.array([sum(1 for i in ids if i not in added) for ids in encoded], dtype=np.float64)
    unknown = np.array([sum(1 for i in ids if i == unk) for ids in encoded], dtype=np.float64)
    return {
        "text_chars": np.array([len(t) for t in texts], dtype=np.float64),
        "text_words": np.array([len(t.split()) for t in texts], dtype=np.float64),
        "text_tokens": tokens,
        "text_unknown_rate": np.divide(unknown, tokens, out=np.zeros_like(unknown), where=tokens > 0),
    }


# name: (text extractor that measures it on the device, description, edges)
FEATURES = {
    "text_chars": ("characters", "characters in the input text", [0, 100, 200, 300, 400, 600, 800, 1200, 2000, 5000]),
    "text_words": ("words", "whitespace-separated words in the input text", [0, 15, 30, 45, 60, 90, 120, 180, 300, 800]),
    # 127 is a text cut at 128 ids ([CLS] + 127 tokens): the last bin holds the truncated texts.
    "text_tokens": (
        "tokens",
        "WordPiece tokens the model sees ([CLS], [SEP] and padding excluded; at most 127 after truncation)",
        [0, 16, 32, 48, 64, 80, 96, 112, 127, 128],
    ),
    "text_unknown_rate": (
        "unknown_token_rate",
        "share of those tokens that are [UNK] (0 for none)",
        [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    ),
}


def text_profile(texts, predicted, labels, tok: WordPiece) -> dict:
    feats = text_features(texts, tok)
    return {
        "sampleCount": len(texts),
        "description": (
            "Held-out descriptions (whole source packages, 20%): input lengths in characters, words and "
            "tokens, the share of unknown tokens, and predicted sections."
        ),
        "features": [
            fm.numeric_profile(name, feats[name], edges, doc, {"kind": "text", "extractor": extractor})
            for name, (extractor, doc, edges) in FEATURES.items()
        ],
        "predictions": {"labels": labels, "counts": np.bincount(predicted, minlength=len(labels)).tolist()},
    }
