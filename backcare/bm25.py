"""Ranked search over words: text normalised to content lemmas, and Okapi BM25 over them.

What :class:`backcare.store.GuidanceStore` searches and scores with, and through it the hybrid ranker
of :mod:`backcare.ranking`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, List, Sequence

from backcare.english import lemma_table

_WORD = re.compile(r"[a-z0-9]+")
# "Work out" is exercise, not work: one token, so it never matches the work entries.
_WORK_OUT = re.compile(r"\bwork(s|ed|ing)? out\b")
# Chat shorthand for units the lemma table does not know.
SHORTHAND = {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour", "wk": "week", "wks": "week"}
# Words too common to tell entries apart. Question words stay: "how long" vs "where" is the point.
STOP_WORDS = frozenset(
    "a an the i me my im i'm you your it its is are am be was were do does did can could should would will "
    "and or but if so to of in on at for with about from by as this that these those there here "
    "what which who any some just really very get got have has had back pain".split()
)


def tokens(text: str) -> List[str]:
    """Lemmas of the content words in ``text`` (spaCy's English lookup table), for ranking."""
    lemmas = lemma_table()
    words = (SHORTHAND.get(w, w) for w in _WORD.findall(_WORK_OUT.sub("workout", text.lower())))
    return [lemmas.get(w, w) for w in words if w not in STOP_WORDS]


class BM25:
    """Okapi BM25 over the entries' question, keywords and advice."""

    # Kept rather than bm25s (checked 2026-12-02 on the guidance): both rank the same top 10 for
    # 200 of 200 dev questions, and ours takes 230 µs a query against 44, but importing bm25s
    # adds 1.1 s to every process start, and a few hundred short documents never need its speed.

    def __init__(self, docs: Sequence[List[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._docs = [Counter(d) for d in docs]
        self._lengths = [len(d) for d in docs]
        self._avg = sum(self._lengths) / max(len(docs), 1)
        df: Counter = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._k1, self._b = k1, b

    def scores(self, query: Iterable[str]) -> List[float]:
        """The score of every document against ``query``, in document order."""
        terms = set(query)
        out = []
        for doc, length in zip(self._docs, self._lengths):
            score = 0.0
            for t in terms:
                tf = doc.get(t, 0)
                if tf:
                    norm = tf + self._k1 * (1 - self._b + self._b * length / self._avg)
                    score += self._idf[t] * tf * (self._k1 + 1) / norm
            out.append(score)
        return out
