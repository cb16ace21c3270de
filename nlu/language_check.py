"""Is a message written in another language? A word-list check, no Rasa and no model.

A message counts as non-English when it has a few words, most of them are not English words
(spaCy's English lemma table and stop words, see :mod:`backcare.english`), and at least one is a
common function word of another language ("de", "ich", "pero", "avec"). That last condition
keeps English with typos ("my bak hurts realy bad") from being turned away. Messages mostly in
another script (Cyrillic, Arabic, Chinese...) count as non-English whatever their length.
"""

from __future__ import annotations

from typing import Collection, Sequence

from backcare import english

# Domain words the lemma table does not know; the entity ruler's vocabulary is added by the caller.
DOMAIN_WORDS = frozenset(
    "physio physiotherapist physiotherapy sciatica lumbar lumbago theragun acupressure shakti lacrosse "
    "ibuprofen paracetamol naproxen tens chiro chiropractor osteopath pilates glute glutes ql psoas "
    "piriformis coccyx foam roller massager stretches backache".split()
)
LATIN_LIMIT = 0x24F  # the end of Latin Extended-B: letters above it are another script


def mostly_other_script(text: str) -> bool:
    """Whether more than half of the letters (at least four) are outside the Latin alphabets."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4:
        return False
    other = sum(1 for c in letters if ord(c) > LATIN_LIMIT)
    return other * 2 > len(letters)


def looks_non_english(
    words: Sequence[str],
    text: str = "",
    known: Collection[str] = (),
    min_words: int = 3,
    share: float = 0.5,
) -> bool:
    """Whether ``words`` (the message's alphabetic tokens) read as another language.

    ``known`` are extra words to treat as English (e.g. the entity ruler's matches); ``share`` is
    the fraction of non-English words above which a message with a foreign function word counts.
    """
    if text and mostly_other_script(text):
        return True
    lowered = [w.lower() for w in words if w.isalpha()]
    if len(lowered) < min_words:
        return False
    lexicon, foreign = english.english_words(), english.foreign_function_words()
    extra = {k.lower() for k in known}
    not_english = [w for w in lowered if w not in lexicon and w not in DOMAIN_WORDS and w not in extra]
    if not any(w in foreign for w in not_english):
        return False
    return len(not_english) > share * len(lowered)
