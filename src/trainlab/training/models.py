"""The built-in architectures: an MLP for tables, a byte-level transformer encoder for text
classification and a small GPT for causal language modelling.

Attention is ``scaled_dot_product_attention`` (flash/memory-efficient kernels on CUDA) and
every model is built from a plain JSON-able ``arch`` dict, which the artifact stores, so a
model can be rebuilt and its safetensors weights loaded without unpickling anything.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import TrainlabError
from trainlab.training.devices import available_memory, printable
from trainlab.training.tokenizer import VOCAB_SIZE


class TabularNet(nn.Module):
    """Numeric features (standardised, with missing indicators) + embedded categories -> MLP."""

    def __init__(self, n_numeric: int, cardinalities: list[int], n_out: int, hidden: int = 256,
                 layers: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(
            nn.Embedding(card, _embedding_dim(card)) for card in cardinalities)
        width = n_numeric + sum(_embedding_dim(c) for c in cardinalities)
        blocks: list[nn.Module] = []
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout)]
            width = hidden
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(width, n_out)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        parts = [x_num] + [emb(x_cat[:, i]) for i, emb in enumerate(self.embeddings)]
        return self.head(self.body(torch.cat(parts, dim=1)))


def _embedding_dim(cardinality: int) -> int:
    return int(min(32, max(2, round(1.6 * cardinality ** 0.56))))


class Attention(nn.Module):
    def __init__(self, d_model: int, heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.heads, self.causal, self.dropout = heads, causal, dropout
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, d_model: int, heads: int, dropout: float, causal: bool) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = Attention(d_model, heads, dropout, causal)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))


class TextClassifier(nn.Module):
    """Bytes -> embeddings -> a strided convolution that merges every ``stride`` bytes into
    one position (byte n-grams, and ``stride`` times fewer positions for attention) ->
    transformer encoder -> mean over real positions -> classes."""

    def __init__(self, vocab_size: int, n_classes: int, max_length: int, d_model: int = 128,
                 heads: int = 4, layers: int = 2, dropout: float = 0.1, pad: int = 256,
                 stride: int = 4) -> None:
        super().__init__()
        self.pad, self.stride = pad, stride
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.merge = nn.Conv1d(d_model, d_model, kernel_size=stride, stride=stride)
        self.positions = nn.Embedding(-(-max_length // stride), d_model)
        self.blocks = nn.ModuleList(Block(d_model, heads, dropout, False) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        b, t = tokens.shape
        if t % self.stride:
            tokens = F.pad(tokens, (0, self.stride - t % self.stride), value=self.pad)
        keep = (tokens != self.pad).view(b, -1, self.stride).any(-1)
        x = self.merge(self.tokens(tokens).transpose(1, 2)).transpose(1, 2)
        x = x + self.positions.weight[: x.shape[1]]
        mask = keep[:, None, None, :]  # attend to real positions only
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        weights = keep.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(pooled)


class GPT(nn.Module):
    """A small decoder-only transformer over bytes (nanoGPT's shape, weight-tied head)."""

    def __init__(self, vocab_size: int, context: int = 256, d_model: int = 256, heads: int = 4,
                 layers: int = 4, dropout: float = 0.0) -> None:
        super().__init__()
        self.context = context
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.positions = nn.Embedding(context, d_model)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, heads, dropout, True) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.tokens.weight
        self.apply(_init_weights)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.tokens(tokens) + self.positions.weight[: tokens.shape[1]])
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    def flops_per_token(self) -> float:
        """Training FLOPs per token (6N + attention), for MFU."""
        n = sum(p.numel() for p in self.parameters()) - self.positions.weight.numel()
        layers = len(self.blocks)
        d = self.tokens.weight.shape[1]
        return 6 * n + 12 * layers * d * self.context


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)


def build(kind: str, arch: dict[str, Any]) -> nn.Module:
    """Rebuild a built-in model from its stored architecture."""
    classes = {"tabular": TabularNet, "text-classifier": TextClassifier, "gpt": GPT}
    return classes[kind](**arch)


