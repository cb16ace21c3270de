"""Answers about exercise."""

from actions.base import TopicAction
from backcare.store import Topic


class ActionAnswerExercise(TopicAction):
    """Answers how long and how to exercise with back pain, and which variations to try."""

    action_name = "action_answer_exercise"
    topics = (Topic.EXERCISE,)
