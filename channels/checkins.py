"""Delivering check-ins from inside each Rasa server: pushed to Telegram, or with the next reply.

Every Rasa server runs one polling task (started by the REST channel, which every server of ours
has). Each tick it claims due rows of ``backcare_checkins`` (one server wins each row, see
``backcare.checkins``), sends Telegram's by ``sendMessage`` and carries out "forget me"
requests. A failed send is released for a retry after a back-off; one due in the quiet hours
of the person's time zone (the ``time_zone`` slot, UTC until they say) is put off until they
end. A sent check-in is written into the conversation as the bot's message: the 48-hour one
with ``last_entry`` set, so "why?" afterwards explains it; the pain one with ``pain_question``
set, so the reply is read as a score. Conversations that cannot be messaged unprompted (REST,
the shell, the web page) get theirs prepended to the reply to their next message.
"""

import asyncio
import logging
import time
from typing import Any, Dict, List, Optional

from rasa.shared.core.events import BotUttered, Event, SlotSet

from actions import names
from backcare import settings
from backcare.checkin_times import in_quiet_hours, quiet_hours_end
from backcare.checkins import (
    FORGET,
    HEAT_WINDOW_HOURS,
    MESSAGES,
    PAIN,
    Checkin,
    CheckinStore,
    get_checkins,
)
from backcare.guidance_loader import get_store
from backcare.store import GuidanceStore
from channels.conversation_ids import TELEGRAM, identity_in
from channels.telegram_memory import erase_chat
from channels.telegram_settings import ConfigError, TelegramSettings

logger = logging.getLogger(__name__)

INTRO = "As promised, 48 hours have now passed since your back started hurting. "
BUTTONS = [{"title": "Why?", "payload": f"/{names.ASK_WHY}"}, {"title": "Source", "payload": f"/{names.ASK_SOURCE}"}]
PAIN_TEXT = f"{names.PAIN_CHECKIN_QUESTION} {names.PAIN_SCALE}"
PAIN_BUTTONS = [{"title": "Stop check-ins", "payload": f"/{names.STOP_CHECKINS}"}]
# The delivery this server runs, for channels that hand check-ins out with the next reply.
_running: Optional["CheckinDelivery"] = None
# Every replica applies RETENTION_DAYS this often; deleting twice is harmless.
RETENTION_EVERY_SECONDS = 3600.0
# After 48 hours is a window open at 48: a message due at exactly 48 hours is said for just after.
_JUST_AFTER = HEAT_WINDOW_HOURS + 0.5


