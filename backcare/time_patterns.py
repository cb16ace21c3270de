"""Entity-ruler patterns for when the pain started: "yesterday", "3 days ago", "for a week"."""

from typing import Dict, List

from backcare.number_words import FUZZY_COUNTS, ONSET_UNITS, UNIT_OF, WEEKDAYS, with_plurals

# Minutes only count with "ago": "use it for 20 minutes" is a duration, not an onset.
UNITS = with_plurals(tuple(u for u in ONSET_UNITS if UNIT_OF[u] != "minute"))
ALL_UNITS = with_plurals(ONSET_UNITS)
FUZZY_COUNT = list(FUZZY_COUNTS)

# Not "right now": "should I ice it right now?" asks about now, it does not date the pain.
PHRASES = [
    "yesterday", "today", "tonight", "this morning", "this afternoon", "this evening",
    "last night", "just now", "earlier today", "day before yesterday", "the day before yesterday",
    "last week", "last month", "the other day", "over the weekend", "last weekend",
    "this week", "a while ago", "ages ago", "a while back", "an hour ago",
    "all week", "since the weekend", "the weekend before last",
    # Chat shorthand for yesterday (backcare/onset.py reads them as 24 hours).
    "yday", "yest", "yesterdy", "day before yday",
]


def onset_patterns() -> List[Dict]:
    """Patterns labelled ``onset`` for the spaCy entity ruler."""
    count = {"LIKE_NUM": True}
    patterns: List[List[Dict]] = [
        [count, {"LOWER": {"IN": ALL_UNITS}}, {"LOWER": {"IN": ["ago", "back"]}}],
        [{"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": FUZZY_COUNT}, "OP": "?"}, {"LOWER": "of", "OP": "?"},
         {"LOWER": {"IN": ALL_UNITS}}, {"LOWER": {"IN": ["ago", "back"]}}],
        [{"LOWER": {"IN": FUZZY_COUNT}}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": ALL_UNITS}},
         {"LOWER": {"IN": ["ago", "back"]}}],
        [{"LOWER": {"IN": ["for", "past", "last"]}}, count, {"LOWER": {"IN": UNITS}}],
        [{"LOWER": {"IN": ["for", "past", "last"]}}, {"LOWER": {"IN": ["a", "an", "the"]}, "OP": "?"},
         {"LOWER": {"IN": FUZZY_COUNT}, "OP": "?"}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": UNITS}}],
        # Not "one day" bare: "better one day and worse the next" names no onset.
        [{"LIKE_NUM": True, "LOWER": {"NOT_IN": ["one"]}}, {"LOWER": {"IN": UNITS}}],
        # "over a week", "more than 2 weeks", "nearly a month", "more like a week".
        [{"LOWER": {"IN": ["over", "more", "nearly", "almost", "about", "around"]}},
         {"LOWER": {"IN": ["than", "like"]}, "OP": "?"},
         {"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": UNITS}}],
        [{"LOWER": {"IN": ["since", "on", "last"]}}, {"LOWER": {"IN": WEEKDAYS}}],
    ]
    patterns += [[{"LOWER": word} for word in phrase.split()] for phrase in PHRASES]
    return [{"label": "onset", "pattern": p} for p in patterns]
