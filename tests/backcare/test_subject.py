"""Who a question is about, and their age (backcare/subject.py)."""

from typing import List, Optional, Tuple

import pytest

from backcare.subject import Subject, follow, named_subject, of_conversation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my dad is 72 and hurt his back", Subject("your dad", 72)),
        ("my 68-year-old mother has a bad back", Subject("your mother", 68)),
        ("my nan, 91, keeps getting backache", Subject("your nan", 91)),
        ("can my wife use a foam roller?", Subject("your wife")),
        ("my father-in-law is 60 and his back aches", Subject("your father-in-law", 60)),
        ("my 15yo daughter pulled something in her back", Subject("your daughter", 15)),
        ("what stretches would help my husband, he's sixty", Subject("your husband", 60)),
        ("my grandad's back has gone, hes 74", Subject("your grandad", 74)),
        # Ages said other ways: a relative clause, brackets, "turned", compound words, a decade.
        ("my grandma, who's 86, has put her back out", Subject("your grandma", 86)),
        ("my stepdad (64) keeps getting a stiff back", Subject("your stepdad", 64)),
        ("my aunt just turned 70 and her back is killing her", Subject("your aunt", 70)),
        ("my uncle is sixty-three and has backache", Subject("your uncle", 63)),
        ("my grandad is in his late eighties and his back hurts", Subject("your grandad", 88)),
        ("my mum is in her 60s and has sciatica", Subject("your mum", 65)),
        # A message that only names the person starts a conversation about them.
        ("asking about my nephew", Subject("your nephew")),
        ("my gran.", Subject("your gran")),
        # The person typing has the pain, or the other person is only mentioned.
        ("I hurt my back lifting my son", None),
        ("how do I pick my toddler up without hurting my back", None),
        ("my physio said to keep moving", None),
        ("my wife says I should use ice", None),
        ("should I tell my boss about my back?", None),
        ("my dad has had a bad back since his thirties", Subject("your dad")),
    ],
)
def test_named_subject(text: str, expected: Optional[Subject]) -> None:
    assert named_subject(text) == expected


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        ("can he use heat?", ("your dad", 72.0), ("your dad", 72.0)),
        ("she's 80 by the way", ("your mum", None), ("your mum", 80.0)),
        ("my son has back pain too", ("your dad", 72.0), ("your son", None)),
        ("what about me, I've got it too", ("your dad", 72.0), (None, None)),
        ("I'm 62 and my back is stiff", (None, None), (None, 62.0)),
        ("I'm 3 weeks into it", (None, None), (None, None)),
    ],
)
def test_follow_keeps_who_the_conversation_is_about(
    text: str, before: Tuple[Optional[str], Optional[float]], after: Tuple[Optional[str], Optional[float]]
) -> None:
    assert follow(text, *before) == after


def test_an_age_said_in_passing_stays_with_the_person_it_was_said_of() -> None:
    texts = ["my mum's 81 and lives on her own", "she rang to say her back hurts", "can she use a heat pad?"]
    assert of_conversation(texts) == ("your mum", 81.0)
    assert of_conversation([*texts, "what about me? I'm 40 and mine hurts too"]) == (None, 40.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An age with a number of two digits after "'s" ("my son's 24"), pet names, an age alone.
        ("my son's 24 and works in a warehouse", Subject("your son", 24)),
        ("my hubby's back has gone again", Subject("your hubby")),
        ("my other half keeps getting backache", Subject("your other half")),
        ("my 13 yr old has hurt his back", Subject("your 13-year-old", 13)),
        # "Our", "the wife", "a friend", "in law" without hyphens, an accent.
        ("our daughter is 15 and hurt her back at netball", Subject("your daughter", 15)),
        ("the wife's back is playing up again", Subject("your wife")),
        ("my mother in law is 80 and has backache", Subject("your mother-in-law", 80)),
        ("asking for a friend, he is 60 and his back hurts", Subject("your friend", 60)),
        ("my fiancé hurt his back", Subject("your fiance")),
        ("I hurt my back lifting our daughter", None),
        # Only mentioned: not yet who the advice is for.
        ("my 13 yr old plays rugby", None),
        ("my girlfriend sits at a desk all day", None),
    ],
)
def test_more_ways_of_naming_the_person_with_the_back(text: str, expected: Optional[Subject]) -> None:
    assert named_subject(text) == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # Someone mentioned first is who "he" or "she" with the pain is next.
        (["my 13 yr old plays rugby", "he came home saying his back hurts, first time ever"],
         ("your 13-year-old", 13.0)),
        (["my girlfriend sits at a desk all day", "should she get a standing desk?"], ("your girlfriend", None)),
        (["my flatmate moved house", "they want to know if a hot bath would help"], ("your flatmate", None)),
        # "She" that is not about the pain, and "they" that is people in general, change nothing.
        (["my wife says I should use ice", "is she right?"], (None, None)),
        (["my mate hurt his back", "what about me, they say rest is bad"], (None, None)),
        # The person's own back again: "without my back going" after "my son is 2".
        (["my son is 2 and wants carrying everywhere", "how do i pick him up without my back going?"], (None, None)),
        (["my dad hurt his back", "can he use heat on his back? my back is fine"], ("your dad", None)),
        # "My youngest" says which son, not someone new: the corrected age is the son's.
        (["my son is 25 and his back hurts", "sorry I mean he's 15, he's my youngest"], ("your son", 15.0)),
    ],
)
def test_who_the_conversation_is_about_over_several_turns(
    texts: List[str], expected: Tuple[Optional[str], Optional[float]]
) -> None:
    assert of_conversation(texts) == expected


def test_a_pain_in_the_neck_is_a_figure_of_speech() -> None:
    assert named_subject("my boss is a right pain in the backside, how do i ask for a new chair?") is None
    assert named_subject("my boss has a pain in his lower back") == Subject("your boss")
