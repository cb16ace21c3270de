"""Conversation ids that carry their channel, so no id sent on one channel names another's conversation.

Every channel writes into the same tracker store, keyed by the conversation id Rasa calls the
sender id. Each channel turns its own identity into ``<namespace>:<identity>``: Telegram chat 42
is ``telegram:42``, a web page's session ``web:<id>``, a REST sender ``me`` ``rest:me``. The
prefix is added to whatever the caller sent, never checked for, so a REST sender
``telegram:42`` becomes ``rest:telegram:42``, a conversation of its own.
"""

from typing import Mapping, Optional

TELEGRAM = "telegram"
WEB = "web"
REST = "rest"
NAMESPACES = (TELEGRAM, WEB, REST)
# Where scripts.migrate_sender_ids sets aside old conversations that no channel may reach again.
QUARANTINED = "quarantined"

# The namespace of each input channel name Rasa stores with a user message (``input_channel``).
# ``cmdline`` is `rasa shell`'s copy of the REST channel, which the shell used before `make shell`
# went through ours.
CHANNEL_NAMESPACES: Mapping[str, str] = {
    "telegram": TELEGRAM,
    "socketio": WEB,
    "rest": REST,
    "cmdline": REST,
}


def conversation_id(namespace: str, identity: str) -> str:
    """The conversation id of ``identity`` (a chat id, session id or sender) on one channel.

    Args:
        namespace: One of :data:`NAMESPACES`, or :data:`QUARANTINED`.
        identity: The channel's own id, taken as it is (it may itself contain ``:``).

    Returns:
        ``<namespace>:<identity>``.

    Raises:
        ValueError: ``namespace`` is none of those.
    """
    if namespace not in (*NAMESPACES, QUARANTINED):
        raise ValueError(f"Unknown conversation namespace {namespace!r}.")
    return f"{namespace}:{identity}"


def identity_in(namespace: str, conversation: str) -> Optional[str]:
    """The channel's own id inside ``conversation`` if it belongs to ``namespace``, else None.

    Args:
        namespace: One of :data:`NAMESPACES`.
        conversation: A conversation id as stored.

    Returns:
        What follows ``<namespace>:``; None for a conversation of another channel or an
        un-prefixed (pre-migration) id.
    """
    prefix = f"{namespace}:"
    if conversation.startswith(prefix) and len(conversation) > len(prefix):
        return conversation[len(prefix) :]
    return None
