"""Answers about seeing a doctor."""

from actions.base import TopicAction
from actions.store import Topic


class ActionAnswerDoctor(TopicAction):
    """Answers when to book a doctor or physiotherapist and what they can help with."""

    action_name = "action_answer_doctor"
    topics = (Topic.DOCTOR, Topic.PAIN)
