"""English word lists from the tables that ship with spaCy, for typo correction and language checks.

spaCy's English lemma lookup table (package ``spacy-lookups-data``) maps ~40,000 inflected words
to their lemmas; its keys and values, with spaCy's English stop words, make a small English
lexicon. Everything is read lazily, once, and never at import time.
"""

from __future__ import annotations

import gzip
import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable

# Stop-word lists of the languages people most often write to an English bot in; a word from
# these that is not also English is good evidence of another language.
FOREIGN_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl")

# Chat shorthand the lookup table does not know but that is plainly English.
CHAT_WORDS = frozenset(
    "ok okay hi hey hello thanks thx ty pls plz yeah yep nope nah lol omg idk tbh btw u ur im ive "
    "dont cant wont didnt doesnt isnt wasnt havent hasnt couldnt shouldnt wouldnt gonna wanna".split()
)


@lru_cache(maxsize=None)
def lemma_table() -> Dict[str, str]:
    """spaCy's English lemma lookup table: inflected form -> lemma (lowercase keys kept).

    Read straight from the gzipped JSON that spacy-lookups-data ships, without importing spaCy,
    so the action server (which ranks guidance by lemmas) stays small.
    """
    import spacy_lookups_data

    path = Path(str(spacy_lookups_data.en["lemma_lookup"]))
    with gzip.open(path.with_name(path.name + ".gz"), "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    return {form.lower(): lemma.lower() for form, lemma in raw.items()}


@lru_cache(maxsize=None)
def english_words() -> FrozenSet[str]:
    """Lowercase English words: the lemma table's forms and lemmas, stop words, chat shorthand."""
    from spacy.lang.en.stop_words import STOP_WORDS

    table = lemma_table()
    return frozenset(table) | frozenset(table.values()) | frozenset(STOP_WORDS) | CHAT_WORDS


@lru_cache(maxsize=None)
def foreign_function_words() -> FrozenSet[str]:
    """Stop words of other common languages that are not English words ("de", "ich", "pero")."""
    words: set = set()
    for lang in FOREIGN_LANGUAGES:
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
        words.update(w.lower() for w in module.STOP_WORDS)
    return frozenset(words - english_words())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours costs 1), or ``limit + 1`` if above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def closest(word: str, candidates: Iterable[str], limit: int) -> str | None:
    """The candidate nearest to ``word`` within ``limit`` edits (first one on a tie), or None."""
    best, best_distance = None, limit + 1
    for candidate in candidates:
        distance = edit_distance(word, candidate, limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best
