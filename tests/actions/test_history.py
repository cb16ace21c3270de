"""What the session says, read from the tracker: here, whether the person the advice is for is pregnant."""

import pytest

from actions.history import pregnant
from tests.conftest import make_tracker


@pytest.mark.parametrize(
    ("history", "latest", "expected"),
    [
        (["I'm expecting my first in March"], "is a hot bath ok for my back?", True),
        (["my wife is expecting twins"], "what can she take for her back?", True),
        ([], "expecting twins and my back is killing me, what can I take?", True),
        (["in my second trimester now"], "is a hot bath ok for my back?", True),
        ([], "im 30 wks and my back aches, can I use a heat pad?", True),
        ([], "I'm 12 weeks and my back hurts, what can I take?", True),
        # Weeks that count how long something lasted are not how far along.
        (["my back has hurt for 6 weeks"], "what can I take?", False),
        (["I'm 3 weeks into physio"], "is a hot bath ok for my back?", False),
        # Something expected is not a baby.
        (["I'm expecting it to ease by Friday"], "is a hot bath ok for my back?", False),
        (["I wasn't expecting that"], "what can I take?", False),
    ],
)
def test_pregnancy_is_heard_in_everyday_words(history: list, latest: str, expected: bool) -> None:
    assert pregnant(make_tracker(latest, "ask_guidance", history=history)) is expected
