"""The pure red-flag matcher (nlu/triage.py) on the committed table and on its edge cases."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest
from spacy.language import Language

from backcare.red_flag_data import RED_FLAGS_FILE, RedFlagDataError, Tier, get_red_flags, load_red_flags
from nlu.triage import Finding, Triage
from tests.nlu.conftest import Row, figures, read_table, record

ROWS = read_table()




def detect(triage: Triage, nlp: Language, text: str) -> Optional[Finding]:
    """Detect on a Doc made the way Rasa's SpacyNLP makes it (lowercased text)."""
    return triage.detect(nlp(text.lower()))


def test_table_has_enough_rows_for_every_tier_and_sign() -> None:
    red_flags = [r for r in ROWS if r.is_red_flag]
    assert len(red_flags) >= 90 and len(ROWS) - len(red_flags) >= 90
    assert {r.tier for r in red_flags} == {"emergency", "urgent", "soon"}
    assert {r.sign for r in red_flags} == {s.id for s in get_red_flags().signs}
    assert all(r.sign == "" for r in ROWS if not r.is_red_flag)


@pytest.mark.parametrize("row", ROWS, ids=[r.text[:60] for r in ROWS])
def test_table_row(triage: Triage, nlp: Language, row: Row) -> None:
    finding = detect(triage, nlp, row.text)
    if not row.is_red_flag:
        assert finding is None, f"escalated a near-miss: {finding}"
        return
    assert finding is not None, "missed a red flag"
    assert finding.tier.value == row.tier
    assert row.sign in finding.signs


def test_figures_on_the_table(triage: Triage, nlp: Language, request: pytest.FixtureRequest) -> None:
    predicted: List[Optional[str]] = []
    for row in ROWS:
        finding = detect(triage, nlp, row.text)
        predicted.append(finding.tier.value if finding else None)
    values = figures(ROWS, predicted)
    record(request.config, "matcher (nlu/triage.py)", values)
    assert values["recall_emergency"] == values["recall_urgent"] == 1.0
    assert values["precision"] >= 0.95


@pytest.mark.parametrize(
    ("text", "tier", "signs"),
    [
        # Typos of pattern words are read as the word.
        ("bladdder wont empty", Tier.EMERGENCY, ("urinary_retention",)),
        ("tingeling in my crotch", Tier.EMERGENCY, ("saddle_numbness",)),
        ("feaver and my back hurts", Tier.URGENT, ("fever",)),
        # The most urgent tier wins and every sign is named, in message order.
        ("i have a fever and i can't pee", Tier.EMERGENCY, ("fever", "urinary_retention")),
        # Uncertainty is not denial: when in doubt, escalate.
        ("not sure, but i think i wet myself", Tier.EMERGENCY, ("urinary_incontinence",)),
        ("no idea why but my legs are numb", Tier.EMERGENCY, ("bilateral_leg_symptoms",)),
        # A denial ends at a new clause.
        ("no fever, but i can't feel my feet", Tier.EMERGENCY, ("bilateral_leg_symptoms",)),
        # History of cancer counts however long ago; a distant past bladder problem does not.
        ("had cancer 20 years ago", Tier.URGENT, ("cancer_history",)),
        # The writer's own cancer, with a denial of something else, still counts.
        ("I had bowel cancer once, I don't have anything like that pain now", Tier.URGENT, ("cancer_history",)),
        # Weak legs after a walk are not waved off as tiredness.
        ("my legs have both gone weak since my walk this morning", Tier.EMERGENCY, ("bilateral_leg_symptoms",)),
        # Durations: four weeks or more.
        ("it's been a couple of months and no better", Tier.SOON, ("no_improvement",)),
        # A "last" season or holiday is months back, whenever it is said.
        ("sore lower back ever since last winter", Tier.SOON, ("chronic_pain",)),
        # No urge all day; not reaching the toilet; numb on both sides; worse within the day.
        ("havent needed the loo once today even though ive had 4 coffees, back is awful",
         Tier.EMERGENCY, ("urinary_retention",)),
        ("I didn't make it to the loo in time this afternoon and my back is terrible",
         Tier.EMERGENCY, ("urinary_incontinence",)),
        ("pins and needles on both sides from the hips down", Tier.EMERGENCY, ("bilateral_leg_symptoms",)),
        ("it started as a tingle at breakfast and now this evening i can't move my foot",
         Tier.EMERGENCY, ("rapid_worsening",)),
        ("feeling generally rotten and my back aches", Tier.URGENT, ("very_unwell",)),
        ("clammy and lightheaded with this back pain", Tier.URGENT, ("very_unwell",)),
        # "All over" is not "all better": the sign stands.
        ("I feel really ill and dizzy all over", Tier.URGENT, ("very_unwell",)),
        ("trying to wee but it just won't come", Tier.EMERGENCY, ("urinary_retention",)),
        # "has gone" only says it is over at the end of a clause.
        ("the pain has gone down my leg to my foot", Tier.SOON, ("leg_pain_below_knee",)),
        # Told in everyday words: hesitancy at the loo, tingling "bits", feeling rough, a year, a day one.
        ("sat on the loo for ages this morning and it took forever to get anything going", Tier.EMERGENCY,
         ("urinary_retention",)),
        ("a buzzing numb feeling round my bits since lunch", Tier.EMERGENCY, ("saddle_numbness",)),
        ("honestly feel proper rough with it, shivery too", Tier.URGENT, ("very_unwell", "fever")),
        ("my lower back has hurt on and off since 2021", Tier.SOON, ("chronic_pain",)),
        ("five weeks of physio and it's the same as day one", Tier.SOON, ("no_improvement",)),
        ("the ache runs down my thigh into my shin", Tier.SOON, ("leg_pain_below_knee",)),
    ],
)
def test_signs_found(triage: Triage, nlp: Language, text: str, tier: Tier, signs: tuple) -> None:
    finding = detect(triage, nlp, text)
    assert finding is not None and finding.tier is tier and finding.signs == signs


