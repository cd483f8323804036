"""A small BERT (post-LN encoder, GELU, learned positions) with mean pooling, in plain PyTorch.

Weights are named as in Hugging Face's BertModel. `quantized=True` makes every encoder Linear run as
ONNX's dynamic q8 graph does (DynamicQuantizeLinear on activations, per-column int8 weights,
integer matmul) so the accuracy measured in Python is that of the shipped model_quantized.onnx.
"""
import math

import torch
from torch import nn


def dynamic_quantize(x: torch.Tensor):
    """ONNX DynamicQuantizeLinear: uint8 with a zero point, range widened to include 0, half-to-even."""
    lo = torch.clamp(x.min(), max=0.0)
    hi = torch.clamp(x.max(), min=0.0)
    scale = (hi - lo) / 255.0
    scale = torch.where(scale == 0, torch.ones_like(scale), scale)
    zero = torch.clamp(torch.round(-lo / scale), 0, 255)
    q = torch.clamp(torch.round(x / scale) + zero, 0, 255)
    return q, scale, zero


def quantize_weight(w_t: torch.Tensor):
    """Symmetric int8 per output column of a [in, out] weight; returns (int8 values, scales[out])."""
    scale = w_t.abs().amax(dim=0) / 127.0
    scale = torch.where(scale == 0, torch.ones_like(scale), scale)
    return torch.clamp(torch.round(w_t / scale), -127, 127).to(torch.int8), scale.float()


class QLinear(nn.Linear):
    """nn.Linear that can run as MatMulInteger(q8) → Cast → Mul(scale) → Add(bias)."""

    quantized = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.quantized:
            return super().forward(x)
        wq, ws = quantize_weight(self.weight.t())
        xq, xs, xz = dynamic_quantize(x)
        acc = torch.matmul((xq - xz).double(), wq.double())  # exact integer accumulation
        return (acc.float() * (xs * ws)) + self.bias


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = QLinear(hidden, hidden)
        self.key = QLinear(hidden, hidden)
        self.value = QLinear(hidden, hidden)
        self.attention_output = QLinear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = QLinear(hidden, ffn)
        self.output = QLinear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, h = x.shape
        return x.view(b, s, self.heads, h // self.heads).transpose(1, 2)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + bias
        ctx = torch.matmul(self.dropout(torch.softmax(scores, dim=-1)), v)
        ctx = ctx.transpose(1, 2).reshape(x.shape)
        x = self.attention_norm(x + self.dropout(self.attention_output(ctx)))
        h = self.output(nn.functional.gelu(self.intermediate(x)))
        return self.output_norm(x + self.dropout(h))


class SmallBert(nn.Module):
    """Embeddings → N post-LN layers → masked mean pooling → linear classifier (and an MLM head)."""

    def __init__(self, vocab: int, labels: int, cfg: dict) -> None:
        super().__init__()
        h = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(vocab, h)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(2, h)
        self.embeddings_norm = nn.LayerNorm(h, eps=1e-12)
        self.dropout = nn.Dropout(cfg["hidden_dropout_prob"])
        self.layers = nn.ModuleList(
            Layer(h, cfg["num_attention_heads"], cfg["intermediate_size"], cfg["hidden_dropout_prob"])
            for _ in range(cfg["num_hidden_layers"])
        )
        self.classifier = nn.Linear(h, labels)
        self.mlm_dense = nn.Linear(h, h)
        self.mlm_norm = nn.LayerNorm(h, eps=1e-12)
        self.mlm_bias = nn.Parameter(torch.zeros(vocab))
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def set_quantized(self, on: bool) -> None:
        for m in self.modules():
            if isinstance(m, QLinear):
                m.quantized = on

    def encode(self, input_ids, attention_mask, token_type_ids) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions)
        x = self.dropout(self.embeddings_norm(x + self.token_type_embeddings(token_type_ids)))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x

    def forward(self, input_ids, attention_mask, token_type_ids) -> torch.Tensor:
        x = self.encode(input_ids, attention_mask, token_type_ids)
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.classifier(self.dropout(pooled))

    def mlm_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        h = self.mlm_norm(nn.functional.gelu(self.mlm_dense(hidden)))
        return h @ self.word_embeddings.weight.t() + self.mlm_bias
