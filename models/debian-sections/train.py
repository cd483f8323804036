#!/usr/bin/python3
"""Trains the `debian-sections` bundle: a small BERT that tells a Debian package's Section from its
description, in Hugging Face layout for transformers.js.

Reads only the frozen snapshot corpus/descriptions.jsonl.xz (see snapshot.py). Steps: split by
source package; TF-IDF + logistic-regression baseline (also the distillation teacher); WordPiece
vocabulary; masked-LM pre-training on the training descriptions plus unlabelled ones; fine-tuning
with cross-entropy + distillation; export to ONNX and dynamic q8 quantization; tokenizer files,
held-out set, samples, metrics and ferry.json. One thread, fixed seeds: byte-identical output.

    /usr/bin/python3 models/debian-sections/train.py [--out DIR]
"""
import hashlib
import json
import lzma
import math
import pathlib
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pylib"))
sys.path.insert(0, str(HERE))
import ferry_models as fm  # noqa: E402
from bert import SmallBert  # noqa: E402
from quantize import quantize_model, quantize_rows  # noqa: E402
from reference import text_profile  # noqa: E402
from wordpiece import CLS, MASK, PAD, SEP, SPECIALS, WordPiece, train_vocab  # noqa: E402

SEED = 20240603
LABELS = ["admin", "devel", "games", "graphics", "python", "science", "sound", "web"]
VOCAB_SIZE = 8000
MAX_LENGTH = 128
CONFIG = {
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 512,
    "max_position_embeddings": MAX_LENGTH,
    "hidden_dropout_prob": 0.1,
}
# Edge cases for the tokenizer test: accents, CJK, control and odd whitespace, emoji, long words.
TOKENIZER_CASES = [
    "Café naïve résumé, Ångström façade",
    "日本語のテキスト and 中文 mixed",
    "tab\there\r\nnew\u2028line\u00a0nbsp\u3000ideographic",
    "zero\u200bwidth\u200dand\ufeffbom\x00nul\x07bell",
    "emoji 🎉 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters",
    "über-cool C++ (GNU) v3.14_beta; <html> & \"quotes\" — ‘dashes’…",
    "ΣΊΣΥΦΟΣ İstanbul ǅ ﬁ ligature",
    "a" * 120 + " supercalifragilisticexpialidocious",
    "",
    "   ",
]
MLM_EPOCHS = 4
FT_EPOCHS = 6
BATCH = 32
DISTILL_WEIGHT = 0.5
DISTILL_T = 2.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load_corpus():
    rows = [json.loads(l) for l in lzma.decompress((HERE / "corpus" / "descriptions.jsonl.xz").read_bytes()).decode().splitlines()]
    # Whole source packages go to one side, so near-identical sibling descriptions cannot leak.
    held = lambda r: int(hashlib.sha256(r["source"].encode()).hexdigest()[:8], 16) % 5 == 0  # noqa: E731
    labelled = [r for r in rows if r["section"] in LABELS]
    train = [r for r in labelled if not held(r)]
    test = [r for r in labelled if held(r)]
    unlabelled = [r for r in rows if r["section"] not in LABELS and not held(r)]
    return train, test, unlabelled


def baseline(train, test):
    """TF-IDF + logistic regression: the baseline, and out-of-fold soft labels for distillation."""
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    xtr = vec.fit_transform([r["text"] for r in train])
    ytr = np.array([LABELS.index(r["section"]) for r in train])
    clf = LogisticRegression(C=10.0, max_iter=3000)
    clf.fit(xtr, ytr)
    acc = float((clf.predict(vec.transform([r["text"] for r in test])) == [LABELS.index(r["section"]) for r in test]).mean())
    groups = [r["source"] for r in train]
    oof = cross_val_predict(LogisticRegression(C=10.0, max_iter=3000), xtr, ytr, groups=groups, cv=GroupKFold(5), method="predict_proba")
    return acc, oof.astype(np.float32)


