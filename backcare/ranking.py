"""Which guidance entries a message asks about, by meaning and by words.

Each entry is represented by the ways people ask its question: the question itself and its
paraphrases, encoded once when the index is built. A message scores against an entry by a
hybrid of the best cosine between the message and those texts (meaning: "is a hot water bottle
ok" is close to "can I use heat") and BM25 over lemmas (words: a named foam roller or "TENS"
must count even where the encoder is vague), scaled so the best BM25 hit of a message counts
``BM25_WEIGHT`` at most. The conversation's context (things named, the onset) is added by the
answering action, which knows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from backcare.encoder import SentenceEncoder
from backcare.guidance_schema import Entry
from backcare.store import GuidanceStore

# Where the NLU puts its ranking in the parse data, for the actions to read: the best entries,
# and the best entry of a second question in the same message.
RANKING = "guidance_ranking"
ALSO = "guidance_also"
# Chosen with `python -m bench.ranker_weights` by cross-validation over every bench/dev/*.csv
# (10x5-fold: 0.1 is picked in 45 of 50 folds, out-of-fold top-1 0.946; 0.08-0.12 is a plateau),
# never on the held-out sets. Words still settle names the encoder is vague about (TENS, a foam
# roller), but meaning leads: on all dev rows meaning alone scores 0.923, words alone about 0.69.
BM25_WEIGHT = 0.1
# The second-best cosine of an entry counts too: several close paraphrases beat one fluke.
SECOND_WEIGHT = 0.3


@dataclass(frozen=True)
class Scored:
    """An entry's score for one message, with its parts for the bench and for debugging."""

    entry_id: str
    score: float
    dense: float
    words: float

    def to_json(self) -> Dict[str, object]:
        """The form that travels in the NLU parse data (small: ids and rounded numbers)."""
        return {"id": self.entry_id, "score": round(self.score, 4), "dense": round(self.dense, 4),
                "words": round(self.words, 4)}


class GuidanceIndex:
    """Dense vectors of every entry's question and paraphrases, plus the store's BM25 index."""

    def __init__(self, store: GuidanceStore, encoder: SentenceEncoder) -> None:
        self.store = store
        self._encoder = encoder
        texts: List[str] = []
        owners: List[int] = []
        for index, entry in enumerate(store.entries):
            for text in asks(entry):
                texts.append(text)
                owners.append(index)
        self._vectors = encoder.encode(texts)
        self._owners = np.array(owners)
        self._ids = [e.id for e in store.entries]
        # Where each entry's texts begin among all texts, and how many it has (every entry has one).
        self._sizes = np.bincount(self._owners, minlength=len(self._ids))
        self._starts = np.concatenate(([0], np.cumsum(self._sizes)[:-1]))

    def dense(self, vector: np.ndarray) -> np.ndarray:
        """Per entry: best cosine to the message plus a little of the second best."""
        similarity = self._vectors @ vector
        # Each entry's texts sorted best first (a loop over the texts took 7 ms a message).
        ordered = similarity[np.lexsort((-similarity, self._owners))].astype(np.float64)
        best = ordered[self._starts]
        second = np.where(self._sizes > 1, ordered[np.minimum(self._starts + 1, len(ordered) - 1)], -1.0)
        return best + SECOND_WEIGHT * np.maximum(second, 0)

    def nearest(self, texts: Sequence[str]) -> List[str]:
        """Meaning alone (the bench's dense baseline): the entry whose question or paraphrase is nearest."""
        return [self._ids[int(np.argmax(self.dense(v)))] for v in self._encoder.encode(list(texts))]

    def rank(self, text: str, limit: int = 10) -> List[Scored]:
        """The ``limit`` best entries for ``text``, best first."""
        vector = self._encoder.encode([text])[0]
        dense = self.dense(vector)
        words = self.store.scores(text)
        top_words = max(words.values(), default=0.0)
        scored = []
        for entry_id, meaning in zip(self._ids, dense):
            lexical = words[entry_id] / top_words if top_words > 0 else 0.0
            scored.append(Scored(entry_id, float(meaning + BM25_WEIGHT * lexical), float(meaning), lexical))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored[:limit]


def asks(entry: Entry) -> Tuple[str, ...]:
    """The texts that stand for an entry: how people ask its question."""
    return (entry.question, *entry.paraphrases)
