"""Timed training from scratch: our model, and the stock bot that ``rasa init`` creates and trains."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from bench.common import RASA, REPO, rasa_env, stream, tail

_FINISHED = re.compile(r"Finished training component '(\w+)'")


@dataclass
class Trained:
    """A model trained on the spot: how long it took and where it is."""

    seconds: float
    model: Path
    size_mb: float
    project: Path


def _run_training(args: list, cwd: Path, cache: Path, log: Path, label: str) -> float:
    # The graph's size is only known to Rasa, so the bar counts finished components without a total.
    bar = tqdm(desc=label, unit="component")

    def on_line(line: str) -> None:
        match = _FINISHED.search(line)
        if match:
            bar.set_postfix_str(match.group(1))
            bar.update()

    started = time.perf_counter()
    status = stream(args, cwd, rasa_env(cache), log, on_line)
    seconds = time.perf_counter() - started
    bar.close()
    if status != 0:
        raise RuntimeError(f"{label} failed ({status}):\n{tail(log)}")
    return seconds


def train_ours(workdir: Path) -> Trained:
    """Train the project's model from scratch (empty cache) into ``workdir``, timed.

    Args:
        workdir: Scratch folder for the model, the cache and the log.

    Returns:
        The timing and the model archive.
    """
    out = workdir / "models"
    args = [RASA, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
            "--out", str(out), "--fixed-model-name", "backcare"]
    seconds = _run_training(args, REPO, workdir / "cache-ours", workdir / "train-ours.log", "train ours")
    model = out / "backcare.tar.gz"
    return Trained(seconds, model, model.stat().st_size / 2**20, REPO)


def init_stock(workdir: Path) -> Trained:
    """Create the stock bot with ``rasa init --no-prompt`` and time it; that command also trains it.

    ``rasa init --no-prompt`` trains the initial model itself, so its run time is the stock
    training time (scaffolding takes well under a second of it).

    Args:
        workdir: Scratch folder; the project goes to ``workdir/stock``.

    Returns:
        The timing, the model archive and the project folder.
    """
    project = workdir / "stock"
    project.mkdir(parents=True, exist_ok=True)
    args = [RASA, "init", "--no-prompt", "--init-dir", str(project)]
    seconds = _run_training(args, workdir, workdir / "cache-stock", workdir / "train-stock.log", "rasa init (stock)")
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init wrote no model:\n{tail(workdir / 'train-stock.log')}")
    return Trained(seconds, models[-1], models[-1].stat().st_size / 2**20, project)


def stock_endpoints(project: Path) -> Path:
    """Point the stock bot at its own action server (``rasa init`` leaves the endpoint commented out).

    Everything else stays as ``rasa init`` wrote it, including its in-memory tracker store.
    """
    path = project / "endpoints.yml"
    text = path.read_text(encoding="utf-8")
    if "\naction_endpoint:" not in text:
        path.write_text(text + "\naction_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n", encoding="utf-8")
    return path