def batches_by_length(lengths, size: int, gen: torch.Generator):
    """Batches of similar lengths (little padding), in a seeded random order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    return [chunks[i] for i in torch.randperm(len(chunks), generator=gen).tolist()]


def collate(encoded, idx):
    width = max(len(encoded[i]) for i in idx)
    ids = torch.zeros(len(idx), width, dtype=torch.long)
    mask = torch.zeros(len(idx), width, dtype=torch.long)
    for row, i in enumerate(idx):
        ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
        mask[row, : len(encoded[i])] = 1
    return ids, mask, torch.zeros_like(ids)


def warmup_linear(opt, total: int, warmup: int):
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup))))


def pretrain(model: SmallBert, encoded, tok: WordPiece) -> None:
    gen = torch.Generator().manual_seed(SEED + 1)
    lengths = [len(e) for e in encoded]
    steps = MLM_EPOCHS * math.ceil(len(encoded) / BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    sched = warmup_linear(opt, steps, steps // 20)
    special = torch.tensor([tok.ids[t] for t in SPECIALS])
    for epoch in range(MLM_EPOCHS):
        model.train()
        total, n = 0.0, 0
        for idx in batches_by_length(lengths, BATCH, gen):
            ids, mask, types = collate(encoded, idx)
            candidates = (mask == 1) & ~torch.isin(ids, special)
            chosen = candidates & (torch.rand(ids.shape, generator=gen) < 0.15)
            if not chosen.any():
                continue
            roll = torch.rand(ids.shape, generator=gen)
            inputs = ids.clone()
            inputs[chosen & (roll < 0.8)] = tok.ids[MASK]
            randoms = torch.randint(len(SPECIALS), len(tok.vocab), ids.shape, generator=gen)
            swap = chosen & (roll >= 0.8) & (roll < 0.9)
            inputs[swap] = randoms[swap]
            hidden = model.encode(inputs, mask, types)
            loss = nn.functional.cross_entropy(model.mlm_logits(hidden[chosen]), ids[chosen])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item(), n + 1
        log(f"mlm epoch {epoch + 1}/{MLM_EPOCHS}: loss {total / max(n, 1):.3f}")


def finetune(model: SmallBert, encoded, labels, teacher) -> None:
    gen = torch.Generator().manual_seed(SEED + 2)
    lengths = [len(e) for e in encoded]
    steps = FT_EPOCHS * math.ceil(len(encoded) / BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
    sched = warmup_linear(opt, steps, steps // 10)
    y = torch.tensor(labels)
    soft = torch.from_numpy(teacher)
    for epoch in range(FT_EPOCHS):
        model.train()
        total, n = 0.0, 0
        for idx in batches_by_length(lengths, BATCH, gen):
            logits = model(*collate(encoded, idx))
            hard = nn.functional.cross_entropy(logits, y[idx])
            target = torch.softmax(torch.log(soft[idx].clamp(min=1e-6)) / DISTILL_T, dim=-1)
            distill = nn.functional.kl_div(nn.functional.log_softmax(logits / DISTILL_T, dim=-1), target, reduction="batchmean")
            loss = (1 - DISTILL_WEIGHT) * hard + DISTILL_WEIGHT * DISTILL_T**2 * distill
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item(), n + 1
        log(f"fine-tune epoch {epoch + 1}/{FT_EPOCHS}: loss {total / n:.3f}")


def predict(model: SmallBert, encoded) -> np.ndarray:
    """Logits for each text, run one text at a time (no padding), as the samples are checked."""
    model.eval()
    out = []
    with torch.no_grad():
        for e in encoded:
            out.append(model(*collate([e], [0]))[0].numpy())
    return np.stack(out)


def export(model: SmallBert, path: pathlib.Path) -> None:
    model.eval()
    model.set_quantized(False)
    ids = torch.tensor([[2, 10, 11, 3]])
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = pathlib.Path(tmp) / "model.onnx"
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch_size", 1: "sequence_length"},
                "attention_mask": {0: "batch_size", 1: "sequence_length"},
                "token_type_ids": {0: "batch_size", 1: "sequence_length"},
                "logits": {0: "batch_size"},
            },
            opset_version=17,
            do_constant_folding=True,
        )
        graph = onnx.load(str(fp32))
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(quantize_model(graph, "word_embeddings.weight"), str(path))


def write_hf_files(out: pathlib.Path, tok: WordPiece) -> None:
    config = {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "vocab_size": len(tok.vocab),
        **CONFIG,
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "type_vocab_size": 2,
        "pad_token_id": tok.ids[PAD],
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "problem_type": "single_label_classification",
        "ferry_pooling": "mean of the final hidden states over attention_mask (no [CLS] pooler)",
        "transformers.js_config": {"dtype": "q8"},
    }
    fm.write_json(out / "config.json", config)
    (out / "tokenizer.json").write_text(json.dumps(tok.tokenizer_json(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    fm.write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": True,
            "strip_accents": None,
            "tokenize_chinese_chars": True,
            "model_max_length": MAX_LENGTH,
            "unk_token": "[UNK]",
            "sep_token": SEP,
            "pad_token": PAD,
            "cls_token": CLS,
            "mask_token": MASK,
            "clean_up_tokenization_spaces": True,
        },
    )


def main() -> None:
    out = fm.parse_out_dir(HERE, __doc__.splitlines()[0])
    started = time.time()
    fm.seed_everything(SEED)
    train, test, unlabelled = load_corpus()
    log(f"{len(train)} training, {len(test)} held-out, {len(unlabelled)} unlabelled descriptions")
    base_acc, teacher = baseline(train, test)
    log(f"baseline TF-IDF + logistic regression: {base_acc:.4f}")

    vocab = train_vocab([r["text"] for r in train + unlabelled], VOCAB_SIZE)
    tok = WordPiece(vocab, MAX_LENGTH)
    enc_train = [tok.encode(r["text"]) for r in train]
    enc_test = [tok.encode(r["text"]) for r in test]
    enc_unlab = [tok.encode(r["text"]) for r in unlabelled]
    log(f"vocabulary {len(vocab)}; mean tokens {np.mean([len(e) for e in enc_train]):.1f}")

    torch.manual_seed(SEED)
    model = SmallBert(len(vocab), len(LABELS), CONFIG)
    pretrain(model, enc_train + enc_unlab, tok)
    torch.manual_seed(SEED + 3)
    nn.init.normal_(model.classifier.weight, std=0.02)
    finetune(model, enc_train, [LABELS.index(r["section"]) for r in train], teacher)

    truth = np.array([LABELS.index(r["section"]) for r in test])
    fp32_acc = float((predict(model, enc_test).argmax(1) == truth).mean())
    # Ship int8 embeddings: the PyTorch model from here on holds exactly what the q8 graph computes.
    with torch.no_grad():
        q, s = quantize_rows(model.word_embeddings.weight.numpy())
        model.word_embeddings.weight.copy_(torch.from_numpy(q.astype(np.float32) * s[:, None]))
    export(model, out / "onnx" / "model_quantized.onnx")
    model.set_quantized(True)
    logits = predict(model, enc_test)
    predicted = logits.argmax(1)
    acc = float((predicted == truth).mean())
    log(f"held-out accuracy: fp32 {fp32_acc:.4f}, q8 {acc:.4f}")

    write_hf_files(out, tok)
    fm.write_jsonl(
        out / "heldout.jsonl",
        ({"package": r["package"], "label": r["section"], "text": r["text"], "input_ids": e} for r, e in zip(test, enc_test)),
    )
    fm.write_jsonl(out / "tokenizer-cases.jsonl", ({"text": t, "input_ids": tok.encode(t)} for t in TOKENIZER_CASES))
    # heldout.jsonl is stored gzipped to keep the repo small.
    import gzip

    raw = (out / "heldout.jsonl").read_bytes()
    (out / "heldout.jsonl").unlink()
    (out / "heldout.jsonl.gz").write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))

    probs = fm.softmax(logits.astype(np.float64))
    picks = []
    for li in range(len(LABELS)):
        ok = [i for i in np.flatnonzero(truth == li) if predicted[i] == li and 80 <= len(test[i]["text"]) <= 400]
        if ok:
            picks.append(int(max(ok, key=lambda i: (probs[i, li], -i))))
    samples = [
        {
            "id": test[i]["package"],
            "input": {"text": test[i]["text"]},
            "expected": {
                "label": LABELS[int(predicted[i])],
                "index": int(predicted[i]),
                "probabilities": [fm.clean_number(p) for p in probs[i]],
                "logits": [fm.clean_number(v) for v in logits[i]],
            },
            "truth": test[i]["section"],
        }
        for i in picks
    ]
    fm.write_json(
        out / "samples.json",
        {
            "model": "debian-sections",
            "description": "Held-out Debian package descriptions, one per section. input.text: the text as typed; expected: softmax of the logits for that single text (no batch padding).",
            "samples": samples,
        },
    )
    size = (out / "onnx" / "model_quantized.onnx").stat().st_size
    fm.write_json(
        out / "metrics.json",
        {
            "heldOut": {"file": "heldout.jsonl.gz", "count": len(test)},
            "accuracy": round(acc * 100, 2),
            "accuracyFp32": round(fp32_acc * 100, 2),
            "baseline": {"name": "TF-IDF (1–2-grams) + logistic regression", "accuracy": round(base_acc * 100, 2)},
            "parameters": int(sum(p.numel() for n, p in model.named_parameters() if not n.startswith("mlm_"))),
            "trainCount": len(train),
            "unlabelledCount": len(unlabelled),
            "seed": SEED,
            "epochs": {"maskedLm": MLM_EPOCHS, "fineTune": FT_EPOCHS},
        },
    )
    manifest = {
        "schemaVersion": 1,
        "name": "debian-sections",
        "version": "1.2.0",
        "task": "text-classification",
        "description": "Guesses a Debian package's archive section (admin, devel, games, graphics, python, science, sound, web) from its description; a small BERT for transformers.js.",
        "license": "Apache-2.0",
        "source": {
            "description": "Trained from scratch by models/debian-sections/train.py (masked-LM pre-training, then fine-tuning with distillation) on package descriptions from Debian bookworm main (frozen in corpus/); each description carries its package's licence.",
            "url": "https://www.debian.org/distrib/packages",
        },
        "files": [
            {"path": "onnx/model_quantized.onnx", "role": "onnx"},
            {"path": "config.json", "role": "config"},
            {"path": "tokenizer.json", "role": "tokenizer"},
            {"path": "tokenizer_config.json", "role": "tokenizer-config"},
            {"path": "samples.json", "role": "sample"},
        ],
        "signature": {
            "inputs": [
                {"name": "input_ids", "type": "int64", "shape": ["batch_size", "sequence_length"]},
                {"name": "attention_mask", "type": "int64", "shape": ["batch_size", "sequence_length"]},
                {"name": "token_type_ids", "type": "int64", "shape": ["batch_size", "sequence_length"]},
            ],
            "outputs": [{"name": "logits", "type": "float32", "shape": ["batch_size", len(LABELS)]}],
        },
        "runtime": {"executionProviders": ["wasm"], "dtype": "q8"},
        "preprocessing": {"kind": "text", "maxLength": MAX_LENGTH},
        "postprocessing": {"kind": "softmax", "output": "logits"},
        "labels": LABELS,
        "reference": text_profile([r["text"] for r in test], predicted, LABELS, tok),
    }
    fm.write_json(out / "ferry.json", manifest)
    log(f"done in {time.time() - started:.0f} s; model_quantized.onnx {size} bytes, sha256 {fm.sha256_file(out / 'onnx' / 'model_quantized.onnx')}")


if __name__ == "__main__":
    main()
