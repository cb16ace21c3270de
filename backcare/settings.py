"""Settings read from the environment, with defaults that work from a fresh clone."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def guidance_dir() -> Path:
    """Where the guidance YAML lives (``GUIDANCE_DIR``, default ``guidance/`` in the repo)."""
    return Path(os.environ.get("GUIDANCE_DIR", REPO_ROOT / "guidance"))


def max_message_chars() -> int:
    """Longest message text the bot reads (``MAX_MESSAGE_CHARS``); longer ones are declined."""
    return int(os.environ.get("MAX_MESSAGE_CHARS", "2000"))


def encoder_threads() -> int:
    """CPU threads the sentence encoder may use (``ENCODER_THREADS``, default 1)."""
    return int(os.environ.get("ENCODER_THREADS", "1"))
