"""Answers about lower-back pain in general."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerPain(TopicAction):
    """Answers what ordinary lower-back pain is and what helps, never what someone has."""

    action_name = "action_answer_pain"
    topics = (Topic.PAIN, Topic.DOCTOR)
