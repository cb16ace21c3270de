"""Who may call the REST webhook, by interface and REST_TOKEN."""

from typing import List, Optional

import pytest

from channels.rest_access import RestAccess, bearer_matches, is_loopback, rest_access

TOKEN = "t0ken-0123456789abcdef"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.0.2.2", False), ("fd00::2", False), ("backcare.example.org", False),
     ("", False)],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("bound", "token", "access"),
    [
        (["127.0.0.1"], None, RestAccess.OPEN),
        (["127.0.0.1", "127.0.0.1"], None, RestAccess.OPEN),
        (["127.0.0.1", "0.0.0.0"], None, RestAccess.OFF),  # RASA_INTERFACE says loopback, Sanic binds all
        (["0.0.0.0"], None, RestAccess.OFF),
        (["192.0.2.2", ""], None, RestAccess.OFF),
        ([], None, RestAccess.OFF),
        (["0.0.0.0"], TOKEN, RestAccess.TOKEN),
        (["127.0.0.1"], TOKEN, RestAccess.TOKEN),  # a set token is always asked for
    ],
)
def test_the_access_rule(bound: List[str], token: Optional[str], access: RestAccess) -> None:
    assert rest_access(bound, token) is access


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),
        (None, False),
        ("", False),
        ("Bearer", False),
        ("Bearer ", False),
        (TOKEN, False),
        (f"Basic {TOKEN}", False),
        (f"Bearer {TOKEN}x", False),
        (f"Bearer {TOKEN[:-1]}", False),
        (f"Bearer {TOKEN.upper()}", False),
    ],
)
def test_the_bearer_token_check(header: Optional[str], matches: bool) -> None:
    assert bearer_matches(TOKEN, header) is matches
