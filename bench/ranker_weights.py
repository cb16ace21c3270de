"""How the ranker's weights were chosen: top-1 over a grid of BM25 and second-cosine weights.

Two development sets, never the held-out sets in ``bench/eval/``:

- every paraphrase in ``guidance/``, held out in turn: its own vector is left out of its entry,
  so it is scored as a new phrasing (BM25 reads questions, keywords and advice, never
  paraphrases, so it needs no leaving out);
- ``bench/dev/questions.csv``, questions written for tuning.

Usage: ``python -m bench.ranker_weights`` (prints one table per set).
"""

from __future__ import annotations

import csv
from typing import Dict, List, Sequence, Tuple

import numpy as np

from backcare.encoder import get_encoder
from backcare.ranking import BM25_WEIGHT, SECOND_WEIGHT, asks
from backcare.store import GuidanceStore, get_store
from bench.common import REPO

DEV_QUESTIONS = REPO / "bench" / "dev" / "questions.csv"
BM25_WEIGHTS = (0.0, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)
SECOND_WEIGHTS = (0.0, 0.15, 0.3, 0.4, 0.5, 0.7)


class Grid:
    """Every text's per-entry best and second-best cosine, and normalised BM25, computed once."""

    def __init__(self, store: GuidanceStore, texts: Sequence[str], held_out: Sequence[int]) -> None:
        encoder = get_encoder()
        asked = [(i, text) for i, entry in enumerate(store.entries) for text in asks(entry)]
        vectors = encoder.encode([t for _, t in asked])
        owners = np.array([i for i, _ in asked])
        queries = encoder.encode(list(texts))
        n = len(store.entries)
        self.best = np.full((len(texts), n), -1.0)
        self.second = np.full((len(texts), n), -1.0)
        for row, (query, skip) in enumerate(zip(queries, held_out)):
            similarity = vectors @ query
            if skip >= 0:
                similarity[skip] = -1.0
            for owner in range(n):
                values = np.sort(similarity[owners == owner])[::-1]
                self.best[row, owner] = values[0]
                self.second[row, owner] = values[1] if len(values) > 1 else -1.0
        ids = [e.id for e in store.entries]
        self.words = np.zeros((len(texts), n))
        for row, text in enumerate(texts):
            scores = store.scores(text)
            top = max(scores.values(), default=0.0)
            if top > 0:
                self.words[row] = [scores[i] / top for i in ids]
        self.ids = ids

    def top1(self, labels: Sequence[Sequence[str]], bm25: float, second: float) -> float:
        """Share of texts whose best entry, with these weights, is one of their labels."""
        scores = self.best + second * np.maximum(self.second, 0) + bm25 * self.words
        picked = [self.ids[int(i)] for i in np.argmax(scores, axis=1)]
        return float(np.mean([p in wanted for p, wanted in zip(picked, labels)]))


def paraphrase_set(store: GuidanceStore) -> Tuple[List[str], List[List[str]], List[int]]:
    """Every paraphrase, its entry, and its index among the index's texts (to leave out)."""
    texts, labels, held = [], [], []
    position = 0
    for entry in store.entries:
        for k, text in enumerate(asks(entry)):
            if k > 0:
                texts.append(text)
                labels.append([entry.id])
                held.append(position)
            position += 1
    return texts, labels, held


def dev_set() -> Tuple[List[str], List[List[str]], List[int]]:
    """The development questions and their labels (nothing to leave out)."""
    with DEV_QUESTIONS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = [[x.strip() for x in r["entry_ids"].split(";") if x.strip()] for r in rows]
    return [r["question"] for r in rows], labels, [-1] * len(rows)


def table(name: str, grid: Grid, labels: Sequence[Sequence[str]]) -> Dict[Tuple[float, float], float]:
    """Print and return top-1 for every pair of weights; the current pair is starred."""
    results = {(b, s): grid.top1(labels, b, s) for b in BM25_WEIGHTS for s in SECOND_WEIGHTS}
    print(f"\n{name} (n={len(labels)}): rows BM25 weight, columns second-cosine weight")
    print("       " + "".join(f"{s:>8}" for s in SECOND_WEIGHTS))
    for b in BM25_WEIGHTS:
        cells = "".join(
            f"{results[(b, s)]:>7.3f}{'*' if (b, s) == (BM25_WEIGHT, SECOND_WEIGHT) else ' '}" for s in SECOND_WEIGHTS
        )
        print(f"{b:>6} {cells}")
    return results


def main() -> None:
    store = get_store()
    texts, labels, held = paraphrase_set(store)
    table("paraphrases, each left out of its entry", Grid(store, texts, held), labels)
    if DEV_QUESTIONS.exists():
        texts, labels, held = dev_set()
        table("bench/dev/questions.csv", Grid(store, texts, held), labels)


if __name__ == "__main__":
    main()
