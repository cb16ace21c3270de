"""The red-flag data: warning signs, their tiers, patterns, exemplars and escalation wording.

The content lives in ``guidance/safety/red_flags.yml`` (a subfolder, so the guidance store does
not read it) and is reviewed like code. It is validated with pydantic when first loaded, so a bad
file fails loudly, naming the sign and the field, instead of silently missing a warning sign.
This module has no Rasa imports: the NLU detector and the action server both use it. Besides the
rule patterns, each sign has ``exemplars`` (phrasings the semantic layer compares clauses with),
and the file has ``near_misses`` (harmless phrasings it must not escalate) and the semantic
layer's per-tier ``thresholds``.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from backcare import settings

# The committed file (what the tests and `python -m bench.red_flags --write` work on); the servers
# load the one under GUIDANCE_DIR, which is this one unless that is set.
RED_FLAGS_FILE = settings.REPO_ROOT / "guidance" / "safety" / "red_flags.yml"

# Where the NLU lists age-bound signs a message mentions without stating an age ("he's never
# had back pain before"), for the answering action to check against an age said earlier.
IF_AGE = "red_flag_if_age"
SIGN_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CLASS_REF = re.compile(r"@([a-z_]+)")
# A gap of two digits ("~10"): the pattern language only has *0-*9, so it would be read as a word.
_LONG_GAP = re.compile(r"(?:^|\s)[*~]\d{2,}(?=\s|$)")
# The semantic layer needs enough phrasings to cover how people say a sign (clinical, plain,
# euphemism, slang, UK/US, typos); emergency signs, where a miss costs most, need the most.
MIN_EXEMPLARS = {"emergency": 20, "urgent": 10, "soon": 10}


class Tier(str, Enum):
    """How soon someone needs medical help; each tier has its own intent and message."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SOON = "soon"

    @property
    def rank(self) -> int:
        """Higher is more urgent: emergency 3, urgent 2, soon 1."""
        return {"emergency": 3, "urgent": 2, "soon": 1}[self.value]

    @property
    def intent(self) -> str:
        """The intent the detector sets for this tier, e.g. ``red_flag_emergency``."""
        return f"red_flag_{self.value}"

    @classmethod
    def from_intent(cls, intent: Optional[str]) -> Optional[Tier]:
        """The tier of a ``red_flag_*`` intent, or None for any other intent."""
        for tier in cls:
            if tier.intent == intent:
                return tier
        return None


class TierText(BaseModel):
    """What the assistant says for a tier; ``{signs}`` is replaced by the labels of the signs heard."""

    message: str = Field(..., min_length=40)
    source: str = Field(..., min_length=5)

    class Config:
        extra = "forbid"

    @validator("message")
    def _names_signs_and_role(cls, value: str) -> str:  # noqa: N805 - pydantic validators take cls
        if "{signs}" not in value:
            raise ValueError("must contain {signs}, where the signs heard are named")
        if "not a doctor" not in value:
            raise ValueError("must say the assistant is not a doctor")
        return value


class AgeRange(BaseModel):
    """A sign that only counts when the message states an age below ``below`` or above ``above``."""

    below: int
    above: int

    class Config:
        extra = "forbid"

    def fits(self, age: float) -> bool:
        """Whether the sign counts for someone of ``age``."""
        return age < self.below or age > self.above


class Sign(BaseModel):
    """One warning sign: what the bot calls it, its tier, and the phrasings that mean it."""

    id: str
    tier: Tier
    label: str = Field(..., min_length=5, description="How the bot names it: 'loss of bladder control'.")
    history_counts: bool = Field(
        False, description="A past mention still counts (history of cancer); otherwise it must be current."
    )
    patterns: List[str] = Field(..., min_items=1)
    requires: List[str] = Field([], description="If given, one of these must also appear in the message.")
    unless: List[str] = Field([], description="A mention is dropped if one of these is in its sentence.")
    min_weeks: Optional[float] = Field(None, description="Its sentence must state a duration this long.")
    age: Optional[AgeRange] = None
    exemplars: List[str] = Field(
        ..., description="Phrasings that mean the sign, for the semantic layer (never copied from test data)."
    )

    class Config:
        extra = "forbid"

    @validator("id")
    def _id_shape(cls, value: str) -> str:  # noqa: N805
        if not SIGN_ID.match(value):
            raise ValueError("must be lowercase snake case")
        return value

    @validator("exemplars")
    def _enough_exemplars(cls, value: List[str], values: Dict) -> List[str]:  # noqa: N805
        tier = values.get("tier")
        needed = MIN_EXEMPLARS[tier.value] if isinstance(tier, Tier) else 1
        if len(value) < needed:
            raise ValueError(f"needs at least {needed} exemplars, has {len(value)}")
        _no_repeats(value)
        return value


class Context(BaseModel):
    """Words and patterns that decide whether a mention is negated or in the past."""

    negation: List[str] = Field(..., min_items=1)
    not_negating: List[str] = Field([], description="A negation word followed by one of these is not one.")
    distant_past: List[str] = []
    resolved: List[str] = []
    someone_else: List[str] = Field(
        [], description="Another person as the subject of a mention: 'my sister', 'he'."
    )
    own_back: List[str] = Field(
        [], description="The person's own, milder back trouble: 'my own back is only a bit sore'."
    )
    own_back_plain: List[str] = Field(
        [], description="Any talk of the person's own back: 'now my back hurts'. Enough unless their_back is told."
    )
    their_back: List[str] = Field(
        [], description="The other person's back: 'his back is killing him'. Only a milder own back calms their sign."
    )
    animal: List[str] = Field([], description="A pet as the subject of a mention: 'my dog wet himself'.")
    hypothetical: List[str] = Field(
        [], description="An 'if' with a past-tense verb, in a sentence with 'would': 'if my legs went numb would I...'."
    )

    class Config:
        extra = "forbid"


