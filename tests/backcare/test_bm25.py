"""Text normalisation and BM25 ranking (backcare/bm25.py), on tiny inline documents."""

from typing import List

import pytest

from backcare.bm25 import BM25, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can I use a heat pack for my back pain?", ["use", "heat", "pack"]),
        ("20 mins twice a day", ["20", "minute", "twice", "day"]),
        ("I work out every day", ["workout", "every", "day"]),
    ],
)
def test_tokens_keep_content_lemmas(text: str, expected: List[str]) -> None:
    assert tokens(text) == expected


def test_the_document_with_the_rarer_shared_word_ranks_first() -> None:
    docs = ["heat pack on the lower back", "ice pack after a fall", "sleep on a mattress"]
    index = BM25([tokens(d) for d in docs])
    heat, ice, sleep = index.scores(tokens("heat pack"))
    assert heat > ice > 0 and sleep == 0