@pytest.mark.parametrize(
    "text",
    [
        "fever? no",
        "numbness: none",
        "i had trouble peeing years ago but it's fine now",
        "both my legs went numb in the freezing rain but theyre fine now",
        "my legs were numb after the spinal anaesthetic for my op, that was last year and fine ever since",
        "dripping with sweat after spin class, my back feels looser though",
        "my auntie had cancer, i dont, is swimming ok for my back?",
        "i get the odd twinge over the years after gardening, nothing lasting",
        "i had a fever but it went away",
        "it's been 2 weeks and no better",
        "i'm 30 and it's the first time my back hurts",
        "i lost weight without trying when i was a student",
        "i used to have sciatica down to my foot",
        "started running again since last spring and today my back twinged",
        "mum's bladder is weak since her op, my back hurts from helping her",
        "my thigh goes numb on the saddle but it's fine off the bike",
        "had a temperature last month but all better, back still sore",
        "I don't need a wee as often at night since cutting out tea",
        "my sciatica has gone now",
        # Figures of speech.
        "i nearly wet myself laughing",
        "i'm crapping myself about the scan",
        "",
        # The same words, harmless.
        "my jeans got soaked in the rain and my back is stiff",
        "I didn't know I was going to be this stiff",
        "shit, I didn't realise heat could make it worse",
        "I put a pillow between my legs when I go to sleep",
        "neither of my legs feels weak",
        "I'm sick and tired of this back",
        # Denials read clause by clause.
        "my bowels are fine, no numbness, just stiff",
        # Everyday near-misses beside a question.
        "so funny I almost peed, my back twinged though",
        "my calves are both sore after my spin class, and my back, stretches?",
        "my bum goes numb on the sofa, fine when I get up, what cushion?",
        "my thigh tingles on long drives, which goes when I stand up",
        "the toddler pooped everywhere at bath time and I hurt my back cleaning up",
        "the kids had a temperature last week, my back hurts from carrying them",
        "I'm waiting for something to come in the post and my back hurts from sitting",
        "my car skidded on ice but I stopped in time, my back is stiff from the drive",
        "I get up to pee and the pain starts and stops",
        "I could have wet myself laughing at the physio",
        # A relative's cancer, with the writer's own denied in the present tense.
        "my uncle was treated for lung cancer a while back, i don't have anything like it, can i swim?",
        # Tired legs after a long walk or ride.
        "both legs went wobbly after cycling up the hills yesterday, how do i stretch them?",
    ],
)
def test_nothing_found(triage: Triage, nlp: Language, text: str) -> None:
    assert detect(triage, nlp, text) is None


def test_hit_spans_point_at_the_words(triage: Triage, nlp: Language) -> None:
    text = "Thanks! Also I CAN'T PEE since this morning"
    finding = detect(triage, nlp, text)
    assert finding is not None
    (hit,) = finding.hits
    assert text[hit.start:hit.end] == "CAN'T PEE"


def test_detect_text_matches_detect_on_a_doc(triage: Triage, nlp: Language) -> None:
    text = "both legs going numb"
    assert triage.detect_text(text) == detect(triage, nlp, text)


def test_tier_intents_round_trip() -> None:
    for tier in Tier:
        assert Tier.from_intent(tier.intent) is tier
    assert Tier.from_intent("ask_guidance") is None
    assert [t.rank for t in (Tier.SOON, Tier.URGENT, Tier.EMERGENCY)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("tiers:\n  emergency: {message: hi, source: x}\n", "tiers"),
        ("signs:\n  - {id: Bad-Id, tier: soon, label: x, patterns: []}\n", "sign Bad-Id"),
    ],
)
def test_invalid_file_names_the_problem(tmp_path: Path, broken: str, message: str) -> None:
    path = tmp_path / "red_flags.yml"
    path.write_text(broken)
    with pytest.raises(RedFlagDataError, match=message):
        load_red_flags(path)