# What a user may set in ``arch``, per model kind: the lowest and highest value (a whole
# number where both bounds are ints). Everything else a model takes comes from the data.
_LAYERS, _WIDTH, _DROPOUT = (1, 128), (8, 16384), (0.0, 0.9)
ARCH_LIMITS: dict[str, dict[str, tuple[float, float]]] = {
    "tabular": {"hidden": (1, 65536), "layers": _LAYERS, "dropout": _DROPOUT},
    "text-classifier": {"d_model": _WIDTH, "heads": (1, 256), "layers": _LAYERS,
                        "dropout": _DROPOUT, "stride": (1, 64)},
    "gpt": {"d_model": _WIDTH, "heads": (1, 256), "layers": _LAYERS, "dropout": _DROPOUT,
            "context": (8, 65536)},
}
# The sizes the tasks use where ``arch`` leaves them out (tasks/tabular.py, tasks/text.py).
SIZES: dict[str, dict[str, int]] = {
    "tabular": {"hidden": 256, "layers": 2},
    "text-classifier": {"d_model": 128, "heads": 4, "layers": 2, "stride": 4},
    "gpt": {"d_model": 256, "heads": 4, "layers": 4, "context": 256},
}
BYTES_PER_PARAMETER = 16  # fp32 weights and gradients, and AdamW's two moments


class ArchError(TrainlabError):
    status = 422


def check_arch(kind: str, arch: dict[str, Any]) -> None:
    """Refuse an ``arch`` key the model does not take, a value of the wrong type or out of
    its bounds, and attention heads that do not divide the width."""
    limits = ARCH_LIMITS.get(kind)
    if limits is None:
        if arch:
            raise ArchError("arch_not_supported", kind=kind)
        return
    for key, value in arch.items():
        if key not in limits:
            raise ArchError("unknown_arch_key", key=printable(str(key)), kind=kind,
                            known=", ".join(limits))
        low, high = limits[key]
        whole = isinstance(low, int)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and \
            (isinstance(value, int) or not whole) and low <= value <= high  # NaN fails here
        if not ok:
            expected = f"a whole number in [{low}, {high}]" if whole else f"a number in [{low}, {high}]"
            raise ArchError("arch_out_of_range", key=key, value=printable(repr(value)[:60]),
                            expected=expected)
    sizes = {**SIZES[kind], **arch}
    if "heads" in sizes and sizes["d_model"] % sizes["heads"]:
        raise ArchError("arch_out_of_range", key="heads", value=repr(sizes["heads"]),
                        expected=f"a divisor of d_model ({sizes['d_model']})")


def planned_arch(kind: str, arch: dict[str, Any], *, inputs: int = 1, outputs: int = 2,
                 max_length: int | None = None) -> dict[str, Any]:
    """A whole architecture before the data is prepared: the user's sizes, the defaults,
    and the smallest the data can make the rest (its size is then a lower bound)."""
    sizes = {**SIZES[kind], **arch}
    if kind == "tabular":
        return {"n_numeric": inputs, "cardinalities": [], "n_out": outputs, **sizes}
    if kind == "text-classifier":
        return {"vocab_size": VOCAB_SIZE, "n_classes": outputs,
                "max_length": max_length or sizes["stride"], **sizes}
    return {"vocab_size": VOCAB_SIZE, **sizes, "context": max_length or sizes["context"]}


def parameter_count(kind: str, arch: dict[str, Any]) -> int:
    """The model's parameters, counted on the ``meta`` device (nothing is allocated)."""
    with torch.device("meta"):
        module = build(kind, arch)
    return sum(p.numel() for p in module.parameters())


def check_fits(kind: str, arch: dict[str, Any], device: torch.device) -> int:
    """The parameter count; an :class:`ArchError` when the weights, gradients and optimizer
    state alone need more memory than ``device`` has free (CPU: available RAM)."""
    count = parameter_count(kind, arch)
    free = available_memory(device)
    need = count * BYTES_PER_PARAMETER
    if free is not None and need > free:
        raise ArchError("model_too_large", params=f"{count:,}", need=f"{need / 2**30:.1f}",
                        free=f"{free / 2**30:.1f}", device=str(device))
    return count
