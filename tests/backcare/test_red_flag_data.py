"""Validation of the semantic layer's fields in red_flags.yml (backcare/red_flag_data.py)."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

from backcare.red_flag_data import MIN_EXEMPLARS, RED_FLAGS_FILE, RedFlagData, RedFlagDataError, load_red_flags


def raw() -> Dict[str, Any]:
    return load_red_flags().dict()


def sign(data: Dict[str, Any], sign_id: str) -> Dict[str, Any]:
    return next(s for s in data["signs"] if s["id"] == sign_id)


def test_every_sign_has_enough_exemplars() -> None:
    for s in load_red_flags().signs:
        assert len(s.exemplars) >= MIN_EXEMPLARS[s.tier.value], s.id


def few_emergency_exemplars(data: Dict[str, Any]) -> None:
    sign(data, "foot_drop")["exemplars"] = sign(data, "foot_drop")["exemplars"][:19]


def exemplar_twice(data: Dict[str, Any]) -> None:
    sign(data, "fever")["exemplars"].append(sign(data, "fever")["exemplars"][0].upper())


def exemplar_also_a_near_miss(data: Dict[str, Any]) -> None:
    data["near_misses"].append(sign(data, "fever")["exemplars"][0])


def tier_without_threshold(data: Dict[str, Any]) -> None:
    del data["semantic"]["thresholds"]["soon"]


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (few_emergency_exemplars, "at least 20 exemplars"),
        (exemplar_twice, "listed twice"),
        (exemplar_also_a_near_miss, "exemplars and near_misses"),
        (tier_without_threshold, "missing.*soon"),
    ],
)
def test_invalid_semantic_fields_are_refused(break_it: Callable[[Dict[str, Any]], None], message: str) -> None:
    data = raw()
    break_it(data)
    with pytest.raises(ValueError, match=message):
        RedFlagData.parse_obj(data)


def test_the_file_error_names_the_sign(tmp_path: Any) -> None:
    text = RED_FLAGS_FILE.read_text(encoding="utf-8").replace("    exemplars:\n", "    exemplarz:\n", 1)
    path = tmp_path / "red_flags.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RedFlagDataError, match="sign urinary_retention"):
        load_red_flags(path)
