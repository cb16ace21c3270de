"""Answers to "how is your back today, 0–10?": kept in the conversation, each one schedules the next."""

import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.answer import ActionAnswerGuidance
from actions.base import pain_checkin_button
from actions.checkins import CheckinAction
from actions.pain_question import OUT_OF_RANGE, REASK
from backcare import settings
from backcare.checkins import CheckinStore
from backcare.onset import describe
from backcare.pain_scores import SETTLED, Assessment, Score, Trend, assess, read_score, scores_from_slot, show
from backcare.red_flag_data import RedFlagData, Tier, get_red_flags

NOT_ASKED = "Thanks. I keep track of pain scores when I check in with you, a few days apart."
FIRST = "Thanks, I've noted {score}. I'll ask again in about {wait}, so we can see how it changes."
BETTER = (
    "Thanks, I've noted {score}, down from {previous} last time: good to hear it's easing. Keep "
    "gently active and carry on with your usual activities as far as you can."
)
SETTLED_NOTE = ' If it has settled, say "stop check-ins" and I won\'t ask again.'
SAME = (
    "Thanks, I've noted {score} ({previous} last time). Staying gently active helps most; if it "
    "isn't improving after about 4 to 6 weeks, book a doctor or physiotherapist."
)
# What the `soon` escalation names, in place of a sign's label ("You mentioned ...").
WORSE_SIGN = "a pain score of {score}, up from {before}"
NOT_IMPROVING_SIGN = "pain scores that have not improved over {weeks} ({first} then, {score} now)"
NEXT = " I'll check in again in about {wait}."


class ActionRecordPainScore(CheckinAction):
    """Answers a score reply: keeps it in ``pain_scores``, schedules the next check-in, says the trend.

    Only while a score is wanted (``pain_question`` set by the check-in); clears it, sets
    ``pain_checkins``. Unasked, a score gets the offer of check-ins, and a message that holds no
    score ("my mum is 72") is answered as a question. A number off the scale is asked for
    again. Worse by 2 points or more, or no better after about 4 weeks, the reply is the
    red-flag ``soon`` tier's advice to book a doctor or physiotherapist; better, it says so and
    encourages staying active. A warning sign in the same message never reaches this action:
    the red-flag detector has the last word on the intent, and the question stays open for the
    next message.

    Args:
        checkins: The check-in store (default: the shared one).
        red_flags: The red-flag data whose ``soon`` wording the referral uses (default: the shared one).
        answer: What answers a message that holds no score (default: the shared answering action).
    """

    def __init__(
        self,
        checkins: Optional[CheckinStore] = None,
        red_flags: Optional[RedFlagData] = None,
        answer: Optional[ActionAnswerGuidance] = None,
    ) -> None:
        super().__init__(checkins, answer)
        self._red_flags = red_flags

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_record_pain_score"

    @property
    def red_flags(self) -> RedFlagData:
        """The red-flag data, handed in or loaded on first use."""
        if self._red_flags is None:
            self._red_flags = get_red_flags()
        return self._red_flags

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Keep the score and answer it, or ask again."""
        reading = read_score(tracker.latest_message.get("text") or "")
        if tracker.get_slot(names.PAIN_QUESTION) is None:
            # Misread by the classifier ("my mum is 72"): not a score, so answered as a question.
            if reading is None or not reading.in_range:
                return await self._answer.run(dispatcher, tracker, domain)
            offer = [] if tracker.get_slot(names.PAIN_CHECKINS) else [pain_checkin_button()]
            dispatcher.utter_message(text=NOT_ASKED, buttons=offer)
            return []
        if reading is None or not reading.in_range:
            dispatcher.utter_message(text=REASK if reading is None else OUT_OF_RANGE)
            return []
        scores = [*scores_from_slot(tracker.get_slot(names.PAIN_SCORES)), Score(reading.value, time.time())]
        days = settings.checkin_pain_days()
        self.checkins.schedule_pain_check(tracker.sender_id, days)
        self.say(dispatcher, assess(scores, self.checkins.scale), describe(days * 24))
        return [
            SlotSet(names.PAIN_SCORES, [s.to_slot() for s in scores]),
            SlotSet(names.PAIN_QUESTION, None),
            SlotSet(names.PAIN_CHECKINS, True),
        ]

    def say(self, dispatcher: CollectingDispatcher, seen: Assessment, wait: str) -> None:
        """The reply for the trend, ending with when the next check-in comes."""
        score = show(seen.latest.score)
        previous = show(seen.previous.score) if seen.previous else ""
        if seen.trend in (Trend.WORSE, Trend.NOT_IMPROVING):
            if seen.trend is Trend.WORSE:
                # Worse than the lower of the last score and the first: that is the one to name.
                before = min(seen.first.score, seen.previous.score if seen.previous else seen.first.score)
                sign = WORSE_SIGN.format(score=score, before=show(before))
            else:
                sign = NOT_IMPROVING_SIGN.format(weeks=describe(seen.weeks * 7 * 24), first=show(seen.first.score),
                                                 score=score)
            text = self.red_flags.tiers[Tier.SOON].message.format(signs=sign)
            dispatcher.utter_message(text=text + NEXT.format(wait=wait), red_flag_tier=Tier.SOON.value)
            return
        if seen.trend is Trend.FIRST:
            dispatcher.utter_message(text=FIRST.format(score=score, wait=wait))
            return
        text = (BETTER if seen.trend is Trend.BETTER else SAME).format(score=score, previous=previous)
        if seen.latest.score <= SETTLED:
            text += SETTLED_NOTE
        dispatcher.utter_message(text=text + NEXT.format(wait=wait))
