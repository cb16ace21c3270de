"""Signed web session ids: only ids this server issued, under this secret, resume a conversation."""

import stat
from pathlib import Path
from typing import Any

import pytest

from channels.web_session import MIN_SECRET_CHARS, SecretError, SessionSigner, load_secret

SECRET = b"k" * MIN_SECRET_CHARS
OTHER_SECRET = b"j" * MIN_SECRET_CHARS


@pytest.fixture
def signer() -> SessionSigner:
    return SessionSigner(SECRET)


def test_an_issued_id_verifies_to_its_session(signer: SessionSigner) -> None:
    token = signer.issue()
    session, signature = token.split(".")
    assert len(session) == 32 and len(signature) == 64
    assert signer.verify(token) == session
    assert signer.resume_or_issue(token) == (session, token)


def test_issued_ids_differ(signer: SessionSigner) -> None:
    assert len({signer.issue() for _ in range(100)}) == 100


def tampered(token: str, at: int) -> str:
    flipped = "0" if token[at] != "0" else "1"
    return token[:at] + flipped + token[at + 1:]


@pytest.mark.parametrize("at", [0, 31, 33, -1], ids=["session-first", "session-last", "signature-first",
                                                    "signature-last"])
def test_a_tampered_id_is_refused(signer: SessionSigner, at: int) -> None:
    token = signer.issue()
    assert signer.verify(tampered(token, at)) is None


def test_an_id_signed_with_another_secret_is_refused(signer: SessionSigner) -> None:
    foreign = SessionSigner(OTHER_SECRET).issue()
    assert signer.verify(foreign) is None
    session, token = signer.resume_or_issue(foreign)
    assert token != foreign and session != foreign.split(".")[0] and signer.verify(token) == session


@pytest.mark.parametrize(
    "sent",
    [None, "", 42, ["a"], {"id": "x"}, "0123456789abcdef0123456789abcdef", "web:0123456789abcdef0123456789abcdef",
     "777721792"],
    ids=["missing", "empty", "number", "list", "object", "unsigned", "conversation-id", "telegram-chat-id"],
)
def test_a_missing_or_unsigned_id_gets_a_fresh_session(signer: SessionSigner, sent: Any) -> None:
    assert signer.verify(sent) is None
    session, token = signer.resume_or_issue(sent)
    assert token != sent and signer.verify(token) == session


def test_an_id_with_extra_parts_or_case_changes_is_refused(signer: SessionSigner) -> None:
    token = signer.issue()
    for variant in (token.upper(), token + ".x", " " + token, token + "\n", token.replace(".", ":"),
                    token.split(".")[0] + "." + token.split(".")[1][:-2]):
        assert signer.verify(variant) is None, variant


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(SecretError, match="at least 32"):
        SessionSigner(b"short")


def test_a_generated_secret_is_private_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "var" / "web_session_secret"
    first = load_secret(None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = SessionSigner(first).issue()
    # A restart reads the same key, so the page's stored id still resumes its conversation.
    assert load_secret(None, path) == first
    assert SessionSigner(load_secret(None, path)).verify(token) is not None
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_the_environment_secret_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "web_session_secret"
    assert load_secret("e" * 40, path) == b"e" * 40
    assert not path.exists()


def test_a_secret_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "web_session_secret"
    path.write_text("s" * 64)
    path.chmod(0o644)
    assert load_secret(None, path) == b"s" * 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_truncated_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "web_session_secret"
    path.write_text("short\n")
    with pytest.raises(SecretError, match="delete it"):
        load_secret(None, path)
