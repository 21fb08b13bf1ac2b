"""A FAISS index of passage vectors, with a manifest that guards against misuse.

The manifest (``manifest.json`` beside the index file) records the model,
dimension, vector count, index type and build time. Loading with another model
or a different dimension is refused: vectors from two models are not
comparable, and silently mixing them would return nonsense. A missing or
unreadable index file is refused with the command that rebuilds it.

Index types, chosen by size (:func:`choose_index_type`):

- ``flat``: exact inner product (``IndexIDMap2(IndexFlatIP)``), 1.5 KB a
  vector; ~8 ms a query at 100k vectors on one core. Used while small.
- ``ivf-sq8``: inverted lists over 8-bit scalar-quantised vectors
  (``IndexIVFScalarQuantizer``), ~0.4 KB a vector, sub-millisecond queries at
  1M. ``nlist`` grows with the square root of the count and ``nprobe`` is tuned
  at build time to the smallest value whose recall@10 against exact search
  reaches :data:`TUNE_RECALL` on indexed vectors (so that new queries stay
  above :data:`TARGET_RECALL`); both are kept in the manifest.
- ``ivf-flat``: the same lists over full vectors (more memory, exact scores).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foi_search.core.errors import FoiSearchError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"
INDEX_TYPES = ("flat", "ivf-sq8", "ivf-flat")
#: Above this many vectors an index is converted from flat to IVF (a flat
#: query costs ~14 ms at 100k on one core here, ~125 ms at 1M).
IVF_THRESHOLD = 100_000
#: Kind of IVF index used above the threshold.
IVF_KIND = "ivf-sq8"
#: Recall@10 against exact search that ``nprobe`` must give real queries.
TARGET_RECALL = 0.95
#: What tuning aims for on indexed vectors: queries that are indexed vectors
#: are easier than new text, so the margin keeps real queries above the target
#: (benchmarked: tuned to 0.95 this way, fresh queries got 0.94).
TUNE_RECALL = 0.97
_REBUILD = "Run 'foi-search index --rebuild' to rebuild it."
_DEFAULT_THREADS: int | None = None
_UMASK: int | None = None


class IndexMismatch(FoiSearchError):
    """The index on disk was built differently from what is asked for."""


class IndexCorrupt(FoiSearchError):
    """The index on disk is missing a file or cannot be read."""


@dataclass
class Manifest:
    """What an index on disk holds.

    Attributes:
        model: Name of the model that made the vectors.
        dimension: Vector length.
        count: Vectors held.
        index_type: One of :data:`INDEX_TYPES`.
        built_at: When the file was written (UTC, ISO 8601).
        file: The index file's name in the folder.
        version: Manifest layout version.
        nlist: Inverted lists (IVF types only).
        nprobe: Lists searched per query (IVF types only).
        recall: Measured recall@10 against exact search at that nprobe.
        backend: What embedded the vectors last (``onnx-int8``, ``torch``).
        chunk_words: Words per chunk the passages were cut to.
        store_state: Embedding policy and fingerprint of the database when
            the index was last brought up to date (see
            :func:`foi_search.services.indexing.index_status`).
    """

    model: str
    dimension: int
    count: int = 0
    index_type: str = "flat"
    built_at: str = ""
    file: str = INDEX_FILE
    version: int = 1
    nlist: int = 0
    nprobe: int = 0
    recall: float | None = None
    backend: str = ""
    chunk_words: int = 0
    store_state: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Manifest":
        """Read a manifest, ignoring keys a later version may have added."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def choose_index_type(count: int) -> str:
    """The index type for ``count`` vectors: flat while small, IVF above the threshold."""
    return "flat" if count < IVF_THRESHOLD else IVF_KIND


