"""Sending to Telegram (channels/telegram_output.py) without a Bot API: button payloads and their keys."""

from channels.telegram_messages import MAX_CALLBACK_DATA_BYTES
from channels.telegram_output import GuardedTelegramOutput
from tests.channels.telegram_helpers import CHAT
from tests.e2e.telegram_standin import TOKEN


async def test_a_payload_too_long_for_callback_data_travels_as_a_key() -> None:
    output = GuardedTelegramOutput(TOKEN)
    payload = '/ask_entry{"entry_id": "recovery.shower_and_bed_after_massage_and_more"}'
    key = await output.callback_data(payload, str(CHAT))
    assert len(key.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert await output.payload(key, str(CHAT)) == payload
    assert await output.callback_data("/ask_why", str(CHAT)) == "/ask_why"
    assert await output.payload("#unknown", str(CHAT)) is None
