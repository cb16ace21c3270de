"""``scripts/rasa_run.py`` with the bench's per-stage timing installed (:mod:`bench.breakdown`).

Only the bench starts Rasa this way (``bench/stack.py``, ``bench/run.py --smoke``); ``make`` and the
tests never do. Run as a file, so it works from any project folder, the stock bot's included.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    """Import Rasa as ``rasa_run`` would, wrap its processor, then run Rasa's command line."""
    # Run as a file, Python puts bench/ on the path, not the project.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    # Rasa's own entry point first, so modules load in the order a normal start loads them.
    import rasa.__main__  # noqa: F401

    from bench import breakdown
    from scripts import rasa_run

    at = sys.argv.index(breakdown.LOG_FLAG)
    log = Path(sys.argv[at + 1])
    del sys.argv[at:at + 2]
    breakdown.install(log)
    rasa_run.main()


if __name__ == "__main__":
    main()
