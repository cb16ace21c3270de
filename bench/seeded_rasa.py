"""Run the ``rasa`` command line with numpy's global generator seeded, recording the CV test folds.

``rasa test nlu --cross-validation`` splits with ``StratifiedKFold(shuffle=True)`` and no
``random_state`` (``rasa/nlu/test.py``, ``generate_folds``), so the split is drawn from numpy's
global generator and the command has no seed option. Seeding that generator just before the CLI
starts makes the split a function of the seed and the data only: the same folds for every config.
To check that rather than assume it, a digest of each test fold goes to ``--folds-out`` and the
bench compares them across configs.

Usage::

    python -m bench.seeded_rasa --seed 42 --folds-out folds.json -- test nlu --cross-validation ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

FOLD_DONE = "BENCH_FOLD_DONE"


def _digest(examples: List[Any]) -> str:
    """Order-independent fingerprint of a fold: its texts with their intents."""
    items = sorted(f"{ex.get('intent')}\t{ex.get('text')}" for ex in examples)
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()[:16]


def _record_folds(folds_out: Path) -> None:
    """Wrap ``rasa.nlu.test.generate_folds`` so each fold is fingerprinted and reported when done."""
    import rasa.nlu.test as nlu_test

    original = nlu_test.generate_folds
    folds: List[Dict[str, Any]] = []

    def recording(n: int, training_data: Any) -> Iterator[Tuple[Any, Any]]:
        for index, (train, test) in enumerate(original(n, training_data)):
            folds.append({"fold": index, "test_examples": len(test.intent_examples),
                          "digest": _digest(test.intent_examples)})
            folds_out.write_text(json.dumps(folds, indent=1), encoding="utf-8")
            yield train, test
            # Control comes back here when cross_validate asks for the next fold: this one is done.
            print(f"{FOLD_DONE} {index + 1}/{n}", flush=True)

    # cross_validate looks generate_folds up in its module at call time, so patching it there suffices.
    nlu_test.generate_folds = recording


def main(argv: Optional[List[str]] = None) -> None:
    """Seed numpy, install the fold recorder, then hand the remaining arguments to Rasa's CLI."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description="rasa CLI with a seeded numpy global generator")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--folds-out", type=Path, required=True)
    args = parser.parse_args(argv[:split])

    import numpy as np
    from rasa.__main__ import main as rasa_main

    _record_folds(args.folds_out)
    np.random.seed(args.seed)
    sys.argv = ["rasa", *argv[split + 1:]]
    rasa_main()


if __name__ == "__main__":
    main()
