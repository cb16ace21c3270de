"""What the Telegram connector's tests share: a chat, complete settings, a message update."""

from typing import Any, Dict

from tests.e2e.telegram_standin import SECRET, TOKEN, WEBHOOK_URL

CHAT = 4242

GOOD_ENV = {
    "TELEGRAM_TOKEN": TOKEN,
    "TELEGRAM_SECRET_TOKEN": SECRET,
    "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
}


def message(**fields: Any) -> Dict[str, Any]:
    return {
        "message_id": 7,
        "from": {"id": CHAT, "is_bot": False, "first_name": "Sam"},
        "chat": {"id": CHAT, "type": "private", "first_name": "Sam"},
        "date": 1700000000,
        **fields,
    }

