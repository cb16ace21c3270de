"""Which messages ask for an earlier answer again (backcare/recall.py)."""

from typing import Optional

import pytest

from backcare.recall import EARLIER, FIRST, OTHER, SECOND, THIRD, asks_repeat, recall_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("what was that about pressure again?", EARLIER),
        ("remind me what you said about the foam roller", EARLIER),
        ("you mentioned something about ice before", EARLIER),
        ("ok back to the heat thing", EARLIER),
        ("going back to my first question", FIRST),
        ("and the other one?", OTHER),
        ("what about the other thing you said", OTHER),
        # Nothing to look for: a plain "say that again" is the classifier's ask_repeat.
        ("what was that?", None),
        ("what was that again, sorry?", None),
        ("what did you just say", None),
        # "Earlier" and "remind me" in ordinary messages are not recalls.
        ("i hurt it earlier today, can i use ice?", None),
        ("remind me in two days", None),
        # Asking to hear it again in other words, with what to look for.
        ("sorry can you go over the brace thing again", EARLIER),
        ("remind me, those easy stretch ones again?", EARLIER),
        ("the bit about ice packs once more", EARLIER),
        ("tell me again about the mattress", EARLIER),
        ("could you repeat the bit about ice", EARLIER),
        # ...and without: the classifier's ask_repeat, or an ordinary question.
        ("can you repeat that please", None),
        ("can you say that again?", None),
        ("say the last bit again", None),
        ("should i go over 20 minutes with the ice?", None),
        # Which answer by its place.
        ("ok and the second one again? the how soon one", SECOND),
        ("what was your third answer", THIRD),
        ("sorry, i missed the first answer. the needles one?", FIRST),
        ("is the second one better?", None),
    ],
)
def test_recall_kind(text: str, kind: Optional[str]) -> None:
    assert recall_kind(text) == kind


@pytest.mark.parametrize(
    ("text", "repeat"),
    [
        ("sorry, what did you say?", True),
        ("say that again", True),
        ("come again?", True),
        ("pardon?", True),
        ("can you repeat that please", True),
        ("what was that again, sorry?", True),
        # Something to look for, or another question: not a bare repeat.
        ("what was that about ice again?", False),
        ("what did you say about heat", False),
        ("sorry, my back hurts", False),
        ("can you repeat the stretches daily?", False),
    ],
)
def test_asks_repeat(text: str, repeat: bool) -> None:
    assert asks_repeat(text) is repeat


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # An earlier answer named by its subject and a word for a part of it.
        ("right, the ice pack bit again please", EARLIER),
        ("sorry, that one about sitting, what did it say?", EARLIER),
        # Comparing or asking anew is not asking for an answer again.
        ("is the foam roller one any better", None),
    ],
)
def test_an_earlier_answer_named_as_a_part(text: str, kind: Optional[str]) -> None:
    assert recall_kind(text) == kind
