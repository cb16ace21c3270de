"""The other-language check (nlu/language_check.py) and its Rasa component."""

from __future__ import annotations

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.language import LanguageDetector
from nlu.language_check import looks_non_english
from tests.nlu.conftest import read_table

NLP = spacy.blank("en")


def words(text: str) -> list:
    return [t.text for t in NLP(text.lower())]


@pytest.mark.parametrize(
    "text",
    [
        "me duele mucho la espalda",
        "tengo dolor de espalda, que puedo hacer",
        "j'ai mal au dos depuis deux jours",
        "Bonjour, est-ce que la chaleur aide pour le mal de dos?",
        "ich habe seit drei Tagen Rückenschmerzen",
        "Wie lange soll ich Eis auf den Rücken legen?",
        "ho mal di schiena da tre giorni",
        "estou com dor nas costas",
        "у меня болит спина",
        "我的背很痛",
    ],
)
def test_other_languages_are_recognised(text: str) -> None:
    assert looks_non_english(words(text), text)


@pytest.mark.parametrize(
    "text",
    [
        "my bak hurts realy bad wat shud i do",
        "hw long shuld i use heet",
        "can i use a theragun on my ql",
        "whats de best stretch 4 my back",
        "i have dolor in my back",
        "lol ok thx",
        "hola",
        "gracias amigo",
        "",
    ],
)
def test_english_with_typos_and_short_messages_are_not(text: str) -> None:
    assert not looks_non_english(words(text), text)


def test_no_row_of_the_red_flag_table_reads_as_another_language() -> None:
    assert [r.text for r in read_table() if looks_non_english(words(r.text), r.text)] == []


def test_entity_ruler_words_count_as_english() -> None:
    text = "rodillo de espuma foam roller"
    assert looks_non_english(words(text), text)
    assert not looks_non_english(words(text), text, known=["rodillo", "espuma"])


def test_component_sets_non_english_first() -> None:
    model = SpacyModel(model=NLP, model_name="blank_en")
    text = "me duele la espalda desde ayer"
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": "out_of_scope", "confidence": 0.8})
    msg.set(INTENT_RANKING_KEY, [{"name": "out_of_scope", "confidence": 0.8}])
    msg.set(SPACY_DOCS[TEXT], NLP(text))
    english = Message(data={TEXT: "my back hurts"})
    english.set(INTENT, {"name": "ask_guidance", "confidence": 0.9})
    detector = LanguageDetector.create({}, None, None, None)  # type: ignore[arg-type]
    foreign, kept = detector.process([msg, english], model)
    assert foreign.get(INTENT) == {"name": "non_english", "confidence": 1.0}
    assert [r["name"] for r in foreign.get(INTENT_RANKING_KEY)] == ["non_english", "out_of_scope"]
    assert kept.get(INTENT) == {"name": "ask_guidance", "confidence": 0.9}