def default_nlist(count: int) -> int:
    """Inverted lists for ``count`` vectors: ~2 sqrt(n), with >= 40 training points a list.

    2 sqrt(n) rather than the textbook 4 sqrt(n): k-means time grows with
    nlist squared (more lists, more training points), and on two cores 4,000
    lists at 1M vectors take minutes to train; ``nprobe`` is tuned to the
    recall target either way.
    """
    return max(1, min(int(2 * math.sqrt(max(count, 1))), count // 40))


def _set_threads(nq: int) -> None:
    """One OpenMP thread for a few queries (thread start-up costs more than it saves)."""
    import faiss

    global _DEFAULT_THREADS
    if _DEFAULT_THREADS is None:
        _DEFAULT_THREADS = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1 if nq <= 4 else _DEFAULT_THREADS)


class VectorIndex:
    """Inner-product search over unit vectors, keyed by int64 ids.

    Args:
        model: Name of the model that made the vectors.
        dimension: Vector length.
        index_type: ``flat`` for a new, empty index; IVF indexes are made by
            :meth:`to_ivf` (they must be trained on data).
    """

    def __init__(self, model: str, dimension: int, _faiss_index=None, index_type: str = "flat"):
        import faiss

        self.manifest = Manifest(model=model, dimension=dimension, index_type=index_type)
        if _faiss_index is None and index_type != "flat":
            raise ValueError("An IVF index is made from data with VectorIndex.to_ivf().")
        self._index = _faiss_index or faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @property
    def index_type(self) -> str:
        """``flat``, ``ivf-sq8`` or ``ivf-flat``."""
        return self.manifest.index_type

    @property
    def count(self) -> int:
        """Number of vectors held."""
        return int(self._index.ntotal)

    def add(self, ids: "np.ndarray", vectors: "np.ndarray", *, replace: bool = True) -> None:
        """Add vectors under the given ids.

        Args:
            ids: int64 ids, one per row.
            vectors: ``(n, dimension)`` float32 unit vectors.
            replace: Remove these ids first, so an id already present is
                replaced rather than duplicated. Pass False when the caller
                knows the ids are new: removal scans the whole index.
        """
        import numpy as np

        ids = np.asarray(ids, dtype="int64")
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if vectors.ndim != 2 or vectors.shape[1] != self.manifest.dimension:
            raise IndexMismatch(
                f"Vectors of dimension {vectors.shape[-1]} do not fit an index of dimension {self.manifest.dimension}."
            )
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors.")
        if replace:
            self.remove(ids)
        self._index.add_with_ids(vectors, ids)

    def remove(self, ids: "np.ndarray") -> int:
        """Remove ids if present; returns how many were removed."""
        import faiss
        import numpy as np

        ids = np.asarray(ids, dtype="int64")
        if not len(ids) or not self.count:
            return 0
        if self.index_type == "flat":
            return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))
        # IVF keeps a hashtable from id to list entry, which only an array selector can update.
        return int(self._index.remove_ids(faiss.IDSelectorArray(ids)))

    def search(self, vectors: "np.ndarray", k: int) -> tuple["np.ndarray", "np.ndarray"]:
        """Top-``k`` inner-product scores and ids for each query vector (-1 pads).

        Args:
            vectors: ``(nq, dimension)`` or ``(dimension,)`` float32.
            k: Results per query (capped at the vector count).

        Returns:
            ``(scores, ids)``, each ``(nq, k)``.
        """
        import numpy as np

        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if vectors.ndim == 1:
            vectors = vectors[None, :]
        k = max(1, min(k, self.count)) if self.count else 1
        _set_threads(len(vectors))
        scores, ids = self._index.search(vectors, k)
        return scores, ids

    def similarities(self, query: "np.ndarray", ids: "np.ndarray") -> "np.ndarray":
        """Inner product of one query vector with the vectors stored under ``ids``.

        For scoring known candidates (the passages of documents already
        ranked) without a top-k search that IVF would cut short. Ids not in
        the index score NaN. IVF-SQ8 scores are those of its 8-bit codes.
        """
        import numpy as np

        ids = np.asarray(ids, dtype="int64")
        query = np.asarray(query, dtype="float32").reshape(-1)
        if not len(ids):
            return np.zeros(0, dtype="float32")
        try:
            vecs = self._index.reconstruct_batch(ids)
            return vecs @ query
        except RuntimeError:  # some id is missing: score the rest one by one
            out = np.full(len(ids), np.nan, dtype="float32")
            for n, i in enumerate(ids):
                try:
                    out[n] = float(self._index.reconstruct(int(i)) @ query)
                except RuntimeError:
                    pass
            return out

    def vectors(self) -> tuple["np.ndarray", "np.ndarray"]:
        """All ``(ids, vectors)`` of a flat index (IVF-SQ8 keeps only approximations)."""
        import faiss

        if self.index_type != "flat":
            raise ValueError("Only a flat index gives its vectors back exactly.")
        inner = faiss.downcast_index(self._index.index)
        return self.ids(), inner.reconstruct_n(0, self.count)

    def ids(self) -> "np.ndarray":
        """All ids held, as int64."""
        import faiss
        import numpy as np

        if self.index_type == "flat":
            return faiss.vector_to_array(self._index.id_map).astype("int64")
        ivf = faiss.extract_index_ivf(self._index)
        invlists = ivf.invlists
        parts = []
        for lst in range(ivf.nlist):
            n = invlists.list_size(lst)
            if n:
                parts.append(faiss.rev_swig_ptr(invlists.get_ids(lst), n).copy())
        return np.concatenate(parts).astype("int64") if parts else np.zeros(0, dtype="int64")

    def memory_bytes(self) -> int:
        """Approximate bytes the index holds in memory (vectors, codes and ids)."""
        d = self.manifest.dimension
        if self.index_type == "flat":
            return self.count * (4 * d + 8 + 32)  # vectors, id_map, rev_map entry
        code = d if self.index_type == "ivf-sq8" else 4 * d
        return self.count * (code + 8) + self.manifest.nlist * 4 * d

    @classmethod
    def build(
        cls,
        model: str,
        dimension: int,
        ids: "np.ndarray",
        vectors: "np.ndarray",
        index_type: str = "auto",
        **ivf_options: Any,
    ) -> "VectorIndex":
        """A new index holding ``vectors`` under ``ids`` (type chosen by size when ``auto``)."""
        if index_type == "auto":
            index_type = choose_index_type(len(ids))
        if index_type == "flat":
            inst = cls(model, dimension)
            inst.add(ids, vectors, replace=False)
            return inst
        return cls._train_ivf(model, dimension, ids, vectors, index_type, **ivf_options)

    def to_ivf(self, kind: str = IVF_KIND, **ivf_options: Any) -> "VectorIndex":
        """The same vectors in a new, trained IVF index (this one is left as is)."""
        ids, vecs = self.vectors()
        inst = self._train_ivf(self.manifest.model, self.manifest.dimension, ids, vecs, kind, **ivf_options)
        for name in ("backend", "chunk_words", "store_state"):
            setattr(inst.manifest, name, getattr(self.manifest, name))
        return inst

    @classmethod
    def _train_ivf(
        cls,
        model: str,
        dimension: int,
        ids: "np.ndarray",
        vectors: "np.ndarray",
        kind: str,
        *,
        nlist: int | None = None,
        nprobe: int | None = None,
        target_recall: float = TUNE_RECALL,
        train_size: int | None = None,
        seed: int = 0,
    ) -> "VectorIndex":
        import faiss
        import numpy as np

        if kind not in ("ivf-sq8", "ivf-flat"):
            raise ValueError(f"Unknown IVF kind {kind!r}.")
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        ids = np.asarray(ids, dtype="int64")
        n = len(vectors)
        nlist = nlist or default_nlist(n)
        quantizer = faiss.IndexFlatIP(dimension)
        if kind == "ivf-sq8":
            raw = faiss.IndexIVFScalarQuantizer(
                quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
        else:
            raw = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        raw.own_fields = True
        quantizer.this.disown()  # the IVF index frees its quantizer
        rng = np.random.default_rng(seed)
        # k-means needs ~40 points a list; more only slows training.
        sample_n = min(n, train_size or 40 * nlist)
        sample = vectors[rng.choice(n, sample_n, replace=False)] if sample_n < n else vectors
        faiss.omp_set_num_threads(_DEFAULT_THREADS or faiss.omp_get_max_threads())
        raw.cp.niter = 10  # 25 by default; the recall-tuned nprobe makes up for rougher centroids
        raw.train(sample)
        raw.set_direct_map_type(faiss.DirectMap.Hashtable)  # id -> entry, for similarities() and removal
        raw.add_with_ids(vectors, ids)
        inst = cls(model, dimension, _faiss_index=raw, index_type=kind)
        inst.manifest.nlist = nlist
        if nprobe:
            raw.nprobe = nprobe
            inst.manifest.nprobe = nprobe
        else:
            inst.manifest.nprobe, inst.manifest.recall = inst._tune_nprobe(vectors, ids, target_recall, rng)
        return inst

    def _tune_nprobe(self, vectors, ids, target: float, rng) -> tuple[int, float]:
        """Smallest nprobe whose recall@10 against exact search reaches ``target``.

        Queries are 200 indexed vectors, each left out of its own answer (a
        vector trivially finds itself, which would flatter the recall).
        """
        import faiss
        import numpy as np

        ivf = faiss.extract_index_ivf(self._index)
        q_rows = rng.choice(len(vectors), min(200, len(vectors)), replace=False)
        queries = vectors[q_rows]
        faiss.omp_set_num_threads(_DEFAULT_THREADS or faiss.omp_get_max_threads())
        _, truth_rows = faiss.knn(queries, vectors, 11, metric=faiss.METRIC_INNER_PRODUCT)
        truth = [set([int(ids[r]) for r in row if r != q and r >= 0][:10]) for row, q in zip(truth_rows, q_rows)]
        best = (ivf.nlist, 0.0)
        nprobe = 1
        while nprobe <= ivf.nlist:
            ivf.nprobe = nprobe
            _, found = self._index.search(queries, 11)
            recall = float(np.mean([
                len(t & set([int(i) for i in row if i != ids[q]][:10])) / max(1, len(t))
                for t, row, q in zip(truth, found, q_rows)
            ]))
            if recall >= target:
                return nprobe, round(recall, 4)
            if recall > best[1]:
                best = (nprobe, recall)
            nprobe *= 2
        ivf.nprobe = best[0]
        return best[0], round(best[1], 4)

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
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the DB beside it is not
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

    def save_manifest(self, folder: str | os.PathLike) -> None:
        """Rewrite only the manifest (the index file on disk must already hold these vectors)."""
        folder = Path(folder)
        if not (folder / self.manifest.file).exists() or self.manifest.count != self.count:
            self.save(folder)
            return
        _atomic_write(folder / MANIFEST_FILE, json.dumps(asdict(self.manifest), indent=2))

    @staticmethod
    def read_manifest(folder: str | os.PathLike) -> Manifest:
        """The manifest in ``folder``.

        Raises:
            FoiSearchError: There is none.
            IndexCorrupt: It cannot be read.
        """
        folder = Path(folder)
        mpath = folder / MANIFEST_FILE
        if not mpath.exists():
            raise FoiSearchError(f"No vector index in {folder}.", "Run 'foi-search index' to build it.")
        try:
            return Manifest.from_json(json.loads(mpath.read_text()))
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorrupt(f"The vector index manifest {mpath} is unreadable ({e}).", _REBUILD) from e

    @classmethod
    def load(cls, folder: str | os.PathLike, *, model: str | None = None, dimension: int | None = None) -> "VectorIndex":
        """Read an index, refusing one built with another model or dimension.

        Raises:
            FoiSearchError: No index in ``folder``.
            IndexMismatch: The manifest disagrees with ``model``/``dimension``
                or with the index file.
            IndexCorrupt: The index file is missing or unreadable.
        """
        import faiss

        folder = Path(folder)
        manifest = cls.read_manifest(folder)
        if model and manifest.model != model:
            raise IndexMismatch(f"The index in {folder} was built with {manifest.model}, not {model}.", _REBUILD)
        if dimension and manifest.dimension != dimension:
            raise IndexMismatch(
                f"The index in {folder} has dimension {manifest.dimension}, not {dimension}.", _REBUILD
            )
        ipath = folder / manifest.file
        if not ipath.exists():
            raise IndexCorrupt(f"The vector index file {ipath} is missing.", _REBUILD)
        try:
            raw = faiss.read_index(str(ipath))
        except RuntimeError as e:
            raise IndexCorrupt(f"The vector index file {ipath} is unreadable (damaged or truncated).", _REBUILD) from e
        if raw.ntotal != manifest.count or raw.d != manifest.dimension:
            raise IndexCorrupt(f"The index in {folder} does not match its manifest.", _REBUILD)
        if manifest.index_type not in INDEX_TYPES:
            raise IndexCorrupt(f"The index in {folder} has an unknown type {manifest.index_type!r}.", _REBUILD)
        if manifest.index_type != "flat":
            ivf = faiss.extract_index_ivf(raw)
            ivf.nprobe = manifest.nprobe or 16
            if ivf.direct_map.type != faiss.DirectMap.Hashtable:
                ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        inst = cls(manifest.model, manifest.dimension, _faiss_index=raw, index_type=manifest.index_type)
        inst.manifest = manifest
        return inst


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return _UMASK


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
