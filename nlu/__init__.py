"""Our spaCy pipeline builder and the custom Rasa NLU components."""
