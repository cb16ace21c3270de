"""English word lists from the tables that ship with spaCy, for typo correction and language checks.

spaCy's English lemma lookup table (package ``spacy-lookups-data``) maps ~40,000 inflected words
to their lemmas; its keys and values, with spaCy's English stop words, make a small English
lexicon. Everything is read lazily, once, and never at import time.
"""

from __future__ import annotations

import gzip
import json
import re
import runpy
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Stop-word lists of the languages people most often write to an English bot in; a word from
# these that is not also English is good evidence of another language.
FOREIGN_LANGUAGES = ("es", "fr", "de", "it", "pt", "nl")

# Chat shorthand the lookup table does not know but that is plainly English.
CHAT_WORDS = frozenset(
    "ok okay hi hey hello thanks thx ty pls plz yeah yep nope nah lol omg idk tbh btw u ur im ive "
    "dont cant wont didnt doesnt isnt wasnt havent hasnt couldnt shouldnt wouldnt gonna wanna".split()
)

# A question mark anywhere; a question word or auxiliary first ("how long does it last"); after
# some context and no mark, a question's opening words ("sciatica wont go away how long does it
# normally last"), or an auxiliary opening a clause after a comma ("sore for a month, is heat
# better now"); whether something would help ("would a physio help"); or a request for advice
# anywhere ("can u tell me what it is", "any tips", "best things to do for it").
_QUESTION = re.compile(
    r"\?|^\s*(how|what|when|why|where|which|who|can|could|should|would|is|are|do|does|will)\b"
    r"|\b(how (long|much|often|soon|do|does|can|should|would)|what (can|should|do|does|would)"
    r"|when (can|should|will|do)|should i|(can|could|would) (i|you|u)|anything (i|to|that)"
    r"|is it (ok|okay|safe|normal|bad|time|worth)|tell me|any (tips|advice|ideas)"
    r"|best (things?|ways?|stuff|exercises?) (to|for)|(tips|advice|ideas) (for|on))\b"
    r"|[,;]\s*(is|are|would|could|should|can|do|does|will)\s+(it|that|this|there|i|u|you|a|an|the|my|heat|ice|\w+ing)\b"
    # "At what point is it worth...", "walking, good or bad", "heat, yes or no".
    r"|\bat what\b|\b(good|ok|okay|yes|safe|fine) or (bad|not|no)\b"
    r"|\b(would|could|will|might|does|do)\b[^.,;!]{1,30}\bhelp\b",
    re.I,
)


def is_question(text: str) -> bool:
    """Whether ``text`` asks something, by its punctuation or its first word."""
    return _QUESTION.search(text) is not None


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
    # Each spacy/lang/<lang>/stop_words.py is one set and imports nothing; importing it as a module
    # would run its language package first, and French compiles its tokenizer exceptions (6 s).
    import spacy.lang

    languages = Path(spacy.lang.__file__).parent
    words: set = set()
    for lang in FOREIGN_LANGUAGES:
        stop_words = runpy.run_path(str(languages / lang / "stop_words.py"))["STOP_WORDS"]
        words.update(w.lower() for w in stop_words)
    return frozenset(words - english_words())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours costs 1), or ``limit + 1`` if above."""
    # OSA, not Damerau-Levenshtein: a swapped pair is one edit but is never edited again, as
    # before ("ca" -> "abc" is 3, not 2), so which typos are read as which words stays the same.
    return OSA.distance(a, b, score_cutoff=limit)


def closest(word: str, candidates: Iterable[str], limit: int) -> str | None:
    """The candidate nearest to ``word`` within ``limit`` edits (first one on a tie), or None."""
    # A mapping's keys are the candidates (rapidfuzz would otherwise match against its values).
    choices = candidates.keys() if isinstance(candidates, Mapping) else candidates
    found = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=limit)
    return found[0] if found is not None else None
