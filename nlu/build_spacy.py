"""Build the spaCy pipeline Rasa loads: blank English, lookup lemmatizer and an entity ruler.

No pretrained pipeline can be downloaded here, so the project builds its own. The entity
ruler's patterns come from the guidance store's vocabulary, so the words the bot recognises
are exactly the words the store can answer about.

Usage: ``python -m nlu.build_spacy [OUTPUT_DIR]`` (default ``spacy_model``).
"""

import sys
from pathlib import Path
from typing import Dict, List

import spacy
import yaml
from spacy.language import Language
from spacy.pipeline import EntityRuler

from backcare import settings
from backcare.guidance_schema import KINDS
from backcare.time_patterns import onset_patterns


def vocabulary_patterns(nlp: Language, vocabulary: Dict[str, Dict[str, List[str]]]) -> List[Dict]:
    """Patterns for each vocabulary word, matched on lowercase text and on lemmas (plurals)."""
    patterns = []
    for kind in KINDS:
        for canonical, words in vocabulary[kind].items():
            for phrase in {canonical.replace("_", " "), *words}:
                doc = nlp(phrase.lower())
                patterns.append({"label": kind, "pattern": [{"LOWER": t.lower_} for t in doc], "id": canonical})
                patterns.append({"label": kind, "pattern": [{"LEMMA": t.lemma_} for t in doc], "id": canonical})
    return patterns


def build(vocabulary_file: Path) -> Language:
    """A blank English pipeline with a lookup lemmatizer and our entity ruler."""
    vocabulary = yaml.safe_load(vocabulary_file.read_text(encoding="utf-8"))
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # initialize() loads the lookup tables from spacy-lookups-data; it would also clear ruler
    # patterns, which is why the ruler is added and filled afterwards.
    nlp.initialize()
    patterns = vocabulary_patterns(nlp, vocabulary) + onset_patterns()
    ruler = nlp.add_pipe("entity_ruler")
    assert isinstance(ruler, EntityRuler)
    ruler.add_patterns(patterns)
    return nlp


def main(argv: List[str]) -> None:
    """Build the pipeline and save it to disk."""
    out = Path(argv[1]) if len(argv) > 1 else settings.REPO_ROOT / "spacy_model"
    nlp = build(settings.guidance_dir() / "vocabulary.yml")
    nlp.to_disk(out)
    print(f"spaCy pipeline saved to {out}")


if __name__ == "__main__":
    main(sys.argv)
