"""The action-call timeout the Rasa server gets from ACTION_TIMEOUT_SECONDS."""

import pytest
import rasa.core.actions.action

from channels.action_timeout import DEFAULT_ACTION_TIMEOUT_SECONDS, action_timeout_seconds
from channels.rest import GuardedRestInput


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, 5.0), ("", 5.0), ("2.5", 2.5), ("30", 30.0), ("soon", 5.0), ("0", 5.0), ("-3", 5.0)],
)
def test_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, seconds: float) -> None:
    if value is None:
        monkeypatch.delenv("ACTION_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", value)
    assert action_timeout_seconds() == seconds
    assert DEFAULT_ACTION_TIMEOUT_SECONDS == 5.0


def test_building_the_rest_channel_sets_rasas_action_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)  # restored afterwards
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "4")
    GuardedRestInput.from_credentials(None)
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 4.0
