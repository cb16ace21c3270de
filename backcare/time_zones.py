"""The person's time zone from what they say ("UTC+2", "it's 3pm", "London"), and times in it.

Zone names and rules come from pytz (pinned, and it carries its own copy of the tz database, so
no system tzdata is needed). Our own code only reads the three kinds of answer: a UTC offset, the
local time of day (turned into an offset, rounded to half an hour), or a place: a city of the tz
database, a country with one time zone, or a few common names the database lacks. A country
with several zones ("the US") is not guessed: the person is asked for the time instead.

A zone is kept as a string: an IANA name ("Europe/London"), "UTC", or "UTC+05:30".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Dict, Optional, Tuple

import pytz

UTC = "UTC"
# Words around the answer: "I'm in London", "it's 3pm here", "my time zone is UTC+2".
FILLERS = frozenset(
    "i i'm im am in on at it it's its is here now right where my time zone timezone tz the local currently "
    "for me about around almost nearly just gone live living based from near we we're are says clock "
    "o'clock oclock thanks thank you ok okay oh um so".split()
)
_FILLER = "(?:" + "|".join(sorted(map(re.escape, FILLERS), key=len, reverse=True)) + ")"
_AROUND = rf"(?:{_FILLER}\s+)*(?P<core>.+?)(?:\s+{_FILLER})*"
_WHOLE = re.compile(rf"^{_AROUND}$")
_OFFSET = re.compile(r"^(?:utc|gmt|z)(?:\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?:[:.]?(?P<m>\d{2}))?)?$")
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>am|pm|a\.m\.?|p\.m\.?)?$")
_NAMED_TIMES = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_HALF_HOUR = 30
# Names people use that are not a tz database city or a one-zone country. US/Canadian ones
# named by their region ("eastern") are left out of the city list, which would mix the two.
ALIASES: Dict[str, str] = {
    "uk": "Europe/London", "england": "Europe/London", "scotland": "Europe/London", "wales": "Europe/London",
    "great britain": "Europe/London", "northern ireland": "Europe/London", "manchester": "Europe/London",
    "birmingham": "Europe/London", "glasgow": "Europe/London", "edinburgh": "Europe/London",
    "cardiff": "Europe/London", "liverpool": "Europe/London", "leeds": "Europe/London", "bristol": "Europe/London",
    "nyc": "America/New_York", "new york city": "America/New_York", "boston": "America/New_York",
    "washington dc": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "eastern": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "central": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "dallas": "America/Chicago",
    "houston": "America/Chicago", "mountain": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "pacific": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "la": "America/Los_Angeles", "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "montreal": "America/Toronto", "ottawa": "America/Toronto", "bst": "Europe/London", "cet": "Europe/Paris",
    "cest": "Europe/Paris", "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid", "spain": "Europe/Madrid", "portugal": "Europe/Lisbon", "milan": "Europe/Rome",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata", "ist": "Asia/Kolkata", "china": "Asia/Shanghai", "beijing": "Asia/Shanghai",
    "osaka": "Asia/Tokyo", "jst": "Asia/Tokyo", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "canberra": "Australia/Sydney", "wellington": "Pacific/Auckland", "cape town": "Africa/Johannesburg",
    "south korea": "Asia/Seoul", "north korea": "Asia/Pyongyang",
}
# A country that spans several zones: the person is asked for the time instead.
SEVERAL: Dict[str, str] = {
    "us": "the US", "usa": "the US", "america": "the US", "united states": "the US", "canada": "Canada",
    "australia": "Australia", "brazil": "Brazil", "russia": "Russia", "mexico": "Mexico",
    "indonesia": "Indonesia",
}


@dataclass(frozen=True)
class ZoneReply:
    """An answer to "what time is it where you are?": a zone, or a place with several zones."""

    zone: Optional[str]
    several: Optional[str] = None


def offset_name(minutes: int) -> str:
    """The zone string for a fixed offset from UTC: "UTC", "UTC+02:00", "UTC-05:30"."""
    if minutes == 0:
        return UTC
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _words(text: str) -> str:
    cleaned = text.lower().replace("’", "'").replace("&", "and").replace("−", "-").replace("–", "-")
    # Commas stay: "London, UK" names one place in two parts.
    cleaned = re.sub(r"[!?;()\"]+", " ", cleaned).replace(",", " , ")
    cleaned = re.sub(r"\.(?=\s|$)", " ", cleaned)
    return " ".join(cleaned.split())


def _core(text: str) -> str:
    """The message without the filler words around the answer."""
    match = _WHOLE.match(text)
    return match.group("core") if match else text


def _offset(core: str) -> Optional[int]:
    match = _OFFSET.match(core.replace(" ", ""))
    if not match:
        return None
    if not match.group("sign"):
        return 0
    hours, minutes = int(match.group("h")), int(match.group("m") or 0)
    if hours > 14 or minutes not in (0, 15, 30, 45):
        return None
    total = hours * 60 + minutes
    return total if match.group("sign") == "+" else -total


def _time_of_day(core: str) -> Optional[Tuple[int, int, Optional[str]]]:
    if core in _NAMED_TIMES:
        hour, minute = _NAMED_TIMES[core]
        return hour, minute, "24h"
    match = _TIME.match(core)
    if not match or not (match.group("ap") or match.group("m")):
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    ap = (match.group("ap") or "").replace(".", "")
    if minute > 59 or hour > 23 or (ap and not 1 <= hour <= 12):
        return None
    if ap:
        return hour % 12 + (12 if ap == "pm" else 0), minute, "24h"
    return hour, minute, None if hour <= 12 else "24h"


def _wrap(minutes: int) -> int:
    """An offset in minutes, brought into -12 h .. +12 h."""
    return (minutes + 720) % 1440 - 720


def offset_from_time(hour: int, minute: int, now: float, twelve_hour: bool) -> int:
    """The UTC offset, in minutes rounded to half an hour, of a place where it is ``hour:minute`` now.

    A 12-hour time without am or pm ("3:15") could be either: the offset closer to UTC is taken.
    """
    utc = datetime.fromtimestamp(now, timezone.utc)
    said = hour * 60 + minute
    candidates = [said, said + 12 * 60] if twelve_hour else [said]
    offsets = [_wrap(c - (utc.hour * 60 + utc.minute)) for c in candidates]
    best = min(offsets, key=abs)
    return int(round(best / _HALF_HOUR) * _HALF_HOUR)


@lru_cache(maxsize=1)
def places() -> Dict[str, str]:
    """Place names (lowercase) to zones: tz database cities and zone names, one-zone countries, aliases."""
    found: Dict[str, str] = {}
    for zone in pytz.common_timezones:
        found.setdefault(zone.lower(), zone)
        if "/" in zone and not zone.startswith(("US/", "Canada/", "Antarctica/")):
            found.setdefault(zone.rsplit("/", 1)[1].replace("_", " ").lower(), zone)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for code, name in pytz.country_names.items():
        zones = pytz.country_timezones.get(code, [])
        if not zones or len({pytz.timezone(z).utcoffset(now) for z in zones}) > 1:
            continue
        base, _, bracket = name.partition(" (")
        found.setdefault(base.lower().replace("&", "and"), zones[0])
        bracket = bracket.rstrip(")")
        if bracket.isupper():
            found.setdefault(bracket.lower(), zones[0])
    found.update(ALIASES)
    return found


def _place(words: str) -> Optional[ZoneReply]:
    whole = " ".join(words.replace(" , ", " ").split())
    for part in [_core(whole), *[_core(p.strip()) for p in words.split(" , ")]]:
        if part in SEVERAL:
            return ZoneReply(None, SEVERAL[part])
        zone = places().get(part)
        if zone is not None:
            return ZoneReply(zone)
    return None


def read_zone(text: str, now: float) -> Optional[ZoneReply]:
    """The time zone a reply gives, or None when the message is not such an answer.

    The whole message must be the answer, with filler words only ("it's 3pm here", "I'm in
    London", "UTC+2"), so "can I exercise at 3pm?" is not one.
    """
    words = _words(text)
    core = _core(" ".join(words.replace(",", " ").split()))
    if not core:
        return None
    offset = _offset(core)
    if offset is not None:
        return ZoneReply(offset_name(offset))
    time_of_day = _time_of_day(core)
    if time_of_day is not None:
        hour, minute, kind = time_of_day
        return ZoneReply(offset_name(offset_from_time(hour, minute, now, kind is None)))
    if "?" in text:
        return None
    return _place(words)


def zone_info(zone: Optional[str]) -> tzinfo:
    """The tzinfo of a stored zone string; UTC for None or one it does not know."""
    if not zone or zone == UTC:
        return timezone.utc
    fixed = re.match(r"^UTC([+-])(\d{2}):(\d{2})$", zone)
    if fixed:
        minutes = int(fixed.group(2)) * 60 + int(fixed.group(3))
        return timezone(timedelta(minutes=minutes if fixed.group(1) == "+" else -minutes))
    try:
        return pytz.timezone(zone)
    except pytz.UnknownTimeZoneError:
        return timezone.utc


def local_time(now: float, zone: Optional[str]) -> datetime:
    """``now`` (epoch seconds) as the clock reads in ``zone``."""
    return datetime.fromtimestamp(now, zone_info(zone))
