"""Evaluation against hand-judged sets: extraction (:mod:`.extraction`) and retrieval (:mod:`.retrieval`)."""
