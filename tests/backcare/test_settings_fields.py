"""The declarations (backcare/settings_fields.py): every variable described; values only from arguments."""

import pytest

from backcare.settings_fields import REPO_ROOT, Settings


def test_every_variable_has_a_description() -> None:
    assert all(field.field_info.description for field in Settings.__fields__.values())


def test_the_declarations_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """backcare.settings reads the environment (with its blank rule) and hands the values in."""
    monkeypatch.setenv("RASA_PORT", "6005")
    monkeypatch.setenv("rasa_port", "6006")
    current = Settings()
    assert current.rasa_port == 5005
    assert Settings(rasa_port=" 7005 ").rasa_port == 7005


def test_paths_given_relative_are_taken_from_the_repo_root() -> None:
    declared = Settings(guidance_dir="tests/data", tracker_store_url="sqlite:///var/x.db")
    assert declared.guidance_dir == REPO_ROOT / "tests" / "data"
    assert declared.tracker_store_url == f"sqlite:///{REPO_ROOT}/var/x.db"
