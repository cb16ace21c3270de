"""Answers about recovery."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerRecovery(TopicAction):
    """Answers how to recover after self-massage and what over-massage feels like."""

    action_name = "action_answer_recovery"
    topics = (Topic.RECOVERY, Topic.MASSAGE)
