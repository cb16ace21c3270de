"""The Telegram connector's pure parts (channels/telegram_messages.py): splitting, the secret check,
reading updates, which chat a reply goes to."""

from typing import Any, Dict, List, Optional

import pytest

from channels.telegram_messages import Incoming, chat_of, read_update, secret_matches, split_message, telegram_length
from tests.channels.telegram_helpers import CHAT, message
from tests.e2e.telegram_standin import SECRET

# --- splitting -------------------------------------------------------------------------------


def paragraph(n: int, words: int = 60) -> str:
    return " ".join(f"p{n}w{i}" for i in range(words)) + "."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short answer.", ["Short answer."]),
        ("  padded  \n", ["padded"]),
        ("", []),
        (" \n\n ", []),
        ("x" * 4096, ["x" * 4096]),
    ],
)
def test_texts_that_fit_are_sent_as_they_are(text: str, expected: List[str]) -> None:
    assert split_message(text) == expected


def test_a_6000_character_answer_splits_at_a_paragraph_break() -> None:
    paragraphs = [paragraph(n) for n in range(20)]
    text = "\n\n".join(paragraphs)
    assert 6000 < len(text) < 8192

    chunks = split_message(text)

    assert len(chunks) == 2
    assert all(telegram_length(c) <= 4096 for c in chunks)
    # Whole paragraphs in each message, none lost or cut.
    assert "\n\n".join(chunks) == text
    assert all(c.endswith(".") for c in chunks)


def test_without_paragraphs_it_splits_after_a_sentence() -> None:
    sentences = [f"Sentence number {i} says something useful about backs." for i in range(120)]
    text = " ".join(sentences)

    chunks = split_message(text, limit=1000)

    assert all(len(c) <= 1000 and c.endswith("backs.") for c in chunks)
    assert " ".join(chunks) == text


def test_a_paragraph_break_early_in_the_chunk_does_not_make_a_short_message() -> None:
    text = "Intro.\n\n" + " ".join(f"Point {i} is here." for i in range(200))

    chunks = split_message(text, limit=500)

    assert len(chunks[0]) > 250
    assert all(len(c) <= 500 for c in chunks)


def test_text_without_any_break_is_cut_at_the_limit() -> None:
    assert split_message("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]


def test_length_is_counted_as_telegram_does_in_utf16_units() -> None:
    text = "\N{SMILING FACE WITH SMILING EYES}" * 3000  # 6000 UTF-16 units, 3000 characters
    chunks = split_message(text)
    assert [telegram_length(c) for c in chunks] == [4096, 6000 - 4096]
    assert "".join(chunks) == text


# --- secret ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "ok"),
    [
        (SECRET, True),
        (None, False),
        ("", False),
        (SECRET + "x", False),
        (SECRET[:-1], False),
        (SECRET.upper(), False),
        ("ünïcödé", False),
    ],
)
def test_only_the_exact_secret_matches(received: Optional[str], ok: bool) -> None:
    assert secret_matches(SECRET, received) is ok


# --- reading updates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"message": message(text="heat or ice?")}, Incoming(str(CHAT), "heat or ice?")),
        ({"edited_message": message(text="heat or ice??", edit_date=1700000100)},
         Incoming(str(CHAT), "heat or ice??")),
        ({"message": message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])},
         Incoming(str(CHAT), "/greet")),
        ({"message": message(text="/start@backcare_bot")}, Incoming(str(CHAT), "/greet")),
        ({"message": message(text="/help")}, Incoming(str(CHAT), "/ask_capabilities")),
        # Typed intents are read as words, not run: only the bot's own buttons carry intents.
        ({"message": message(text='/inform_onset{"onset": "today"}')},
         Incoming(str(CHAT), 'inform_onset{"onset": "today"}')),
        ({"message": message(sticker={"file_id": "s", "emoji": "👍"})}, Incoming(str(CHAT), None)),
        ({"message": message(photo=[{"file_id": "p", "width": 90, "height": 90}], caption="my back")},
         Incoming(str(CHAT), None)),
        ({"message": message(voice={"file_id": "v", "duration": 3})}, Incoming(str(CHAT), None)),
        ({"message": message(new_chat_members=[{"id": 1, "is_bot": False, "first_name": "A"}])}, None),
        ({"my_chat_member": {"chat": {"id": CHAT}}}, None),
        ({"message": {"text": "no chat"}}, None),
        ({"callback_query": {"id": "cb1", "from": {"id": CHAT}, "data": "/ask_why",
                             "message": message(text="Advice", reply_markup={"inline_keyboard": [
                                 [{"text": "Why?", "callback_data": "/ask_why"}]]})}},
         Incoming(str(CHAT), "/ask_why", "cb1", "Why?")),
        ({"callback_query": {"id": "cb2", "from": {"id": CHAT}, "data": "/ask_why"}},
         Incoming(str(CHAT), "/ask_why", "cb2", None)),
    ],
)
def test_updates_are_read_as_what_they_ask(update: Dict[str, Any], expected: Optional[Incoming]) -> None:
    assert read_update({"update_id": 1, **update}) == expected


@pytest.mark.parametrize(
    ("recipient", "chat"),
    [(f"telegram:{CHAT}", str(CHAT)), ("telegram:-1001234", "-1001234"), (CHAT, str(CHAT)), (str(CHAT), str(CHAT)),
     (f"rest:{CHAT}", None), (f"web:{CHAT}", None), (f"rest:telegram:{CHAT}", None), ("telegram:", None),
     (f"telegram:{CHAT}\n", None), ("telegram:rest:1", None)],
)
def test_replies_go_only_to_telegram_chats(recipient: Any, chat: Optional[str]) -> None:
    assert chat_of(recipient) == chat