class TierThreshold(BaseModel):
    """What a clause needs to fire a sign of a tier, and what that gave on the table's development split."""

    threshold: float = Field(..., gt=0, le=1, description="Cosine to the sign's closest exemplar.")
    margin: float = Field(..., ge=0, lt=1, description="How far that must beat the closest near-miss.")
    dev_recall: float = Field(..., ge=0, le=1, description="Share of the tier's dev rows it found alone.")
    dev_precision: float = Field(..., ge=0, le=1, description="Share of its dev escalations that were red flags.")

    class Config:
        extra = "forbid"


class Semantic(BaseModel):
    """The semantic layer's settings per tier, chosen by ``python -m bench.red_flags``."""

    thresholds: Dict[Tier, TierThreshold]

    class Config:
        extra = "forbid"

    @validator("thresholds")
    def _every_tier(cls, value: Dict[Tier, TierThreshold]) -> Dict[Tier, TierThreshold]:  # noqa: N805
        missing = set(Tier) - set(value)
        if missing:
            raise ValueError(f"missing {sorted(t.value for t in missing)}")
        return value


def _no_repeats(texts: Sequence[str]) -> None:
    seen = set()
    for text in texts:
        key = text.strip().lower()
        if key in seen:
            raise ValueError(f"{text!r} is listed twice")
        seen.add(key)


class RedFlagData(BaseModel):
    """The whole ``red_flags.yml``."""

    tiers: Dict[Tier, TierText]
    word_classes: Dict[str, List[str]] = {}
    typo_targets: List[str] = Field([], description="Words a misspelling one or two letters off is read as.")
    misspellings: Dict[str, str] = Field(
        {}, description="Misspellings too short or too English for typo_targets, with the word each means."
    )
    context: Context
    signs: List[Sign] = Field(..., min_items=1)
    near_misses: List[str] = Field(
        ..., min_items=1, description="Harmless phrasings close to a sign: the semantic layer's negatives."
    )
    semantic: Semantic

    class Config:
        extra = "forbid"

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: Dict) -> Dict:  # noqa: N805
        missing = set(Tier) - set(values["tiers"])
        if missing:
            raise ValueError(f"tiers: missing {sorted(t.value for t in missing)}")
        seen = set()
        classes = values["word_classes"]
        for sign in values["signs"]:
            if sign.id in seen:
                raise ValueError(f"sign {sign.id}: id used twice")
            seen.add(sign.id)
            for pattern in [*sign.patterns, *sign.requires, *sign.unless]:
                for name in _CLASS_REF.findall(pattern):
                    if name not in classes:
                        raise ValueError(f"sign {sign.id}: pattern {pattern!r} uses unknown @{name}")
                if _LONG_GAP.search(pattern):
                    raise ValueError(f"sign {sign.id}: pattern {pattern!r} has a gap longer than 9 words")
        # A phrasing in two banks would pull a clause both ways at once.
        try:
            _no_repeats([e for sign in values["signs"] for e in sign.exemplars] + values["near_misses"])
        except ValueError as exc:
            raise ValueError(f"exemplars and near_misses: {exc}") from exc
        return values

    def sign(self, sign_id: str) -> Optional[Sign]:
        """The sign with this id, or None."""
        return next((s for s in self.signs if s.id == sign_id), None)

    def message_for(self, tier: Tier, sign_ids: Sequence[str]) -> str:
        """The escalation text for ``tier`` naming the signs (known ids only, in the order given)."""
        labels = [s.label for s in (self.sign(i) for i in dict.fromkeys(sign_ids)) if s is not None]
        return self.tiers[tier].message.format(signs=join_labels(labels) or "a warning sign")


def join_labels(labels: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


class RedFlagDataError(ValueError):
    """red_flags.yml is invalid; the message names the file and what is wrong."""


def _location(loc: Tuple, raw: object) -> str:
    if len(loc) >= 2 and loc[0] == "signs" and isinstance(loc[1], int) and isinstance(raw, dict):
        signs = raw.get("signs")
        entry = signs[loc[1]] if isinstance(signs, list) and loc[1] < len(signs) else None
        sign_id = entry.get("id") if isinstance(entry, dict) else None
        return f"sign {sign_id or '#' + str(loc[1] + 1)}, field " + ".".join(str(p) for p in loc[2:])
    return "field " + ".".join(str(p) for p in loc)


def load_red_flags(path: Optional[Path] = None) -> RedFlagData:
    """Read and validate ``path`` (default: the one under ``GUIDANCE_DIR``).

    Raises:
        RedFlagDataError: The file cannot be read or is invalid; the message names the sign and field.
    """
    path = path or settings.red_flags_file()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)  # libyaml: faster
    except (OSError, yaml.YAMLError) as exc:
        raise RedFlagDataError(f"{path.name}: cannot read: {exc}") from exc
    try:
        return RedFlagData.parse_obj(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(tuple(e['loc']), raw)}: {e['msg']}" for e in exc.errors())
        raise RedFlagDataError(f"{path.name}: {problems}") from exc


@lru_cache(maxsize=None)
def get_red_flags() -> RedFlagData:
    """The red-flag data under ``GUIDANCE_DIR``, loaded on first use and then shared."""
    return load_red_flags()
