"""Helpers for the search tests: fixture documents and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from foi_search.core.domain import Attachment, Document, ExemptionCitation, Message, Passage

FIXTURE = Path(__file__).parent / "fixtures" / "search" / "documents.json"


def load_fixture_documents(path: Path = FIXTURE) -> list[Document]:
    """The invented documents of tests/fixtures/search as Document records."""
    docs = []
    for d in json.loads(path.read_text()):
        d = dict(d)
        d["messages"] = [Message(**m) for m in d.get("messages", [])]
        d["passages"] = [Passage(**p) for p in d.get("passages", [])]
        d["exemptions"] = [ExemptionCitation(**e) for e in d.get("exemptions", [])]
        d["attachments"] = [Attachment(**a) for a in d.get("attachments", [])]
        docs.append(Document(**d))
    return docs


def fill_store(store, docs=None) -> list[int]:
    """Save the fixture documents; returns their ids."""
    return [store.save_document(d)[0] for d in (docs or load_fixture_documents())]


class FakeEmbedder:
    """Bag of crudely stemmed words hashed into signed buckets, unit length.

    Deterministic and instant; texts sharing words get high cosine, which is
    all the ranking tests need. Declares the real model's name so an index
    built with it is accepted.
    """

    def __init__(self):
        from index.model import DIMENSION, MODEL_NAME

        self.model_name = MODEL_NAME
        self.dimension = DIMENSION
        self.calls = 0

    def embed(self, texts):
        import numpy as np

        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z0-9]+", t.lower()):
                if len(w) < 3:
                    continue
                w = w[:6]
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0 if (h >> 20) & 1 else -1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
            else:
                out[i, 0] = 1.0
        return out
