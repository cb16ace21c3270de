"""Escalation: what the assistant says when a message mentions a red-flag sign."""

from typing import List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import names
from actions.history import aged_signs
from backcare.red_flag_data import RedFlagData, Tier, get_red_flags


def escalate(
    dispatcher: CollectingDispatcher, tracker: Tracker, red_flags: RedFlagData, tier: Tier, signs: List[str]
) -> List[EventType]:
    """Say ``tier``'s message for ``signs`` and end any active form and pending question."""
    dispatcher.utter_message(text=red_flags.message_for(tier, signs), red_flag_tier=tier.value)
    events: List[EventType] = [ActiveLoop(None), SlotSet(names.REQUESTED_SLOT, None)]
    # A question the onset form was asking for is dropped: the escalation is the answer.
    if tracker.get_slot(names.PENDING_ENTRY) is not None:
        events.append(SlotSet(names.PENDING_ENTRY, None))
    return events


class ActionEscalate(Action):
    """Answers any message the red-flag detector marked, instead of self-care tips.

    Reads the latest message's intent (``red_flag_emergency``, ``red_flag_urgent`` or
    ``red_flag_soon``) and its ``red_flag_sign`` entities, and says that tier's message from
    ``guidance/safety/red_flags.yml``, naming the signs heard and saying it is not a doctor. It
    ends any active form (the question the form asked no longer matters) and clears
    ``requested_slot``.
    """

    def __init__(self, red_flags: Optional[RedFlagData] = None) -> None:
        self._red_flags = red_flags

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_escalate"

    @property
    def red_flags(self) -> RedFlagData:
        """The red-flag data, handed in or loaded on first use."""
        if self._red_flags is None:
            self._red_flags = get_red_flags()
        return self._red_flags

    def tier_and_signs(self, tracker: Tracker) -> Tuple[Tier, List[str]]:
        """The tier to escalate at and the sign ids heard, from the latest message.

        Without a red-flag intent (a rule or story that reached this action another way) the
        most urgent sign decides, and with no sign at all it escalates as an emergency: an
        unexplained escalation must never be the mildest one. Age-bound signs said without an
        age count when an earlier message gave one in range.
        """
        latest = tracker.latest_message or {}
        signs = [
            str(e.get("value"))
            for e in latest.get("entities", [])
            if e.get("entity") == names.RED_FLAG_SIGN and self.red_flags.sign(str(e.get("value")))
        ]
        tier = Tier.from_intent((latest.get("intent") or {}).get("name"))
        if tier is None:
            tiers = [s.tier for s in (self.red_flags.sign(i) for i in signs) if s is not None]
            tier = max(tiers, key=lambda t: t.rank, default=Tier.EMERGENCY)
        # "He's never had back pain before", when he is 77 by an earlier message.
        aged = aged_signs(tracker, self.red_flags)
        return max([tier, *(s.tier for s in aged)], key=lambda t: t.rank), signs + [s.id for s in aged]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Say the tier's message for the signs heard and end any active form."""
        tier, signs = self.tier_and_signs(tracker)
        return escalate(dispatcher, tracker, self.red_flags, tier, signs)
