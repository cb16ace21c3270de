"""Answers about posture."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerPosture(TopicAction):
    """Answers how to sit and stand, including a towel or pillow behind the back."""

    action_name = "action_answer_posture"
    topics = (Topic.POSTURE, Topic.EQUIPMENT)
