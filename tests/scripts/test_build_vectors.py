"""scripts/build_vectors.py: the build-time vectors are the ones a server would compute."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backcare import settings
from backcare.encoder import MiniLMEncoder, load_vectors, model_files
from backcare.ranking import asks
from backcare.store import load_store
from scripts.build_vectors import build


def test_every_paraphrase_and_exemplar_is_built_as_a_fresh_encoder_would_encode_it(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    count = build(path)
    saved = load_vectors(path)
    assert len(saved) == count
    entry = load_store(settings.guidance_dir()).entries[0]
    texts = list(asks(entry))
    assert set(texts) <= set(saved)
    model, tokenizer = model_files()
    fresh = MiniLMEncoder(model, tokenizer).encode(texts)
    assert np.allclose(np.stack([saved[t] for t in texts]), fresh, atol=0.02)
