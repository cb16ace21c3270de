"""Answers about sleep."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerSleep(TopicAction):
    """Answers how to sleep with back pain, including a memory-foam topper."""

    action_name = "action_answer_sleep"
    topics = (Topic.SLEEP, Topic.EQUIPMENT)