def test_pattern_with_unknown_word_class_is_refused(tmp_path: Path) -> None:
    text = RED_FLAGS_FILE.read_text().replace('"@numb *4 @saddle"', '"@numbb *4 @saddle"', 1)
    path = tmp_path / "red_flags.yml"
    path.write_text(text)
    with pytest.raises(RedFlagDataError, match="saddle_numbness.*@numbb"):
        load_red_flags(path)


def test_a_gap_longer_than_nine_words_is_refused(tmp_path: Path) -> None:
    text = RED_FLAGS_FILE.read_text().replace('"@numb *4 @saddle"', '"@numb *12 @saddle"', 1)
    path = tmp_path / "red_flags.yml"
    path.write_text(text)
    with pytest.raises(RedFlagDataError, match="saddle_numbness.*longer than 9"):
        load_red_flags(path)


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # Someone else's sign, told beside the writer's own milder back: background, not theirs.
        ("my brother wet himself after his crash. my own back is just stiff, can I use heat?", None),
        ("my gran has bone cancer. I only have a mild ache from gardening, which stretches?", None),
        ("our neighbour fell off his roof last month, I've just got a slight twinge myself", None),
        # Without that contrast someone may be asking for the person beside them: it escalates.
        ("my wife can't pee and her back is killing her", Tier.EMERGENCY),
        ("my son fell off a balcony, his back hurts and I just want to know what to do", Tier.EMERGENCY),
        # The writer back in the clause: "my dad says I ..." is the writer's sign.
        ("my dad says I keep wetting myself in my sleep. my own back is only a bit sore", Tier.EMERGENCY),
    ],
)
def test_someone_elses_sign(triage: Triage, nlp: Language, text: str, tier: Optional[Tier]) -> None:
    finding = detect(triage, nlp, text)
    assert (finding.tier if finding else None) is tier


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # Numbness that clears on getting up is positional.
        ("my calf goes tingly on the train and it stops when I stand up", None),
        ("a cheek of my bum goes numb on the bus, gone as soon as I get off", None),
        ("my left buttock is a bit numb after driving", None),
        ("my backside is numb and it doesn't stop when I stand", Tier.EMERGENCY),
        # "never stops" is not "it stopped".
        ("the ache never stops, day and night", Tier.URGENT),
        ("the tingling down to my ankle stopped two weeks ago", None),
        # Tired legs after a workout are not a nerve sign; numb legs are.
        ("my legs are wobbly after squats yesterday", None),
        ("both my legs are numb and weak this morning", Tier.EMERGENCY),
    ],
)
def test_positional_over_and_workout(triage: Triage, nlp: Language, text: str, tier: Optional[Tier]) -> None:
    finding = detect(triage, nlp, text)
    assert (finding.tier if finding else None) is tier


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # Descriptions of what the person noticed.
        ("whenever I feel I have to go, nothing comes out", "urinary_retention"),
        ("the patch of skin I sit on feels dead", "saddle_numbness"),
        ("can't feel a thing down there", "saddle_numbness"),
        ("I'm two dress sizes smaller and eating as much as ever", "weight_loss"),
        ("it aches from my hip right down to my heel", "leg_pain_below_knee"),
        # Wet or damp clothes, and not knowing one had gone.
        ("my undies were damp again and my back is sore", "urinary_incontinence"),
        ("I didn't realise I'd gone until I stood up", "urinary_incontinence"),
        # The bladder or bowel acting by itself.
        ("my wee trickles out by itself now", "urinary_incontinence"),
        ("my bowels open on their own", "bowel_incontinence"),
        ("I sharted and didn't notice", "bowel_incontinence"),
        # A dropped g is the -ing word.
        ("keep leakin wee since my back went", "urinary_incontinence"),
        # "Gone to sleep" told as a likeness, between the legs.
        ("between my thighs it feels like it's fallen asleep", "saddle_numbness"),
        # Both legs, said without "both legs".
        ("neither of my legs works properly since this morning", "bilateral_leg_symptoms"),
        ("my legs have been odd today, they're both numb", "bilateral_leg_symptoms"),
        ("I feel rotten all over with this back", "very_unwell"),
        ("weak and shivery, and my back aches", "very_unwell"),
        # Needing to go with nothing coming, hesitancy and a stop-start stream.
        ("got to go all the time yet nothing comes out, back hurts", "urinary_retention"),
        ("my pee starts and stops and takes ages since my back went", "urinary_retention"),
        ("I'm waiting ages for the wee to get going, lower back is sore", "urinary_retention"),
        ("my stream is really weak now and my back is killing me", "urinary_retention"),
        # A bladder accident said in two words.
        ("had a pee accident at work this morning, my back's been bad", "urinary_incontinence"),
        ("a wee accident in the car park, I didn't notice until I stood up", "urinary_incontinence"),
        # Wiping that feels of nothing.
        ("when I wipe there's no sensation at all, back pain since saturday", "saddle_numbness"),
        ("wiping my bum feels odd since this back thing", "saddle_numbness"),
        ("nothing's working down there since my back injury", "sexual_dysfunction"),
        ("my knees stopped holding me and I had to grab the wall", "legs_giving_way"),
        ("woken every single night by my back and it's agony till morning", "constant_or_night_pain"),
        ("six weeks on and my back is still as sore as the first day", "no_improvement"),
        ("nothing will come out when I try, back is shot", "urinary_retention"),
        ("I'm not sure my bladder is emptying, it always feels half full", "urinary_retention"),
        ("I keep finding skid marks I didn't notice since my back went", "bowel_incontinence"),
        ("skidded on my motorbike on a bend and went down hard", "major_trauma"),
        ("a van ploughed into us at the lights", "major_trauma"),
        ("I'm on methotrexate for my arthritis and my back has started hurting", "immune_risk"),
        # "Could" and "can" share a lemma: a figure-of-speech rule must not hide "I can wet myself".
        ("sometimes I can wet myself without even noticing now", "urinary_incontinence"),
    ],
)
def test_a_plain_word_sign_is_found(triage: Triage, nlp: Language, text: str, sign: str) -> None:
    finding = detect(triage, nlp, text)
    assert finding is not None and sign in finding.signs


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # Listed misspellings too short or too English for the typo rule.
        ("i cnt feal my feet or my legz", Tier.EMERGENCY),
        ("tingly groyne since monday", Tier.EMERGENCY),
        ("loosing control of my bladder", Tier.EMERGENCY),
        # A pet as the subject is never the writer's sign; a horse the writer fell off is.
        ("the cat wet herself on the sofa and I hurt my back cleaning it", None),
        ("I got thrown off a horse yesterday", Tier.EMERGENCY),
    ],
)
def test_misspellings_and_pets(triage: Triage, nlp: Language, text: str, tier: Optional[Tier]) -> None:
    finding = detect(triage, nlp, text)
    assert (finding.tier if finding else None) is tier


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # Someone else's sign beside any talk of the writer's own back, before or after it.
        ("my mum fell off a ladder last week and now my back hurts from helping her", None),
        ("my son pooed himself and bending to change him is hurting my back", None),
        ("my workmate's legs gave way on site; my own back is just stiff", None),
        ("my dad has cancer and lifting him hurts my back", None),
        # Told with the other person's own back pain, it escalates, unless the writer's is milder.
        ("my wife can't pee and her back is killing her, and my back hurts from lifting her", Tier.EMERGENCY),
        # The writer saying they never had it is no reason to calm the other person's sign ...
        ("my husband has gone numb in both legs and I've never had anything like that", Tier.EMERGENCY),
        # ... though a relative's past cancer with the writer's own denied is background.
        ("grandad had prostate cancer, I've never had it, which chair is best", None),
        ("my friend's husband has osteoporosis and hurt his back; I just have a normal twinge", None),
    ],
)
def test_someone_elses_sign_beside_the_writers_back(
    triage: Triage, nlp: Language, text: str, tier: Optional[Tier]
) -> None:
    finding = detect(triage, nlp, text)
    assert (finding.tier if finding else None) is tier


