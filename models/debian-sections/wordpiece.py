"""A BERT WordPiece tokenizer that matches transformers.js (@huggingface/tokenizers 0.2) id for id.

The Hugging Face `tokenizers` package is not available offline here, so this module trains the
vocabulary (BPE-style merges with a `##` continuation prefix, as tokenizers' WordPieceTrainer does),
encodes text exactly as transformers.js's BertNormalizer → BertPreTokenizer → WordPiece →
TemplateProcessing pipeline does (including its quirks, noted inline), and writes tokenizer.json.
`debian-sections.test.ts` proves the match on every held-out text.
"""
import collections
import heapq
import re
import unicodedata

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
SPECIALS = [PAD, UNK, CLS, SEP, MASK]
PREFIX = "##"
MAX_CHARS_PER_WORD = 100

# JavaScript's \s (ECMAScript WhiteSpace + LineTerminator), which transformers.js uses for whitespace.
JS_SPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}
ASCII_PUNCT = {chr(c) for r in ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)) for c in range(r[0], r[1] + 1)}


def _is_control(ch: str) -> bool:
    # transformers.js: /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u, i.e. Cc, Cf, Co, Cs (not Cn), tab/newline/CR excepted.
    return ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def _is_chinese_bmp(cp: int) -> bool:
    # transformers.js walks UTF-16 code units, so only BMP ideographs are ever matched.
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def _is_punct(ch: str) -> bool:
    return ch in ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents) as transformers.js runs it."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp in (0, 0xFFFD) or _is_control(ch):
            continue
        out.append(" " if ch in JS_SPACE else ch)
    text = "".join(f" {c} " if _is_chinese_bmp(ord(c)) else c for c in out)
    text = text.lower()
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def pre_tokenize(text: str) -> list:
    """BertPreTokenizer: runs of non-space non-punctuation, and single punctuation characters."""
    words, current = [], []
    for ch in text:
        if ch in JS_SPACE or _is_punct(ch):
            if current:
                words.append("".join(current))
                current = []
            if ch not in JS_SPACE:
                words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def words_of(text: str) -> list:
    return pre_tokenize(normalize(text))


def train_vocab(texts, size: int, min_char_count: int = 3) -> list:
    """Learns a WordPiece vocabulary of `size` entries from `texts` by greedy pair merges."""
    counts = collections.Counter(w for t in texts for w in words_of(t) if len(w) <= MAX_CHARS_PER_WORD)
    char_counts = collections.Counter()
    for w, c in counts.items():
        for i, ch in enumerate(w):
            char_counts[ch if i == 0 else PREFIX + ch] += c
    alphabet = sorted(s for s, c in char_counts.items() if c >= min_char_count)
    vocab = SPECIALS + alphabet
    known = set(vocab)
    # Words whose characters are all known take part in merging.
    words, freqs = [], []
    for w, c in sorted(counts.items()):
        symbols = [w[0]] + [PREFIX + ch for ch in w[1:]]
        if all(s in known for s in symbols):
            words.append(symbols)
            freqs.append(c)
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, symbols in enumerate(words):
        for a, b in zip(symbols, symbols[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg or -neg <= 0:
            continue
        a, b = pair
        merged = a + b[len(PREFIX) :]
        changed = collections.Counter()
        for i in sorted(where.pop(pair, ())):
            symbols, f = words[i], freqs[i]
            j, out = 0, []
            while j < len(symbols):
                if j + 1 < len(symbols) and symbols[j] == a and symbols[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(symbols[j])
                    j += 1
            if len(out) == len(symbols):
                continue
            for p in zip(symbols, symbols[1:]):
                changed[p] -= f
            for p in zip(out, out[1:]):
                changed[p] += f
                where[p].add(i)
            words[i] = out
        for p, delta in changed.items():
            if delta:
                pair_counts[p] += delta
                heapq.heappush(heap, (-pair_counts[p], p))
        pair_counts.pop(pair, None)
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return vocab


class WordPiece:
    """Encodes text to ids exactly as transformers.js does for the tokenizer.json this writes."""

    def __init__(self, vocab: list, max_length: int) -> None:
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.max_length = max_length

    def tokens(self, text: str) -> list:
        out = []
        for word in words_of(text):
            if len(word) > MAX_CHARS_PER_WORD:
                out.append(UNK)
                continue
            start, pieces = 0, []
            while start < len(word):
                end = len(word)
                while end > start:
                    piece = word[start:end] if start == 0 else PREFIX + word[start:end]
                    if piece in self.ids:
                        break
                    end -= 1
                if end == start:
                    pieces = [UNK]
                    break
                pieces.append(piece)
                start = end
            out.extend(pieces)
        return out

    def encode(self, text: str) -> list:
        """[CLS] tokens [SEP], then cut to max_length: like transformers.js, a long text loses its [SEP]."""
        ids = [self.ids[CLS]] + [self.ids[t] for t in self.tokens(text)] + [self.ids[SEP]]
        return ids[: self.max_length]

    def tokenizer_json(self) -> dict:
        """tokenizer.json in Hugging Face tokenizers' format."""
        added = [
            {
                "id": self.ids[t],
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for t in SPECIALS
        ]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": {
                "type": "BertNormalizer",
                "clean_text": True,
                "handle_chinese_chars": True,
                "strip_accents": None,
                "lowercase": True,
            },
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [
                    {"SpecialToken": {"id": CLS, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": SEP, "type_id": 0}},
                ],
                "pair": [
                    {"SpecialToken": {"id": CLS, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": SEP, "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 1}},
                    {"SpecialToken": {"id": SEP, "type_id": 1}},
                ],
                "special_tokens": {
                    CLS: {"id": CLS, "ids": [self.ids[CLS]], "tokens": [CLS]},
                    SEP: {"id": SEP, "ids": [self.ids[SEP]], "tokens": [SEP]},
                },
            },
            "decoder": {"type": "WordPiece", "prefix": PREFIX, "cleanup": True},
            "model": {
                "type": "WordPiece",
                "unk_token": UNK,
                "continuing_subword_prefix": PREFIX,
                "max_input_chars_per_word": MAX_CHARS_PER_WORD,
                "vocab": self.ids,
            },
        }
