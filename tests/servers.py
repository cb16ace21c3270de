"""What the end-to-end tests use to start servers: the launcher's (scripts/servers.py), plus a REST chat.

The servers start exactly as ``make`` starts them; ``base_env`` is the launcher's private stack
(its own SQLite store in a folder, loopback, no REST token or HTTP API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

import requests

from scripts.servers import MODEL, REPO, Server, free_port, start_actions, start_rasa, wait_for
from scripts.servers import private_env as base_env

__all__ = ["MODEL", "REPO", "Conversation", "Server", "base_env", "free_port", "start_actions", "start_rasa",
           "wait_for"]


@dataclass
class Conversation:
    """One sender talking to the bot over REST."""

    url: str
    sender: str
    replies: List[List[dict]] = field(default_factory=list)

    def say(self, text: str) -> List[dict]:
        """Send ``text`` and return the bot's messages for that turn."""
        reply = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, timeout=60
        )
        reply.raise_for_status()
        self.replies.append(reply.json())
        return self.replies[-1]

    def text(self, text: str) -> str:
        """Send ``text`` and return the bot's reply texts joined, lowercased."""
        return " ".join(m.get("text", "") for m in self.say(text)).lower()
