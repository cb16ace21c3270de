"""Stage 2, answer correctness: the bot's answering entry vs the labels, and a TF-IDF search baseline."""

from __future__ import annotations

import asyncio
import csv
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from tqdm import tqdm

from backcare.ranking import GuidanceIndex
from backcare.store import GuidanceStore
from bench.client import send
from bench.common import REPO


@dataclass(frozen=True)
class Question:
    """An evaluation question and the entry ids that count as a right answer."""

    text: str
    labels: Tuple[str, ...]


@dataclass
class Answer:
    """What one system answered to one question."""

    question: str
    labels: Tuple[str, ...]
    entry_id: Optional[str]
    correct: bool
    reply: str = ""
    answer: str = ""
    asked_onset: bool = False
    seconds: float = 0.0

    def to_json(self) -> Dict[str, Any]:
        """Plain data for the results file."""
        return asdict(self)


def load_questions(path: Path) -> List[Question]:
    """Read ``question,entry_ids`` rows; ``entry_ids`` is ;-separated."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Question(row["question"].strip(), tuple(i.strip() for i in row["entry_ids"].split(";") if i.strip()))
            for row in csv.DictReader(handle)
        ]


def onset_prompt(domain: Path = REPO / "domain.yml") -> str:
    """The first sentence of the form's onset question, to spot a bot that asked instead of answering."""
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    return str(responses["utter_ask_onset"][0]["text"]).split("?")[0].lower()


def top1(answers: Sequence[Answer]) -> float:
    """Share of questions whose answering entry is one of the labels."""
    return sum(a.correct for a in answers) / max(len(answers), 1)


async def _ask_all(url: str, questions: Sequence[Question], prompt: str) -> List[Answer]:
    answers = []
    async with aiohttp.ClientSession() as session:
        for question in tqdm(questions, desc="answers (bot)", unit="q"):
            # A fresh sender per question: no earlier turn may help or hurt.
            turn = await send(session, url, f"bench-{uuid.uuid4().hex[:12]}", question.text)
            entry = turn.entry_id
            answers.append(Answer(
                question=question.text,
                labels=question.labels,
                entry_id=entry,
                correct=entry in question.labels,
                reply=turn.text if turn.ok else f"(HTTP status {turn.status})",
                answer=turn.answer,
                asked_onset=prompt in turn.text.lower(),
                seconds=turn.seconds,
            ))
    return answers


def ask_bot(url: str, questions: Sequence[Question]) -> List[Answer]:
    """Send each question as a new conversation over REST and take the entry that answered it.

    Args:
        url: Base URL of the running Rasa server.
        questions: The evaluation set.

    Returns:
        One answer per question; ``asked_onset`` marks a bot that asked when the pain started
        although the question said it (a miss).
    """
    return asyncio.run(_ask_all(url, questions, onset_prompt()))


def tfidf_baseline(store: GuidanceStore, questions: Sequence[Question]) -> List[Answer]:
    """What a FAQ page's search box would answer: the top TF-IDF hit over the same guidance store.

    Each entry's document is its question, keywords and advice; the question is matched by cosine
    similarity and the best entry is the answer. The vectorizer keeps scikit-learn's defaults, as an
    off-the-shelf search box would, rather than settings tuned on this evaluation set.

    Args:
        store: The guidance store the bot answers from.
        questions: The evaluation set.

    Returns:
        One answer per question.
    """
    entries = list(store.entries)
    documents = [" ".join([e.question, *e.keywords, e.advice]) for e in entries]
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(documents)
    similarity = cosine_similarity(vectorizer.transform([q.text for q in questions]), matrix)
    answers = []
    for question, row in zip(questions, similarity):
        best = int(row.argmax())
        entry = entries[best].id if row[best] > 0 else None
        answers.append(Answer(question.text, question.labels, entry, entry in question.labels))
    return answers


def bm25_baseline(store: GuidanceStore, questions: Sequence[Question]) -> List[Answer]:
    """The store's own BM25 over lemmas (question, keywords, advice), with no context or meaning."""
    answers = []
    for question in questions:
        hits = store.search(question.text, limit=1)
        entry = hits[0].entry.id if hits else None
        answers.append(Answer(question.text, question.labels, entry, entry in question.labels))
    return answers


def dense_baseline(index: GuidanceIndex, questions: Sequence[Question]) -> List[Answer]:
    """Pure meaning: the entry whose question or paraphrases the encoder puts nearest."""
    found = index.nearest([q.text for q in questions])
    return [Answer(q.text, q.labels, entry, entry in q.labels) for q, entry in zip(questions, found)]
