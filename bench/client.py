"""A REST client for the bench: one message, its replies and how long the round trip took."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import aiohttp


@dataclass
class Turn:
    """The replies to one message, the round-trip time and the HTTP status (0: no answer)."""

    messages: List[Dict[str, Any]]
    seconds: float
    status: int

    @property
    def ok(self) -> bool:
        """Whether the server answered 200 with a JSON list."""
        return self.status == 200

    @property
    def text(self) -> str:
        """All reply texts, joined."""
        return " ".join(str(m.get("text") or "") for m in self.messages)

    @property
    def answer(self) -> str:
        """The reply that answers: the last message naming an entry, else the last message.

        A new conversation's first reply opens with the greeting and disclaimer; this skips it.
        """
        chosen = self.messages[-1] if self.messages else {}
        for message in self.messages:
            if (message.get("metadata") or {}).get("entry_id"):
                chosen = message
        return str(chosen.get("text") or "")

    @property
    def entry_id(self) -> Optional[str]:
        """The guidance entry that answered: the last reply message that names one."""
        found = None
        for message in self.messages:
            entry = (message.get("metadata") or {}).get("entry_id")
            if entry:
                found = str(entry)
        return found


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, timeout: float = 60) -> Turn:
    """Post one message to ``<url>/webhooks/rest/webhook`` and time the full round trip.

    Args:
        session: The HTTP session (its connection pool is reused across messages).
        url: Base URL of the Rasa server.
        sender: Conversation id.
        text: The message.
        timeout: Seconds before giving up on this message.

    Returns:
        The replies; status 0 when the server could not be reached or timed out.
    """
    started = time.perf_counter()
    try:
        async with session.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            body = await response.json(content_type=None) if response.status == 200 else []
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError):
        body, status = [], 0
    return Turn(body if isinstance(body, list) else [], time.perf_counter() - started, status)