@pytest.mark.parametrize(
    ("text", "signs", "waiting"),
    [
        # A first-ever back pain in the words of someone passing it on, with the age said ...
        ("my dad's 71 and he says he's never had back trouble in his life until this week", ("age_onset",), []),
        # Texted without apostrophes: "hes 74" is he + s, as "he's" is he + 's.
        ("my grandad hurt his back, hes 74 and never had a bad back in his life before", ("age_onset",), []),
        # ... or left for an earlier turn to give ("my little girl is 9").
        ("she came home saying her back hurts and she's never said that before", (), ["age_onset"]),
        # "Never said that before" about something other than the back is no sign.
        ("my mum is 80, she's never said that before about yoga", (), []),
        # An age out of range keeps the sign waiting: a later turn may correct the age.
        ("my nephew is 23 and his back is hurting for the first time ever", (), ["age_onset"]),
    ],
)
def test_a_first_back_pain_told_second_hand(triage: Triage, text: str, signs: tuple, waiting: List[str]) -> None:
    finding = triage.detect_text(text)
    assert (finding.signs if finding else ()) == signs
    # What the NLU component leaves for the conversation's age to decide: the signs not found already.
    bound = triage.age_bound_signs(triage.read(triage._nlp.make_doc(text.lower())))
    assert [s for s in bound if s not in signs] == waiting
