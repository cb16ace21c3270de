"""The person's time zone from their answer, and their clock (backcare/time_zones.py)."""

from datetime import datetime, timezone

import pytest

from backcare.time_zones import ZoneReply, local_time, offset_name, read_zone, zone_info

pytestmark = pytest.mark.unit
# 13:07 UTC on a December day (no summer time in Europe or North America).
NOW = datetime(2026, 12, 1, 13, 7, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("UTC+2", "UTC+02:00"), ("utc +5:30", "UTC+05:30"), ("GMT-5", "UTC-05:00"), ("i'm on UTC+1", "UTC+01:00"),
        ("utc", "UTC"), ("it's 3pm", "UTC+02:00"), ("It is 3:15 pm here", "UTC+02:00"), ("08:05", "UTC-05:00"),
        ("it's 2.30pm", "UTC+01:30"), ("midnight", "UTC+11:00"), ("3:10", "UTC+02:00"),
        ("London", "Europe/London"), ("I'm in London", "Europe/London"), ("London, UK", "Europe/London"),
        ("new york", "America/New_York"), ("I live in Germany", "Europe/Berlin"), ("Berlin time", "Europe/Berlin"),
        ("Mumbai", "Asia/Kolkata"), ("Europe/Paris", "Europe/Paris"), ("Manchester, England", "Europe/London"),
    ],
)
def test_an_offset_a_time_of_day_or_a_place_gives_the_zone(text: str, zone: str) -> None:
    assert read_zone(text, NOW) == ZoneReply(zone)


@pytest.mark.parametrize(("text", "place"), [("the US", "the US"), ("I'm in Australia", "Australia")])
def test_a_country_with_several_zones_is_not_guessed(text: str, place: str) -> None:
    assert read_zone(text, NOW) == ZoneReply(None, place)


@pytest.mark.parametrize(
    "text", ["can I exercise at 3pm?", "6", "3 days ago", "heat or ice", "utc+15", "yes", "hello", "London?", ""]
)
def test_other_messages_are_not_time_zones(text: str) -> None:
    assert read_zone(text, NOW) is None


def test_stored_zones_give_the_local_clock() -> None:
    assert f"{local_time(NOW, 'Europe/London'):%H:%M}" == "13:07"
    assert f"{local_time(NOW, 'UTC+05:30'):%H:%M}" == "18:37"
    assert f"{local_time(NOW, 'America/New_York'):%H:%M}" == "08:07"
    assert zone_info("Not/AZone") is timezone.utc and zone_info(None) is timezone.utc
    assert offset_name(-330) == "UTC-05:30" and offset_name(0) == "UTC"
