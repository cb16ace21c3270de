"""How the ranker's weights were chosen: top-1 over a grid of BM25 and second-cosine weights.

Development sets only, never the held-out sets in ``bench/eval/``:

- every paraphrase in ``guidance/``, held out in turn: its own vector is left out of its entry,
  so it is scored as a new phrasing (BM25 reads questions, keywords and advice, never
  paraphrases, so it needs no leaving out);
- every ``bench/dev/*.csv`` (``question,entry_ids``), questions written for tuning.

The weights are chosen by cross-validation over all the dev files together, not on one file:
repeated k-fold (pick the best pair on k-1 folds, score the fold left out) and leave-one-file-out
(pick on one file, score the others). A pick that wins on one split but not out of fold is
overfitting. The paraphrase set is printed but not cross-validated: BM25 reads the keywords,
which were written beside the paraphrases, so it flatters words there.

Usage: ``python -m bench.ranker_weights`` (prints one table per set, then the cross-validation).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from backcare.encoder import get_encoder
from backcare.guidance_loader import get_store
from backcare.ranking import BM25_WEIGHT, SECOND_WEIGHT, asks
from backcare.store import GuidanceStore
from bench.common import REPO

DEV = REPO / "bench" / "dev"
BM25_WEIGHTS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3)
SECOND_WEIGHTS = (0.0, 0.15, 0.3, 0.4, 0.5, 0.7)
FOLDS = 5
REPEATS = 10
Pair = Tuple[float, float]
PAIRS: List[Pair] = [(b, s) for b in BM25_WEIGHTS for s in SECOND_WEIGHTS]


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

    def hits(self, labels: Sequence[Sequence[str]], bm25: float, second: float) -> np.ndarray:
        """Per text, whether its best entry with these weights is one of its labels."""
        scores = self.best + second * np.maximum(self.second, 0) + bm25 * self.words
        picked = [self.ids[int(i)] for i in np.argmax(scores, axis=1)]
        return np.array([p in wanted for p, wanted in zip(picked, labels)])

    def words_only(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        """Per text, whether BM25 alone puts one of its labels first (no words: a miss)."""
        best = np.argmax(self.words, axis=1)
        picked = [self.ids[int(i)] if row.max() > 0 else "" for row, i in zip(self.words, best)]
        return np.array([p in wanted for p, wanted in zip(picked, labels)])

    def top1(self, labels: Sequence[Sequence[str]], bm25: float, second: float) -> float:
        """Share of texts whose best entry, with these weights, is one of their labels."""
        return float(np.mean(self.hits(labels, bm25, second)))


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


def read_questions(path: Path) -> Tuple[List[str], List[List[str]]]:
    """A ``question,entry_ids`` file's questions and their labels."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = [[x.strip() for x in r["entry_ids"].split(";") if x.strip()] for r in rows]
    return [r["question"] for r in rows], labels


def dev_files() -> List[Path]:
    """Every question file in ``bench/dev/``."""
    return sorted(DEV.glob("*.csv"))


def table(name: str, scores: Dict[Pair, float], alone: float) -> None:
    """Print top-1 for every pair of weights (the current pair starred) and for BM25 alone."""
    print(f"\n{name}: rows BM25 weight, columns second-cosine weight; BM25 alone {alone:.3f}")
    print("       " + "".join(f"{s:>8}" for s in SECOND_WEIGHTS))
    for b in BM25_WEIGHTS:
        cells = "".join(
            f"{scores[(b, s)]:>7.3f}{'*' if (b, s) == (BM25_WEIGHT, SECOND_WEIGHT) else ' '}" for s in SECOND_WEIGHTS
        )
        print(f"{b:>6} {cells}")


def pick(hits: Dict[Pair, np.ndarray], rows: np.ndarray) -> Pair:
    """The pair with the best top-1 on ``rows``; ties go to the smaller BM25, then second, weight."""
    return max(PAIRS, key=lambda pair: (float(hits[pair][rows].mean()), -pair[0], -pair[1]))


def cross_validate(hits: Dict[Pair, np.ndarray], files: np.ndarray, names: Sequence[str]) -> None:
    """Print out-of-fold top-1 of choosing the weights on the other folds, and the picks."""
    rng = np.random.default_rng(0)
    n = len(files)
    scores: List[float] = []
    picks: Counter = Counter()
    for _ in range(REPEATS):
        order = rng.permutation(n)
        for fold in np.array_split(order, FOLDS):
            train = np.setdiff1d(order, fold)
            chosen = pick(hits, train)
            picks[chosen] += 1
            scores.append(float(hits[chosen][fold].mean()))
    print(f"\n{REPEATS}x{FOLDS}-fold over all dev files (n={n}): out-of-fold top-1 {np.mean(scores):.3f}"
          f" (sd {np.std(scores):.3f}); picks (BM25, second): "
          + ", ".join(f"{p}x{c}" for p, c in picks.most_common(5)))
    for k, name in enumerate(names):
        train, test = np.flatnonzero(files == k), np.flatnonzero(files != k)
        chosen = pick(hits, train)
        current = hits[(BM25_WEIGHT, SECOND_WEIGHT)][test].mean()
        print(f"  picked on {name}: {chosen}, top-1 on the others {hits[chosen][test].mean():.3f}"
              f" (current {current:.3f})")
    every = np.arange(n)
    print("  fixed pairs on all dev rows: " + ", ".join(
        f"{pair} {hits[pair][every].mean():.3f}"
        for pair in [(0.0, 0.0), (0.0, SECOND_WEIGHT), (0.02, SECOND_WEIGHT), (0.05, SECOND_WEIGHT),
                     (BM25_WEIGHT, SECOND_WEIGHT), (0.2, SECOND_WEIGHT)]
    ))


def main() -> None:
    store = get_store()
    texts, labels, held = paraphrase_set(store)
    grid = Grid(store, texts, held)
    table(f"paraphrases, each left out of its entry (n={len(texts)})",
          {pair: grid.top1(labels, *pair) for pair in PAIRS}, float(np.mean(grid.words_only(labels))))
    all_texts: List[str] = []
    all_labels: List[List[str]] = []
    owners: List[int] = []
    names = [path.name for path in dev_files()]
    for k, path in enumerate(dev_files()):
        file_texts, file_labels = read_questions(path)
        all_texts += file_texts
        all_labels += file_labels
        owners += [k] * len(file_texts)
    if not all_texts:
        return
    grid = Grid(store, all_texts, [-1] * len(all_texts))
    files = np.array(owners)
    hits = {pair: grid.hits(all_labels, *pair) for pair in PAIRS}
    words_alone = grid.words_only(all_labels)
    for k, name in enumerate(names):
        rows = np.flatnonzero(files == k)
        table(f"bench/dev/{name} (n={len(rows)})", {pair: float(hits[pair][rows].mean()) for pair in PAIRS},
              float(words_alone[rows].mean()))
    cross_validate(hits, files, names)


if __name__ == "__main__":
    main()
