"""Split a message into sentences and clauses, so that every part of a long message is read on its own.

Both red-flag layers use this one splitting: the rule matcher (:mod:`nlu.triage`) to scope a
negation or an "it went away" to its clause, the semantic matcher (:mod:`nlu.semantic`) to embed
each clause on its own, so that "thanks for the tips, also I can't pee" is not averaged into a
thank-you. Sentences come from spaCy's rule-based sentencizer (no model needed, so it works on the
project's blank English pipeline and on any Doc); clauses from the joining words below.

Pure spaCy, no Rasa, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span

# The sentencizer ends sentences at . ! ?; a semicolon or a line break ends one too in chat.
SENTENCE_ENDS = frozenset({";", "\n"})
# Words that start a new clause wherever they stand.
CLAUSE_BREAKS = frozenset({
    "but", "however", "though", "tho", "although", "altho", "except", "yet", "whereas", "because", "cause",
    "cuz", "coz", "also", "btw", "plus", "anyway", "anyways", "ps", "—", "–", "--", ":", "...",
})
# "," or "and" starts a new clause only before a new subject or another joining word: "no fever,
# I can't pee" and "my back hurts, and my legs are numb", but not "numb bum and genitals". A
# denial or a "just" after a comma opens one too ("my bowels are fine, no numbness, just stiff"),
# so each is read, and negated, on its own.
JOINERS = frozenset({",", "and", "then", "&"})
SUBJECT_STARTS = frozenset({"i", "my", "it", "he", "she", "they", "we", "you", "there", "now", "this",
                            "that", "still", "then", "today", "recently", "lately", "the", "me",
                            "im", "since", "no", "just"})
# Written out: "by the way" works like "btw".
BY_THE_WAY = ("by", "the", "way")

_SENTENCIZER = Sentencizer()


@dataclass(frozen=True)
class Clause:
    """Tokens ``start`` to ``end`` (exclusive) of a Doc, in sentence number ``sentence``."""

    start: int
    end: int
    sentence: int


def _is_break(lowers: List[str], i: int) -> bool:
    lower = lowers[i]
    nxt = lowers[i + 1] if i + 1 < len(lowers) else ""
    if lower in CLAUSE_BREAKS or tuple(lowers[i:i + 3]) == BY_THE_WAY:
        return True
    opens = nxt in SUBJECT_STARTS or nxt in JOINERS or nxt in CLAUSE_BREAKS or tuple(lowers[i + 1:i + 4]) == BY_THE_WAY
    return lower in JOINERS and opens


def split(doc: Doc) -> List[Clause]:
    """The clauses of ``doc`` in order; together they cover every token.

    A joining word or punctuation mark belongs to the clause it opens. A break only starts a new
    clause once the current one has a word in it, so ", and also" makes one break, not three.

    Args:
        doc: Any spaCy Doc; its own sentence boundaries, if any, are not used or changed.

    Returns:
        The clauses, numbered by sentence.
    """
    if len(doc) == 0:
        return []
    sentence_starts = _SENTENCIZER.predict([doc])[0]
    lowers = [t.lower_ for t in doc]
    clauses: List[Clause] = []
    start, sentence, has_words = 0, 0, False
    for i, token in enumerate(doc):
        if i > 0 and has_words:
            previous = lowers[i - 1]
            new_sentence = bool(sentence_starts[i]) or previous in SENTENCE_ENDS or "\n" in previous
            if new_sentence or _is_break(lowers, i):
                clauses.append(Clause(start, i, sentence))
                start, has_words = i, False
                sentence += int(new_sentence)
        if not (token.is_punct or token.is_space or _is_break(lowers, i)):
            has_words = True
    clauses.append(Clause(start, len(doc), sentence))
    return clauses


def numbering(clauses: List[Clause], length: int) -> Tuple[List[int], List[int]]:
    """(clause number, sentence number) of each of ``length`` tokens; tokens past the last clause join it."""
    clause_of: List[int] = []
    sentence_of: List[int] = []
    for number, clause in enumerate(clauses):
        clause_of += [number] * (clause.end - clause.start)
        sentence_of += [clause.sentence] * (clause.end - clause.start)
    last = (len(clauses) - 1, clauses[-1].sentence) if clauses else (0, 0)
    clause_of += [last[0]] * (length - len(clause_of))
    sentence_of += [last[1]] * (length - len(sentence_of))
    return clause_of, sentence_of


def words(doc: Doc, clause: Clause) -> Span:
    """The clause without the joining words and punctuation that open it ("but also ...") or trailing space."""
    lowers = [t.lower_ for t in doc]
    start, end = clause.start, min(clause.end, len(doc))
    while start < end:
        if tuple(lowers[start:start + 3]) == BY_THE_WAY:
            start += 3
        elif doc[start].is_punct or doc[start].is_space or _is_break(lowers, start):
            start += 1
        else:
            break
    while end > start and doc[end - 1].is_space:
        end -= 1
    return doc[start:max(start, end)]


def text(doc: Doc, clause: Clause) -> str:
    """What the clause says, as :func:`words` keeps it."""
    return words(doc, clause).text.strip()
