"""The clause splitter (nlu/clauses.py) both red-flag layers read messages with."""

from __future__ import annotations

from typing import List

import pytest
import spacy
from spacy.language import Language

from nlu import clauses


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en")


def texts(nlp: Language, message: str) -> List[str]:
    doc = nlp(message.lower())
    return [clauses.text(doc, c) for c in clauses.split(doc)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("my legs are numb", ["my legs are numb"]),
        # Sentences: the sentencizer's . ! ?, and a semicolon or a line break.
        ("ok heat it is. both my legs have gone numb", ["ok heat it is.", "both my legs have gone numb"]),
        ("what?? no... i cant pee!! help", ["what??", "no", "i cant pee!!", "help"]),
        ("hi\nmy legs are numb; fever too", ["hi", "my legs are numb;", "fever too"]),
        # Clause words, with the joining words left out of the clause's text.
        ("no fever but i can't pee", ["no fever", "i can't pee"]),
        ("thanks for the tips, also my bum is numb", ["thanks for the tips", "my bum is numb"]),
        ("my back hurts, and my legs are weak", ["my back hurts", "my legs are weak"]),
        ("sore back plus a temperature", ["sore back", "a temperature"]),
        ("btw i wet myself", ["i wet myself"]),
        ("good tips, by the way i fell off a roof", ["good tips", "i fell off a roof"]),
        # "," and "and" only split before a new subject: a list stays one clause.
        ("numb bum and genitals", ["numb bum and genitals"]),
        ("no numbness, tingling or weakness", ["no numbness, tingling or weakness"]),
    ],
)
def test_clause_texts(nlp: Language, message: str, expected: List[str]) -> None:
    assert texts(nlp, message) == expected


def test_clauses_cover_every_token_and_number_sentences(nlp: Language) -> None:
    doc = nlp("thanks! but also, and then my legs went numb. help")
    parts = clauses.split(doc)
    assert parts[0].start == 0 and parts[-1].end == len(doc)
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    # ", and also, and then" is one break, not four: no clause without a word in it.
    assert [clauses.text(doc, c) for c in parts] == ["thanks!", "my legs went numb.", "help"]
    assert [c.sentence for c in parts] == [0, 1, 2]


def test_numbering_gives_each_token_its_clause_and_sentence(nlp: Language) -> None:
    doc = nlp("no fever but i can't pee. help")
    clause, sentence = clauses.numbering(clauses.split(doc), len(doc) + 1)
    assert clause == [0, 0, 1, 1, 1, 1, 1, 1, 2, 2]
    assert sentence == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]


def test_empty_doc_has_no_clauses(nlp: Language) -> None:
    assert clauses.split(nlp("")) == []
    assert clauses.numbering([], 1) == ([0], [0])
