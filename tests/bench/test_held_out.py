"""The held-out sets stay held out: none of their messages is in what the bot learns or matches from."""

import csv
import re
from typing import Any, Iterator, Set

import pytest
import yaml

from bench.evalsets import EVAL, REPO
from nlu.guidance_examples import DEFAULT_OUTPUT

pytestmark = pytest.mark.unit

# Three words or fewer ("heat or ice?") are said by everyone; longer ones do not recur by chance.
MIN_WORDS = 4


def normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def strings_in(node: Any) -> Iterator[str]:
    """Every string in a YAML document except entries' own ``question``, which a person may well ask word for word."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "question":
                yield from strings_in(value)


def held_out() -> Set[str]:
    texts = [row.get("question") or row["text"] for path in EVAL.glob("*.csv") for row in csv.DictReader(path.open())]
    talks = yaml.safe_load((EVAL / "conversations.yml").read_text(encoding="utf-8"))
    texts += [turn for talk in talks for turn in talk["turns"]]
    return {normal(t) for t in texts if len(normal(t).split()) >= MIN_WORDS}


def learned_from() -> Iterator[str]:
    """Every paraphrase and exemplar of the guidance, and every NLU and story line."""
    for path in sorted((REPO / "guidance").rglob("*.yml")):
        yield from strings_in(yaml.safe_load(path.read_text(encoding="utf-8")))
    # The generated copy of the guidance's paraphrases (nlu/guidance_examples.py) is read above.
    for path in sorted(set((REPO / "data").rglob("*.yml")) - {DEFAULT_OUTPUT}):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield line.strip().removeprefix("- ")


def test_no_held_out_message_is_in_the_guidance_or_training_data() -> None:
    evaluation = held_out()
    leaked = sorted({normal(t) for t in learned_from()} & evaluation)
    assert leaked == []
