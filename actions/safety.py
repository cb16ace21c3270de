"""Escalation: what the assistant says when a message mentions a red-flag sign."""

import re
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import entry_button, escalate
from actions.guidance_action import CLARIFY_BELOW, GuidanceAction
from actions.history import aged_signs
from backcare.guidance_schema import Topic
from backcare.red_flag_data import Tier

# Said between a see-a-doctor-soon message and the answer to the question the message also asked.
MEANWHILE = "Meanwhile, on what you asked:"
# A question that names who to see ("is it time to see my GP", "would a physio help") asks what a
# doctor entry answers: when to go, what they can do. Without such a word the escalation has
# already said when to see whom.
ASKS_ABOUT_CARE = re.compile(
    r"\b(doctors?|docs?|gp|physios?|physiotherap\w*|surgery|appointments?|specialists?|clinic|nurse)\b", re.I
)


class ActionEscalate(GuidanceAction):
    """Answers any message the red-flag detector marked, before (or instead of) self-care tips.

    Reads the latest message's intent (``red_flag_emergency``, ``red_flag_urgent`` or
    ``red_flag_soon``) and its ``red_flag_sign`` entities, and says that tier's message from
    ``guidance/safety/red_flags.yml``, naming the signs heard and saying it is not a doctor. It
    ends any active form (the question the form asked no longer matters) and clears
    ``requested_slot``. For a see-a-doctor-soon sign only, the self-care question the message
    also asked is answered after the escalation, when it is clear what it asks: booking an
    appointment takes days, and the person still needs to get through them. Emergency and urgent
    signs get the escalation alone, so nothing distracts from it.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_escalate"

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
            if e.get("entity") == "red_flag_sign" and self.red_flags.sign(str(e.get("value")))
        ]
        tier = Tier.from_intent((latest.get("intent") or {}).get("name"))
        if tier is None:
            tiers = [s.tier for s in (self.red_flags.sign(i) for i in signs) if s is not None]
            tier = max(tiers, key=lambda t: t.rank, default=Tier.EMERGENCY)
        # "He's never had back pain before", when he is 77 by an earlier message.
        aged = aged_signs(tracker, self.red_flags)
        return max([tier, *(s.tier for s in aged)], key=lambda t: t.rank), signs + [s.id for s in aged]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say the tier's message for the signs heard and end any active form; after a soon sign, answer too."""
        tier, signs = self.tier_and_signs(tracker)
        events = escalate(dispatcher, tracker, self.red_flags, tier, signs)
        if tier is Tier.SOON:
            events += self.answer_meanwhile(dispatcher, tracker)
        return events

    def answer_meanwhile(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Answer the message's own question after a soon escalation, if it clearly asks one.

        An answer that needs the onset, when it is not known, is offered as a button instead:
        the escalation has ended the onset form, and a question pending past it would be answered
        in place of the person's next one.
        """
        # The escalation has said when to see whom: the doctor entries would only repeat it,
        # unless the question itself asks about seeing someone.
        asks_about_care = ASKS_ABOUT_CARE.search((tracker.latest_message or {}).get("text") or "") is not None
        ranked = [(s, e) for s, e in self.ranked(tracker) if asks_about_care or e.topic is not Topic.DOCTOR]
        if not ranked or ranked[0][0] < CLARIFY_BELOW:
            return []
        best = ranked[0][1]
        if self.store.depends_on_onset(best) and self.onset_hours(tracker) is None:
            dispatcher.utter_message(text=MEANWHILE, buttons=[entry_button(best)])
            return []
        dispatcher.utter_message(text=MEANWHILE)
        return self.answer(dispatcher, tracker, best)
