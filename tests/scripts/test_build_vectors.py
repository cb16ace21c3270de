"""scripts/build_vectors.py: the vectors ``make setup`` built are the ones a server would compute."""

from __future__ import annotations

import numpy as np

from backcare import settings
from backcare.encoder import VECTORS_FILE, MiniLMEncoder, load_vectors, model_files
from backcare.guidance_loader import load_store
from backcare.ranking import asks
from nlu.triage import get_triage


def test_every_paraphrase_and_exemplar_was_built_as_a_fresh_encoder_encodes_it() -> None:
    saved = load_vectors(VECTORS_FILE)
    assert saved, f"no vectors in {VECTORS_FILE}: run `make setup`"
    entries = load_store(settings.guidance_dir()).entries
    exemplars = [e for sign in get_triage().data.signs for e in sign.exemplars]
    texts = [t for entry in entries for t in asks(entry)] + exemplars
    assert set(texts) <= set(saved), "the guidance or red-flag data changed since the build: run `make setup`"
    sample = texts[:: len(texts) // 40]
    model, tokenizer = model_files()
    fresh = MiniLMEncoder(model, tokenizer).encode(sample)
    assert np.allclose(np.stack([saved[t] for t in sample]), fresh, atol=1e-5)
