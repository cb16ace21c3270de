"""Each topic answers a plain question with its own advice, its rationale on "why?" and its source."""

import uuid

import pytest

from backcare.store import GuidanceStore
from tests.servers import Conversation, Server

# The self-care article the first entries come from has no address we may cite.
WITHOUT_URL = {"self_massage_article"}

# One everyday question per topic added with the NICE / NHS guidance, and the topic it belongs to.
QUESTIONS = [
    ("how do i pace myself with back pain so i don't overdo it", "activity"),
    ("what sort of exercise is good for a bad back", "exercise"),
    ("best way to lie in bed with a sore lower back", "sleep"),
    ("how should i lift a heavy box off the floor", "lifting"),
    ("any tips for sitting at my desk all day with back pain", "posture"),
    ("should i phone in sick with my back", "work"),
    ("how long will this back pain go on for", "outlook"),
    ("is it worth seeing a physio", "doctor"),
    ("what actually is sciatica", "sciatica"),
    ("will an mri show what's wrong with my back", "treatments"),
    ("does acupuncture help back pain", "treatments"),
    ("is paracetamol enough on its own", "medicine"),
    ("my back hurts and i'm 20 weeks pregnant, what helps", "pregnancy"),
]


@pytest.mark.parametrize(("question", "topic"), QUESTIONS)
def test_a_plain_question_gets_its_topic_with_why_and_source(
    rasa_server: Server, store: GuidanceStore, question: str, topic: str
) -> None:
    talk = Conversation(rasa_server.url, f"e2e-{uuid.uuid4().hex[:8]}")
    talk.text(question)
    [answer] = [m for m in talk.replies[-1] if (m.get("metadata") or {}).get("entry_id")]
    entry = store.get(answer["metadata"]["entry_id"])
    assert entry is not None and entry.topic.value == topic, (question, entry and entry.id)
    assert answer["text"] == entry.render()
    assert talk.text("why?") == entry.rationale.lower()
    source = store.source_of(entry)
    cited = talk.text("where is that from?")
    assert source.title.lower() in cited
    # Every source but the seed article must name its address, and the reply must say it.
    if entry.source not in WITHOUT_URL:
        assert source.url and source.url.startswith("https://"), entry.source
        assert source.url.lower() in cited