class CheckinDelivery:
    """Claims, says and records check-ins for one Rasa server.

    Args:
        checkins: The check-in store (default: the shared one on ``TRACKER_STORE_URL``).
        store: The guidance store the advice comes from (default: the shared one).
        telegram: Sends to Telegram chats; None when Telegram is off (its check-ins then wait).
    """

    def __init__(
        self,
        checkins: Optional[CheckinStore] = None,
        store: Optional[GuidanceStore] = None,
        telegram: Optional[Any] = None,
    ) -> None:
        self._checkins = checkins
        self._store = store
        self.telegram = telegram
        self._task: Optional[asyncio.Task[None]] = None
        self._agent_of: Any = lambda: None
        self._telegram_memory_of: Any = lambda: None
        self._next_retention = 0.0

    @property
    def checkins(self) -> CheckinStore:
        """The check-in store."""
        if self._checkins is None:
            self._checkins = get_checkins()
        return self._checkins

    @property
    def store(self) -> GuidanceStore:
        """The guidance store."""
        if self._store is None:
            self._store = get_store()
        return self._store

    def text(self, checkin: Checkin, now: float) -> str:
        """The pain question, or the after-48-hours advice for the pain's age now (check-in clock)."""
        if checkin.kind == PAIN:
            return PAIN_TEXT
        hours = max(_JUST_AFTER, checkin.hours_since_onset(now, self.checkins.scale))
        entry = self.store.get(names.AFTER_48H_ENTRY)
        if entry is None:
            raise LookupError(f"The guidance has no entry {names.AFTER_48H_ENTRY}.")
        return INTRO + entry.render(hours)

    def start(self, agent_of: Any, telegram_memory_of: Any = lambda: None) -> None:
        """Start polling in the running loop.

        ``agent_of()`` gives the server's current agent; ``telegram_memory_of()`` the Telegram
        connector's memory on this server, or None, so "forget me" reaches its button payloads.
        """
        global _running
        if self._task is None:
            self._agent_of = agent_of
            self._telegram_memory_of = telegram_memory_of
            self._task = asyncio.get_running_loop().create_task(self._poll(agent_of))
            _running = self

    async def stop(self) -> None:
        """Stop polling (a delivery in progress is abandoned and retried after its lease)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.telegram is not None:
            await self.telegram.close_session()

    async def _poll(self, agent_of: Any) -> None:
        while True:
            agent = agent_of()
            if agent is not None and agent.processor is not None:
                try:
                    await self.tick(agent)
                except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                    logger.exception("Check-in delivery failed; trying again at the next poll.")
            await asyncio.sleep(settings.checkin_poll_seconds())

    async def tick(self, agent: Any) -> None:
        """Carry out due erasures and the retention rule, then push due Telegram check-ins."""
        if time.monotonic() >= self._next_retention:
            self._next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
            await self.retain(agent, time.time())
        for request in await asyncio.to_thread(self.checkins.claim_due, kind=FORGET):
            await self.forget(agent, request)
        if self.telegram is None:
            return
        quiet = settings.checkin_quiet_hours()
        for checkin in await asyncio.to_thread(self.checkins.claim_due, f"{TELEGRAM}:", kind=MESSAGES):
            # Quiet hours hold unprompted messages back; one due in them goes out when they end.
            if quiet is not None:
                now, zone = time.time(), await self.zone_of(agent, checkin.sender_id)
                if in_quiet_hours(now, quiet, zone):
                    await asyncio.to_thread(self.checkins.postpone, checkin, quiet_hours_end(now, quiet, zone))
                    continue
            await self.push(agent, checkin)

    @staticmethod
    async def zone_of(agent: Any, sender_id: str) -> Optional[str]:
        """The person's time zone as the conversation keeps it; None (UTC) until they say it."""
        tracker = await agent.processor.get_tracker(sender_id)
        zone = tracker.get_slot(names.TIME_ZONE)
        return str(zone) if zone else None

    async def retain(self, agent: Any, now: float) -> int:
        """Erase conversations idle for longer than ``RETENTION_DAYS``; how many were erased."""
        days = settings.retention_days()
        if not days:
            return 0
        cutoff = now - days * 86400.0
        erased = 0
        for sender_id in await asyncio.to_thread(self.checkins.idle_conversations, cutoff):
            async with agent.lock_store.lock(sender_id):
                erased += await asyncio.to_thread(self.checkins.erase_if_idle, sender_id, cutoff)
        if erased:
            logger.info("Erased %d conversations idle for more than %g days.", erased, days)
        return erased

    async def forget(self, agent: Any, request: Checkin) -> None:
        """Erase a conversation once no turn of it runs (the lock waits for the turn that asked)."""
        async with agent.lock_store.lock(request.sender_id):
            await asyncio.to_thread(self.checkins.erase, request.sender_id)
        chat = identity_in(TELEGRAM, request.sender_id)
        if chat is not None:
            # Its long button payloads (which may quote the person): this server's Telegram
            # connector, if it has one, and the Redis the replicas share.
            memory = self._telegram_memory_of()
            if memory is not None:
                await memory.forget_chat(chat)
            else:
                await erase_chat(agent.lock_store, chat)
        await asyncio.to_thread(self.checkins.forget_done, request)
        logger.info("Erased a conversation on request.")

    async def push(self, agent: Any, checkin: Checkin) -> None:
        """Send one claimed Telegram check-in; on failure release it for a retry after a back-off."""
        text = self.text(checkin, time.time())
        if self.telegram is None:
            return
        # The conversation stays locked from the send until the check-in is in it: a reply typed
        # the moment it arrives waits for the lock, so it is read as an answer to the check-in.
        async with agent.lock_store.lock(checkin.sender_id):
            try:
                await self.telegram.send_text_with_buttons(checkin.sender_id, text, buttons_for(checkin))
            except Exception:  # noqa: BLE001 - Telegram down or refusing: retry later, never drop
                delay = await asyncio.to_thread(self.checkins.failed, checkin)
                logger.warning("Could not send check-in %s to Telegram; retrying in %.0f s.", checkin.id, delay)
                return
            # Marked before it is written into the conversation: a failure there must not send it twice.
            await asyncio.to_thread(self.checkins.delivered, checkin)
            await self.write(agent, checkin, text)

    async def due_replies(self, agent: Any, sender_id: str) -> List[Dict[str, Any]]:
        """Claim the conversation's due check-ins and return them as replies to prepend."""
        replies = []
        for checkin in await asyncio.to_thread(self.checkins.claim_due, sender_id=sender_id, kind=MESSAGES):
            text = self.text(checkin, time.time())
            await asyncio.to_thread(self.checkins.delivered, checkin)
            await self.record(agent, checkin, text)
            metadata = {} if checkin.kind == PAIN else {"metadata": {"entry_id": names.AFTER_48H_ENTRY}}
            replies.append({"text": text, "buttons": buttons_for(checkin), **metadata})
        return replies

    async def due_replies_now(self, sender_id: str) -> List[Dict[str, Any]]:
        """``due_replies`` with this server's agent; [] before the model is loaded or on a failure.

        A failure must not cost the turn its reply; the check-in then stays for the next message.
        """
        agent = self._agent_of()
        if agent is None or agent.processor is None:
            return []
        try:
            return await self.due_replies(agent, sender_id)
        except Exception:  # noqa: BLE001 - the turn itself must still be answered
            logger.exception("Could not read a conversation's due check-ins.")
            return []

    def events(self, checkin: Checkin, text: str) -> List[Event]:
        """The check-in as the bot's message, and the slots that make sense of the reply to it."""
        if checkin.kind == PAIN:
            # Set: the next reply is read as the score (actions/pain_scores.py).
            return [
                BotUttered(text, {"buttons": PAIN_BUTTONS}, {"checkin": checkin.id, "checkin_kind": PAIN}),
                SlotSet(names.PAIN_QUESTION, time.time()),
            ]
        hours = round(max(_JUST_AFTER, checkin.hours_since_onset(time.time(), self.checkins.scale)))
        return [
            BotUttered(text, {"buttons": BUTTONS}, {"entry_id": names.AFTER_48H_ENTRY, "checkin": checkin.id}),
            SlotSet(names.LAST_ENTRY, names.AFTER_48H_ENTRY),
            # The pain's age on the check-in clock, so later answers fit the time that passed.
            SlotSet(names.ONSET, f"{hours} hours ago"),
        ]

    async def record(self, agent: Any, checkin: Checkin, text: str) -> None:
        """Write the check-in into the conversation, holding the conversation's lock."""
        async with agent.lock_store.lock(checkin.sender_id):
            await self.write(agent, checkin, text)

    async def write(self, agent: Any, checkin: Checkin, text: str) -> None:
        """Write the check-in into the conversation as the bot's message, with its slots.

        The caller holds the conversation's lock.
        """
        events = self.events(checkin, text)
        try:
            tracker = await agent.processor.get_tracker(checkin.sender_id)
            if checkin.kind != PAIN:
                said = [e for e in tracker.get_slot(names.SAID_ENTRIES) or [] if e != names.AFTER_48H_ENTRY]
                events.append(SlotSet(names.SAID_ENTRIES, [*said, names.AFTER_48H_ENTRY]))
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)
        except Exception:  # noqa: BLE001 - it was delivered: log, never send it again
            logger.exception("Check-in %s was delivered but could not be written into its conversation.", checkin.id)


def buttons_for(checkin: Checkin) -> List[Dict[str, Any]]:
    """The quick replies under a check-in: why and source for the heat one, stop for the pain one."""
    return PAIN_BUTTONS if checkin.kind == PAIN else BUTTONS


def running() -> Optional[CheckinDelivery]:
    """The check-in delivery this server runs, once the server has started."""
    return _running


def telegram_output() -> Optional[Any]:
    """A Telegram sender from the ``TELEGRAM_*`` settings, or None when Telegram is off."""
    try:
        telegram = TelegramSettings.load(settings.telegram_environ())
    except ConfigError:
        return None
    # Imported here: channels.telegram_output pulls in aiogram, which servers without Telegram never need.
    from channels.telegram_output import GuardedTelegramOutput

    return GuardedTelegramOutput(telegram.token, telegram.api_url)
