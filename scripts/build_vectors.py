"""Encode, at build time, every text the ranker and the red-flag detector encode when they load.

``make setup`` runs ``python -m scripts.build_vectors``. It builds the guidance index and the
semantic red-flag matcher exactly as a server does, records every text the encoder was given and
writes the vectors to :data:`backcare.encoder.VECTORS_FILE`, which :func:`backcare.encoder.get_encoder`
loads. Building them the way a server would keeps the vectors identical to the ones a server
without the file computes (the int8 model's results depend a little on what shares a batch).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from backcare import settings
from backcare.encoder import DIMENSIONS, VECTORS_FILE, MiniLMEncoder, model_files, save_vectors
from backcare.guidance_loader import load_store
from backcare.ranking import GuidanceIndex
from nlu.semantic import SemanticMatcher
from nlu.triage import get_triage


class RecordingEncoder:
    """Passes texts to the real encoder and keeps every vector it returned."""

    dimensions = DIMENSIONS

    def __init__(self, encoder: MiniLMEncoder) -> None:
        self._encoder = encoder
        self.vectors: Dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The real encoder's vectors for ``texts``, remembered."""
        vectors = self._encoder.encode(texts)
        self.vectors.update(zip(texts, vectors))
        return vectors


def build(path: Path) -> int:
    """Write the vectors of the repository's guidance and red-flag texts to ``path``; how many."""
    model, tokenizer = model_files()
    # Every core: the build runs alone, and the thread count does not change the vectors.
    recorder = RecordingEncoder(MiniLMEncoder(model, tokenizer, threads=os.cpu_count() or 1))
    GuidanceIndex(load_store(settings.guidance_dir()), recorder)
    triage = get_triage()
    SemanticMatcher(triage.data, triage, recorder)
    save_vectors(path, recorder.vectors)
    return len(recorder.vectors)


def main(argv: Optional[List[str]] = None) -> None:
    """Command line: ``python -m scripts.build_vectors [PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=VECTORS_FILE)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    count = build(args.path)
    print(f"{count} sentence vectors in {args.path} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
