"""Conversation ids carry their channel: nothing sent on one channel names another's conversation."""

import pytest

from channels.conversation_ids import NAMESPACES, REST, TELEGRAM, WEB, conversation_id, identity_in


@pytest.mark.parametrize(
    ("namespace", "identity", "expected"),
    [(TELEGRAM, "777721792", "telegram:777721792"), (WEB, "ab12", "web:ab12"), (REST, "me", "rest:me"),
     # A caller's id that looks like another channel's conversation stays in the caller's channel.
     (REST, "telegram:777721792", "rest:telegram:777721792"), (REST, "web:ab12", "rest:web:ab12"),
     (REST, "rest:me", "rest:rest:me")],
)
def test_ids_are_prefixed_whatever_they_contain(namespace: str, identity: str, expected: str) -> None:
    assert conversation_id(namespace, identity) == expected
    assert identity_in(namespace, expected) == identity


@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("identity", ["777721792", "telegram:1", "web:x", "rest:y", ""])
def test_no_identity_on_one_channel_names_a_conversation_of_another(namespace: str, identity: str) -> None:
    mine = conversation_id(namespace, identity)
    for other in NAMESPACES:
        if other != namespace:
            assert identity_in(other, mine) is None


def test_an_unknown_namespace_is_refused() -> None:
    with pytest.raises(ValueError):
        conversation_id("sms", "1")
