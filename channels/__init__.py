"""Our input channels: Rasa's own, with checks at the edge and a reply on every turn."""
