"""Fixtures for the NLU tests: the red-flag table, and a summary of the figures they measured."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import pytest
import spacy
from spacy.language import Language

from backcare import settings
from nlu.triage import Triage, get_triage

Parse = Callable[[Sequence[str]], Dict[str, Dict[str, Any]]]


@pytest.fixture(scope="session")
def parse(parse_text: Callable[[str], Dict[str, Any]]) -> Parse:
    """Parse texts with the real trained model, loaded once per session (``trained_agent``)."""
    return lambda texts: {text: parse_text(text) for text in texts}


TABLE = settings.REPO_ROOT / "tests" / "data" / "red_flags.csv"
TIERS = ("emergency", "urgent", "soon")
FIGURES = pytest.StashKey[Dict[str, Dict[str, float]]]()


@dataclass(frozen=True)
class Row:
    """One row of tests/data/red_flags.csv: a message, its tier (or "none") and expected sign."""

    text: str
    tier: str
    sign: str

    @property
    def is_red_flag(self) -> bool:
        return self.tier != "none"


def read_table() -> List[Row]:
    """The committed table of red-flag phrasings and near-misses."""
    with TABLE.open(newline="", encoding="utf-8") as handle:
        return [Row(r["text"], r["tier"], r["sign"] or "") for r in csv.DictReader(handle)]


RANK = {"none": 0, "soon": 1, "urgent": 2, "emergency": 3}


def figures(rows: Sequence[Row], predicted: Sequence[Optional[str]]) -> Dict[str, float]:
    """Recall per tier (escalated at least that urgently), exact-tier rate, near-miss calm and precision.

    Calm is the share of near-misses not escalated; precision the share of escalations that were on
    real red-flag rows, over the whole table.
    """
    out: Dict[str, float] = {}
    for tier in TIERS:
        pairs = [(r, p or "none") for r, p in zip(rows, predicted) if r.tier == tier]
        out[f"recall_{tier}"] = sum(RANK[p] >= RANK[tier] for _, p in pairs) / len(pairs)
        out[f"exact_{tier}"] = sum(p == tier for _, p in pairs) / len(pairs)
    near_misses = [p for r, p in zip(rows, predicted) if not r.is_red_flag]
    out["calm"] = sum(p in (None, "none") for p in near_misses) / len(near_misses) if near_misses else 1.0
    escalated = [r for r, p in zip(rows, predicted) if p not in (None, "none")]
    out["precision"] = sum(r.is_red_flag for r in escalated) / len(escalated) if escalated else 0.0
    out["rows"] = len(rows)
    out["red_flag_rows"] = sum(r.is_red_flag for r in rows)
    return out


def record(config: pytest.Config, name: str, values: Dict[str, float]) -> None:
    """Keep figures for the terminal summary."""
    config.stash.setdefault(FIGURES, {})[name] = values


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print the red-flag figures at the end of every run that measured them."""
    measured = config.stash.get(FIGURES, {})
    if not measured:
        return
    terminalreporter.section("red-flag figures (tests/data/red_flags.csv)")
    for name, values in measured.items():
        recall = ", ".join(f"{t} {values[f'recall_{t}']:.1%}" for t in TIERS)
        exact = ", ".join(f"{t} {values[f'exact_{t}']:.1%}" for t in TIERS)
        terminalreporter.write_line(
            f"{name}: {int(values['red_flag_rows'])} red-flag rows, "
            f"{int(values['rows'] - values['red_flag_rows'])} near-misses | recall {recall} | "
            f"exact tier {exact} | calm {values['calm']:.1%} | precision {values['precision']:.1%}"
        )


@pytest.fixture(scope="module")
def nlp() -> Language:
    """A blank English pipeline with the lookup lemmatizer, like the one Rasa loads."""
    pipeline = spacy.blank("en")
    pipeline.add_pipe("lemmatizer", config={"mode": "lookup"})
    pipeline.initialize()
    return pipeline


@pytest.fixture(scope="module")
def triage() -> Triage:
    """The rule matcher over the real red_flags.yml."""
    return get_triage()
