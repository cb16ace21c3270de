"""``rasa``, with the JWT secret from the settings and the action reply schema compiled once.

The action server's replies are checked with a schema compiled once (``scripts/rasa_patches.py``).
A command line is readable by every user of the machine (``ps``); a process's environment is
not. Run as a file (``python scripts/rasa_run.py run ...``), so it works from any project folder,
the bench's stock bot included.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List


def jwt_args() -> List[str]:
    """The flags that turn the HTTP API on with JWTs only, when ``RASA_JWT_SECRET`` is set."""
    from backcare import settings

    secret = settings.settings().rasa_jwt_secret
    if secret is None or not secret.get_secret_value():
        return []
    return ["--enable-api", "--jwt-secret", secret.get_secret_value(), "--jwt-method", "HS256"]


def main() -> None:
    """Run Rasa's own command line with the JWT flags added in this process only."""
    # Run as a file, Python puts scripts/ on the path, not the project.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from rasa.__main__ import main as rasa_main

    from scripts import rasa_patches

    rasa_patches.install()
    sys.argv += jwt_args()
    rasa_main()


if __name__ == "__main__":
    main()
