"""A FAISS index of passage vectors, with a manifest that guards against misuse.

The manifest (``manifest.json`` beside ``vectors.faiss``) records the model,
dimension, vector count, index type and build time. Loading with another model
or a different dimension is refused: vectors from two models are not
comparable, and silently mixing them would return nonsense.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from foi_search.errors import FoiSearchError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"


class IndexMismatch(FoiSearchError):
    """The index on disk was built differently from what is asked for."""


@dataclass
class Manifest:
    """What an index on disk holds."""

    model: str
    dimension: int
    count: int = 0
    index_type: str = "flat"
    built_at: str = ""
    file: str = INDEX_FILE
    version: int = 1


class VectorIndex:
    """Inner-product search over unit vectors, keyed by int64 ids.

    Args:
        model: Name of the model that made the vectors.
        dimension: Vector length.
    """

    def __init__(self, model: str, dimension: int, _faiss_index=None, index_type: str = "flat"):
        import faiss

        self.manifest = Manifest(model=model, dimension=dimension, index_type=index_type)
        self._index = _faiss_index or faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @property
    def count(self) -> int:
        """Number of vectors held."""
        return int(self._index.ntotal)

    def add(self, ids: "np.ndarray", vectors: "np.ndarray") -> None:
        """Add vectors under the given ids (an id already present is replaced)."""
        import numpy as np

        ids = np.asarray(ids, dtype="int64")
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if vectors.ndim != 2 or vectors.shape[1] != self.manifest.dimension:
            raise IndexMismatch(
                f"Vectors of dimension {vectors.shape[-1]} do not fit an index of dimension {self.manifest.dimension}."
            )
        self.remove(ids)
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: "np.ndarray") -> int:
        """Remove ids if present; returns how many were removed."""
        import faiss
        import numpy as np

        ids = np.asarray(ids, dtype="int64")
        if not len(ids) or not self.count:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def search(self, vectors: "np.ndarray", k: int) -> tuple["np.ndarray", "np.ndarray"]:
        """Top-``k`` ids and inner-product scores for each query vector (-1 pads)."""
        import numpy as np

        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if vectors.ndim == 1:
            vectors = vectors[None, :]
        k = max(1, min(k, self.count)) if self.count else 1
        scores, ids = self._index.search(vectors, k)
        return scores, ids

    def save(self, folder: str | os.PathLike) -> None:
        """Write the index, then switch the manifest to it.

        The index goes to a new file and the manifest, renamed into place, is
        the commit point: a process killed at any moment leaves the previous
        manifest pointing at the previous, complete file.
        """
        import faiss

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        old_file = self.manifest.file
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="vectors.", suffix=".faiss")
        os.close(fd)
        try:
            faiss.write_index(self._index, tmp)
        except BaseException:
            os.unlink(tmp)
            raise
        self.manifest.count = self.count
        self.manifest.file = os.path.basename(tmp)
        self.manifest.built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        _atomic_write(folder / MANIFEST_FILE, json.dumps(asdict(self.manifest), indent=2))
        for stale in folder.glob("vectors*.faiss"):
            if stale.name != self.manifest.file and (stale.name == old_file or stale.name.startswith("vectors.")):
                stale.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: str | os.PathLike, *, model: str | None = None, dimension: int | None = None) -> "VectorIndex":
        """Read an index, refusing one built with another model or dimension.

        Raises:
            FoiSearchError: No index in ``folder``.
            IndexMismatch: The manifest disagrees with ``model``/``dimension``
                or with the index file.
        """
        import faiss

        folder = Path(folder)
        mpath = folder / MANIFEST_FILE
        if not mpath.exists():
            raise FoiSearchError(f"No vector index in {folder}.", "Run 'foi-search index' to build it.")
        manifest = Manifest(**json.loads(mpath.read_text()))
        ipath = folder / manifest.file
        if not ipath.exists():
            raise FoiSearchError(f"The vector index file {ipath} is missing.", "Run 'foi-search index --rebuild'.")
        rebuild = "Run 'foi-search index --rebuild' to rebuild it."
        if model and manifest.model != model:
            raise IndexMismatch(f"The index in {folder} was built with {manifest.model}, not {model}.", rebuild)
        if dimension and manifest.dimension != dimension:
            raise IndexMismatch(
                f"The index in {folder} has dimension {manifest.dimension}, not {dimension}.", rebuild
            )
        raw = faiss.read_index(str(ipath))
        if raw.ntotal != manifest.count or raw.d != manifest.dimension:
            raise IndexMismatch(f"The index in {folder} does not match its manifest.", rebuild)
        inst = cls(manifest.model, manifest.dimension, _faiss_index=raw, index_type=manifest.index_type)
        inst.manifest = manifest
        return inst

    def ids(self) -> "np.ndarray":
        """All ids held, as int64."""
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype("int64")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
