"""Every path that names a guidance entry, for every entry and every state of the onset.

What a person must never see: a raw ``{placeholder}``, or advice that depends on when the pain
started (an entry with an onset window) when the bot does not know when it started, or when it
started outside that window.
"""

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerGuidance
from actions.followups import ActionAnswerEntry, ActionTellMore
from backcare.onset import hours_since
from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from tests.conftest import make_tracker

# No onset asked yet, "not sure", inside the first 48 hours, well after them.
ONSETS: List[Dict[str, Any]] = [{}, {"onset": "unknown"}, {"onset": "this morning"}, {"onset": "5 days ago"}]


def check_replies(store: GuidanceStore, dispatcher: CollectingDispatcher, slots: Dict[str, Any]) -> int:
    """Check every message the action sent; return how many there were (none checked proves nothing).

    Not every entry says something: one with an onset window waits for the onset form.
    """
    hours: Optional[float] = hours_since(slots.get("onset"))
    for message in dispatcher.messages:
        text = message.get("text") or ""
        assert "{" not in text and "}" not in text, text
        for button in message.get("buttons") or []:
            assert "{onset" not in button["title"]
        entry = store.get(message.get("entry_id") or "")
        if entry is not None and entry.applies_to.hours_since_onset is not None:
            assert hours is not None, f"{entry.id} said with onset {slots.get('onset')!r}: {text}"
            assert entry.applies_to.hours_since_onset.contains(hours), f"{entry.id} said for {hours} h"
    return len(dispatcher.messages)


@pytest.mark.parametrize("slots", ONSETS, ids=["never-asked", "not-sure", "6h", "5d"])
async def test_a_button_payload_never_says_advice_for_an_unknown_onset(
    store: GuidanceStore, domain: Dict[str, Any], slots: Dict[str, Any]
) -> None:
    checked = 0
    for entry in store.entries:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(f'/ask_entry{{"entry_id": "{entry.id}"}}', "ask_entry", [("entry_id", entry.id)], slots)
        await ActionAnswerEntry(store).run(dispatcher, tracker, domain)
        checked += check_replies(store, dispatcher, slots)
    assert checked >= len(store.entries) // 2


@pytest.mark.parametrize("slots", ONSETS, ids=["never-asked", "not-sure", "6h", "5d"])
async def test_tell_me_more_never_says_advice_for_an_unknown_onset(
    store: GuidanceStore, domain: Dict[str, Any], slots: Dict[str, Any]
) -> None:
    checked = 0
    for entry in store.entries:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("tell me more", "ask_more", slots={**slots, "last_entry": entry.id})
        await ActionTellMore(store).run(dispatcher, tracker, domain)
        checked += check_replies(store, dispatcher, slots)
    assert checked >= len(store.entries) // 2


@pytest.mark.parametrize("slots", ONSETS, ids=["never-asked", "not-sure", "6h", "5d"])
async def test_a_direct_question_never_says_advice_for_an_unknown_onset(
    store: GuidanceStore, index: GuidanceIndex, domain: Dict[str, Any], slots: Dict[str, Any]
) -> None:
    checked = 0
    for entry in store.entries:
        for text in (entry.question, *entry.paraphrases[:2]):
            dispatcher = CollectingDispatcher()
            tracker = make_tracker(text, "ask_guidance", slots=slots, index=index)
            await ActionAnswerGuidance(store).run(dispatcher, tracker, domain)
            checked += check_replies(store, dispatcher, slots)
    assert checked >= len(store.entries) // 2
