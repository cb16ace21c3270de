"""The shape of the guidance content: pydantic models of its YAML files, and the error they raise.

One model per kind of file (``guidance/<topic>.yml``, ``vocabulary.yml``, ``sources.yml``) and
per part of an entry. ``Entry.render`` is the only place advice becomes text. The loader that
reads the files into these models is :mod:`backcare.guidance_loader`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Dict, List, Optional

from pydantic import BaseModel, Field, validator

from backcare.onset import describe

KINDS = ("equipment", "body_area", "therapy")
ENTRY_ID = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
# The one placeholder advice may hold, filled in by Entry.render, and only in entries with an
# onset window (outside one the onset may be unknown).
ONSET_PLACEHOLDER = "{onset}"


class Topic(str, Enum):
    """What a guidance entry is about; one topic intent and one file each."""

    PAIN = "pain"
    HEAT_ICE = "heat_ice"
    EQUIPMENT = "equipment"
    MASSAGE = "massage"
    EXERCISE = "exercise"
    POSTURE = "posture"
    SLEEP = "sleep"
    RECOVERY = "recovery"
    DOCTOR = "doctor"
    ACTIVITY = "activity"
    LIFTING = "lifting"
    WORK = "work"
    OUTLOOK = "outlook"
    SCIATICA = "sciatica"
    TREATMENTS = "treatments"
    MEDICINE = "medicine"
    PREGNANCY = "pregnancy"


class Unit(str, Enum):
    """Units a number in the guidance may carry."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    YEARS = "years"
    INCHES = "inches"
    CM = "cm"


class Quantity(BaseModel):
    """A number from the advice, e.g. 20 minutes or 1-2 inches."""

    value: float
    max_value: Optional[float] = None
    unit: Unit
    about: str = Field(..., min_length=3)

    class Config:
        extra = "forbid"


class HoursRange(BaseModel):
    """Hours since the pain started for which an entry holds.

    ``max`` is inclusive and ``min`` exclusive, so a pain exactly 48 hours old still counts as
    inside the first 48 hours: the cautious side of the heat rule.
    """

    min: Optional[float] = None
    max: Optional[float] = None

    class Config:
        extra = "forbid"

    def contains(self, hours: float) -> bool:
        """Whether ``hours`` since onset falls in this range."""
        return (self.min is None or hours > self.min) and (self.max is None or hours <= self.max)


class AppliesTo(BaseModel):
    """What an entry is about: canonical vocabulary ids and an onset window."""

    equipment: List[str] = []
    body_area: List[str] = []
    therapy: List[str] = []
    hours_since_onset: Optional[HoursRange] = None

    class Config:
        extra = "forbid"


class Entry(BaseModel):
    """One piece of guidance: the advice, why, its cautions, numbers and source."""

    id: str
    topic: Topic
    question: str = Field(..., min_length=5, description="The question this entry answers.")
    # Other ways people ask the same question, as they would type them; the ranker matches these.
    paraphrases: List[str] = []
    advice: str = Field(..., min_length=20)
    rationale: str = Field(..., min_length=10)
    cautions: List[str] = []
    numbers: List[Quantity] = []
    applies_to: AppliesTo = AppliesTo()
    keywords: List[str] = []
    follow_ups: List[str] = []
    source: str
    default: bool = False
    # For an entry with an onset window: the entry said instead when the onset is unknown.
    otherwise: Optional[str] = None

    class Config:
        extra = "forbid"

    @property
    def needs_onset(self) -> bool:
        """Whether this advice holds only for some times since the pain started."""
        return self.applies_to.hours_since_onset is not None

    def fits(self, hours: Optional[float]) -> bool:
        """Whether this entry may be said for a pain ``hours`` old (None: unknown)."""
        window = self.applies_to.hours_since_onset
        return window is None or (hours is not None and window.contains(hours))

    def render(self, hours: Optional[float] = None) -> str:
        """The advice as a person reads it, for a pain ``hours`` old, with its first caution.

        The only place advice becomes text. Raises ValueError for an onset the entry does not
        fit, so no caller can say onset-dependent advice without a known, matching onset.
        """
        if not self.fits(hours):
            raise ValueError(f"{self.id} does not hold for an onset of {hours} hours")
        text = self.advice
        if hours is not None:
            age = describe(hours)
            # "about less than an hour ago" reads as a slip: an age that is a bound takes no "about".
            if age.startswith("less than"):
                text = text.replace(f"about {ONSET_PLACEHOLDER}", age)
            text = text.replace(ONSET_PLACEHOLDER, age)
        return f"{text} {self.cautions[0]}" if self.cautions else text

    @validator("id")
    def _id_shape(cls, value: str) -> str:  # noqa: N805 - pydantic validators take cls
        if not ENTRY_ID.match(value):
            raise ValueError("must look like '<topic>.<name>' in lowercase snake case")
        return value

    # A field validator, not a root one, so the error names a field ("topic") instead of __root__.
    @validator("topic")
    def _id_matches_topic(cls, value: Topic, values: Dict) -> Topic:  # noqa: N805
        if "id" in values and not values["id"].startswith(value.value + "."):
            raise ValueError(f"id {values['id']!r} must start with its topic {value.value!r}.")
        return value


class Source(BaseModel):
    """Where guidance comes from."""

    title: str
    publisher: str
    url: Optional[str] = None
    # When someone last checked our entries against this source (YYYY-MM-DD).
    checked: Optional[date] = None

    class Config:
        extra = "forbid"


class TopicFile(BaseModel):
    """The shape of ``guidance/<topic>.yml``."""

    topic: Topic
    entries: List[Entry] = Field(..., min_items=1)

    class Config:
        extra = "forbid"


class Vocabulary(BaseModel):
    """Canonical ids with the words people use for them; feeds spaCy patterns and the actions."""

    equipment: Dict[str, List[str]]
    body_area: Dict[str, List[str]]
    therapy: Dict[str, List[str]]

    class Config:
        extra = "forbid"


class GuidanceError(ValueError):
    """The guidance content is invalid; the message names the file, the entry and the field."""
