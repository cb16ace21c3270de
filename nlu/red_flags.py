"""Rasa NLU component that marks every message mentioning a red-flag sign.

It runs last in the pipeline, after the classifiers and the FallbackClassifier, so a warning sign
wins over whatever intent was predicted: the message gets the intent ``red_flag_<tier>`` of the
most urgent sign with confidence 1.0, and one ``red_flag_sign`` entity per sign.

Two detectors give one verdict: the rule matcher (:mod:`nlu.triage`), precise on the phrasings
its patterns list, and the semantic matcher (:mod:`nlu.semantic`), which compares every clause
with exemplar phrasings of each sign and so catches other wordings. A sign either finds counts;
where both find it, the rule hit's narrower span is kept, and in a clause where the rules found
a sign the semantic layer may only add a more urgent one. Neither module imports Rasa.

A calm message that still speaks of a sign ("no numbness, bladder fine", "I nearly wet myself
laughing", "my sister has bladder leaks") must get its own question answered, and those clauses
pull the guidance ranking towards the warning-sign entries. So when nothing escalates, the
entries are ranked again on the rest of the message, without the clauses that mention a sign.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Text, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from backcare.english import is_question
from backcare.ranking import RANKING, GuidanceIndex, Scored
from backcare.red_flag_data import IF_AGE, Tier
from nlu import clauses
from nlu.components import UntrainedComponent
from nlu.guidance_ranker import LIMIT, get_index
from nlu.intents import set_intent
from nlu.semantic import SemanticMatcher, get_semantic
from nlu.triage import Finding, Triage, get_triage
from nlu.triage_patterns import Reading

ENTITY = "red_flag_sign"
ANSWERING_INTENTS = ("ask_guidance", "ask_medicine")
EXTRACTOR = "RedFlagDetector"
# What is left once the sign clauses are set aside must still be a question of a few words.
MIN_REST_WORDS = 3


def mark(message: Message, finding: Finding) -> None:
    """Set the red-flag intent first in the ranking and add one entity per sign found."""
    set_intent(message, finding.tier.intent)
    entities = list(message.get(ENTITIES) or [])
    for hit in finding.hits:
        entities.append(
            {
                "entity": ENTITY,
                "value": hit.sign,
                "start": hit.start,
                "end": hit.end,
                "confidence_entity": 1.0,
                "extractor": EXTRACTOR,
            }
        )
    message.set(ENTITIES, entities, add_to_output=True)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False, model_from="SpacyNLP"
)
class RedFlagDetector(UntrainedComponent):
    """Sets ``red_flag_emergency|urgent|soon`` and ``red_flag_sign`` entities on messages with warning signs.

    Messages without a sign are left exactly as the earlier components made them.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        """SpacyNLP provides the parsed Doc this component reads."""
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No settings: the signs and patterns live in guidance/safety/red_flags.yml."""
        return {}

    def __init__(
        self,
        config: Dict[Text, Any],
        triage: Optional[Triage] = None,
        semantic: Optional[SemanticMatcher] = None,
        index: Optional[Callable[[], GuidanceIndex]] = None,
    ) -> None:
        self._config = config
        # Both matchers are built when the model loads: a bad red_flags.yml or model file fails at
        # start-up, and exemplar vectors are computed once, not on a user's message.
        self._triage = triage or get_triage()
        self._semantic = semantic or get_semantic(self._triage)
        # The guidance ranker's own index, shared; only needed when a calm message is re-ranked.
        self._index = index or get_index

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Mark each message that mentions a red-flag sign; note age-bound signs said without an age."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            # SpacyNLP has already parsed the (lowercased) text; parse it here only if it has not.
            doc = message.get(SPACY_DOCS[TEXT]) or model.model(text.lower())
            if len(doc) == 0:
                continue
            reading = self._triage.read(doc)
            finding = self.find(reading)
            if finding is not None:
                mark(message, finding)
                # A see-a-doctor-soon sign is escalated and the message's own question answered
                # (actions/safety.py): that question is in the clauses that do not carry the sign,
                # or, when the sign is in the question itself ("how long does sciatica hang
                # around for?"), it is the whole message, ranked as it was.
                if finding.tier is Tier.SOON and message.get(RANKING):
                    marked = self.clauses_of(reading, finding)
                    self._rank_rest(message, reading, marked, or_none=not is_question(text))
            elif message.get(RANKING):
                self._rank_rest(message, reading)
            waiting = [s for s in self._triage.age_bound_signs(reading) if finding is None or s not in finding.signs]
            if waiting:
                message.set(IF_AGE, waiting, add_to_output=True)
                # The answering and escalating actions check them against an age said earlier, so
                # one of them must run.
                if finding is None and (message.get(INTENT) or {}).get(INTENT_NAME_KEY) not in ANSWERING_INTENTS:
                    set_intent(message, ANSWERING_INTENTS[0])
        return messages

    @staticmethod
    def clauses_of(reading: Reading, finding: Finding) -> Set[int]:
        """The clauses (by number) of every sentence that holds words of the signs found.

        Whole sentences: a sign's telling runs over clauses ("it's been 6 weeks and it's not
        getting better"), and a question is only answered when it stands apart from it.
        """
        sentences = {reading.sentence[t.i] for t in reading.source for h in finding.hits if h.start <= t.idx < h.end}
        return {reading.clause[t.i] for t in reading.source if reading.sentence[t.i] in sentences}

    def rest(self, reading: Reading, marked: Optional[Set[int]] = None) -> Optional[str]:
        """The message without its clauses that mention a sign, or None if none does or too little is left.

        A clause mentions a sign when a pattern of a sign matches in it, whether or not the
        mention counted (negated, over, someone else's, a figure of speech). Signs that need a
        duration or an age are left out: their patterns match plain talk of time ("my mattress
        is 12 years old"), which is often the question itself. ``marked``: these clauses instead.
        """
        if marked is None:
            timed = {f"sign|{s.id}" for s in self._triage.data.signs if s.min_weeks is not None or s.age is not None}
            marked = {reading.clause[start] for key, found in reading.spans.items()
                      if key.startswith("sign|") and key not in timed for _, start, _ in found}
        if not marked:
            return None
        kept = [clauses.text(reading.source, c) for n, c in enumerate(reading.clauses) if n not in marked]
        text = " ".join(t for t in kept if t)
        return text if sum(any(ch.isalpha() for ch in w) for w in text.split()) >= MIN_REST_WORDS else None

    def _rank_rest(
        self, message: Message, reading: Reading, marked: Optional[Set[int]] = None, or_none: bool = False
    ) -> None:
        """Rank the guidance entries again on :meth:`rest`; with ``or_none``, rank nothing if it is empty."""
        text = self.rest(reading, marked)
        if text is not None:
            ranking: Sequence[Scored] = self._index().rank(text, LIMIT)
            message.set(RANKING, [s.to_json() for s in ranking], add_to_output=True)
        elif or_none:
            # The whole message is the sign: no question is left to answer.
            message.set(RANKING, [], add_to_output=True)

    def detect(self, doc: Doc) -> Optional[Finding]:
        """Both layers' signs in ``doc`` and their most urgent tier, or None if neither finds one."""
        return self.find(self._triage.read(doc)) if len(doc) else None

    def find(self, reading: Reading) -> Optional[Finding]:
        """Both layers' signs in a message read by the rule matcher, as :meth:`detect`."""
        hits = self._triage.rule_hits(reading)
        found = {h.sign for h in hits}
        hits += [h for h in self._semantic.hits(reading, hits) if h.sign not in found]
        return Finding.of(hits)
