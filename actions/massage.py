"""Answers about self-massage."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerMassage(TopicAction):
    """Answers which muscles to massage, how hard and how long; reads body_area and equipment."""

    action_name = "action_answer_massage"
    topics = (Topic.MASSAGE, Topic.EQUIPMENT)
