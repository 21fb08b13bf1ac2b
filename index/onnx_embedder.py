"""The fast embedder: the packaged MiniLM as an int8 ONNX graph on onnxruntime.

The model is exported once from the packaged sentence-transformers folder
(``torch.onnx.export`` of the transformer with mean pooling and L2
normalisation inside the graph), then its weight MatMuls are quantised to int8
per output channel with ``onnxruntime.quantization.quantize_dynamic``. The
result (~60 MB) goes to the user cache, ``<user_cache_dir>/foi-search/onnx/<key>/``,
where ``<key>`` hashes the recipe and the model files, so a model or recipe
change makes a new export rather than reusing a stale one.

Why this recipe: per-channel MatMul-only quantisation keeps cosine to the torch
vectors at ~0.99 (mean) while cutting CPU time by ~1/3; quantising every op
per tensor drops cosine to ~0.96. Most of the remaining error comes from the
feed-forward output projections, whose inputs (GELU outputs) have the widest
range; keeping the first layer's one in float lifts the mean cosine from
~0.990 to ~0.992 for ~3% of the time (keeping all six: ~0.994 for ~20%).
The ``sentence-transformers[onnx]`` extra is not used: its optimum pins
downgrade transformers.

Only the export needs torch and transformers; once the cache holds the model,
embedding imports onnxruntime, tokenizers and numpy and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from foi_search.core.errors import FoiSearchError

from index.model import DIMENSION, MODEL_NAME

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: Bump when the export or quantisation changes: it is part of the cache key.
RECIPE = (
    "minilm-onnx-int8-v2 (opset 17, mean pooling + L2 in graph, quantize_dynamic per-channel MatMul QInt8, "
    "first FFN output MatMul kept in float)"
)
#: Word pieces read per text, as sentence-transformers does for this model.
MAX_TOKENS = 256
ONNX_FILE = "model.int8.onnx"
#: The same graph after onnxruntime's (portable, "extended") graph optimisations:
#: loading it skips that work, ~1/3 of session start-up.
OPTIMISED_FILE = "model.int8.opt.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
#: Environment variable that moves the cache (tests, read-only homes).
ENV_CACHE = "FOI_SEARCH_CACHE_DIR"

_EXPORT_LOCK = threading.Lock()

# Fixed sentences the export checks itself on (cosine to torch recorded in meta.json).
_CHECK_TEXTS = (
    "Please provide the number of parking fines issued in 2023, broken down by month.",
    "The council considers that section 40(2) applies because the information is personal data.",
    "We do not hold the information you requested.",
)


def cache_root() -> Path:
    """Folder of exported models: ``$FOI_SEARCH_CACHE_DIR/onnx``, else the user cache."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser() / "onnx"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("foi-search", appauthor=False)) / "onnx"


def model_key(model_path: str | os.PathLike) -> str:
    """Cache key: the recipe plus the model's configuration, tokenizer and weight size."""
    p = Path(model_path)
    h = hashlib.sha256(RECIPE.encode())
    for name in ("config.json", TOKENIZER_FILE, "sentence_bert_config.json", "1_Pooling/config.json"):
        f = p / name
        if f.exists():
            h.update(name.encode())
            h.update(f.read_bytes())
    for name in ("model.safetensors", "pytorch_model.bin"):
        f = p / name
        if f.exists():
            h.update(f"{name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:16]


def cached_model_dir(model_path: str | os.PathLike | None = None) -> Path:
    """Where the export of ``model_path`` (default: the packaged model) lives, whether or not it exists yet."""
    from index.model import packaged_model_path

    return cache_root() / model_key(model_path or packaged_model_path())


def is_exported(model_path: str | os.PathLike | None = None) -> bool:
    """Whether the int8 ONNX model is already in the cache."""
    return (cached_model_dir(model_path) / META_FILE).exists()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the atomic rename still protects the cache
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_onnx_model(
    model_path: str | os.PathLike | None = None, *, notify: Callable[[str], None] | None = None
) -> Path:
    """The cached int8 ONNX model folder, exporting it first if needed.

    Concurrent callers (threads or processes) export once: the export is
    written to a temporary folder and renamed into place, under a lock.

    Args:
        model_path: A sentence-transformers model folder; defaults to the packaged one.
        notify: Told, in one line, when a (slow, one-off) export starts.

    Returns:
        The folder holding ``model.int8.onnx``, ``tokenizer.json`` and ``meta.json``.

    Raises:
        FoiSearchError: The cache folder cannot be written, or the export failed.
    """
    from index.model import packaged_model_path

    model_path = Path(model_path or packaged_model_path())
    root = cache_root()
    final = root / model_key(model_path)
    if (final / META_FILE).exists():
        return final
    with _EXPORT_LOCK:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FoiSearchError(
                f"Cannot create the model cache {root}: {e.strerror}.",
                f"Set {ENV_CACHE} to a writable folder, or use --backend torch.",
            ) from e
        with _file_lock(root / f".{final.name}.lock"):
            if (final / META_FILE).exists():
                return final
            if notify:
                notify("Exporting the embedding model to ONNX int8 (once, about a minute)...")
            tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{final.name}.tmp-"))
            try:
                export_onnx(model_path, tmp)
                if final.exists():  # a half-written folder from an older, crashed version
                    shutil.rmtree(final)
                os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model is not secret
                os.rename(tmp, final)
            except FoiSearchError:
                raise
            except Exception as e:
                raise FoiSearchError(
                    f"Could not export the embedding model to ONNX: {type(e).__name__}: {e}.",
                    "Use --backend torch, or report this with --debug output.",
                ) from e
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
    return final


def export_onnx(model_path: str | os.PathLike, out_dir: str | os.PathLike) -> dict:
    """Export and quantise the model into ``out_dir`` (needs torch and transformers).

    ``meta.json`` is written last, so a folder without it is incomplete.

    Returns:
        The metadata written, including the cosine of the int8 vectors to the
        torch ones on a few fixed sentences.
    """
    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, logging as hf_logging

    model_path, out_dir = Path(model_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_path)).eval()

    class MeanPooled(torch.nn.Module):
        """Transformer + attention-masked mean pooling + L2 norm, as sentence-transformers does."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    wrapped = MeanPooled(model).eval()
    tokenizer = _tokenizer(model_path / TOKENIZER_FILE, MAX_TOKENS)
    ids, mask = _pad([e.ids for e in tokenizer.encode_batch(list(_CHECK_TEXTS))])
    fp32 = out_dir / "model.fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (torch.from_numpy(ids), torch.from_numpy(mask)),
            str(fp32),
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT well
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "embedding": {0: "batch"}},
            opset_version=17,
            do_constant_folding=True,
        )
        reference = wrapped(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint at WARNING
    try:
        quantize_dynamic(
            str(fp32),
            str(out_dir / ONNX_FILE),
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            nodes_to_exclude=_float_nodes(fp32),
        )
    finally:
        logging.getLogger().setLevel(quiet)
    fp32.unlink()
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(out_dir / OPTIMISED_FILE)
    opts.log_severity_level = 3
    ort.InferenceSession(str(out_dir / ONNX_FILE), opts, providers=["CPUExecutionProvider"])
    shutil.copyfile(model_path / TOKENIZER_FILE, out_dir / TOKENIZER_FILE)
    check = OnnxEmbedder(out_dir, threads=1).embed(list(_CHECK_TEXTS))
    cosine = float(np.min((check * reference).sum(axis=1)))
    meta = {
        "recipe": RECIPE,
        "model": MODEL_NAME,
        "dimension": DIMENSION,
        "max_tokens": MAX_TOKENS,
        "source": str(model_path),
        "min_cosine_to_torch": round(cosine, 5),
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if cosine < 0.97:
        raise FoiSearchError(
            f"The ONNX export disagrees with the torch model (cosine {cosine:.3f}).",
            "Use --backend torch, and report the onnxruntime and torch versions.",
        )
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2))
    return meta


def _model_file(model_dir: Path, ort_version: str) -> str:
    """The pre-optimised graph when this onnxruntime wrote it, else the plain one."""
    if (model_dir / OPTIMISED_FILE).exists():
        try:
            if json.loads((model_dir / META_FILE).read_text()).get("onnxruntime") == ort_version:
                return OPTIMISED_FILE
        except (OSError, ValueError):
            pass
    return ONNX_FILE


def _float_nodes(onnx_path: Path) -> list[str]:
    """MatMul nodes left in float: the first layer's feed-forward output projection."""
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and "layer.0/" in n.name and "/output/dense" in n.name and "attention" not in n.name
    ]


def _tokenizer(path: Path, max_tokens: int):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    # tokenizer.json ships with fixed padding to 128 and truncation at 128:
    # padding is done per batch here, truncation where sentence-transformers does it.
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    return tok


def _pad(seqs: Sequence[Sequence[int]]) -> tuple["np.ndarray", "np.ndarray"]:
    import numpy as np

    width = max(len(s) for s in seqs)
    ids = np.zeros((len(seqs), width), dtype="int64")
    mask = np.zeros((len(seqs), width), dtype="int64")
    for r, s in enumerate(seqs):
        ids[r, : len(s)] = s
        mask[r, : len(s)] = 1
    return ids, mask


class OnnxEmbedder:
    """MiniLM int8 on onnxruntime: ~2x the torch throughput, no torch import.

    One session runs each batch on one thread, and batches run side by side on
    ``threads`` Python threads (onnxruntime releases the GIL): on two cores
    that embeds ~30% more per second than one batch on two intra-op threads,
    whose per-operator synchronisation costs more than it saves at this
    model's size. A single short query runs on one thread, which is fastest.

    Args:
        model_dir: A folder made by :func:`ensure_onnx_model`; exported (once) when None.
        threads: Batches run at once; default the CPU count (``$FOI_SEARCH_THREADS``
            overrides it).
        batch_size: Texts per forward pass; texts are sorted by length first
            so each batch pads little.
        notify: Told when a one-off export starts.
    """

    model_name = MODEL_NAME
    dimension = DIMENSION
    backend = "onnx-int8"

    def __init__(
        self,
        model_dir: str | os.PathLike | None = None,
        *,
        threads: int | None = None,
        batch_size: int = 16,
        notify: Callable[[str], None] | None = None,
    ):
        import onnxruntime as ort

        self.model_dir = Path(model_dir) if model_dir else ensure_onnx_model(notify=notify)
        if threads is None and os.environ.get("FOI_SEARCH_THREADS", "").isdigit():
            threads = int(os.environ["FOI_SEARCH_THREADS"])
        self.threads = max(1, threads or os.cpu_count() or 1)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(self.model_dir / _model_file(self.model_dir, ort.__version__)),
                opts,
                providers=["CPUExecutionProvider"],
            )
            self.tokenizer = _tokenizer(self.model_dir / TOKENIZER_FILE, MAX_TOKENS)
        except Exception as e:
            raise FoiSearchError(
                f"Cannot load the ONNX model in {self.model_dir}: {e}.",
                "Delete that folder to export it again, or use --backend torch.",
            ) from e
        self.batch_size = batch_size

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text after truncation (for throughput figures)."""
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str]) -> "np.ndarray":
        """Unit vectors, ``(len(texts), 384)`` float32, in the order given."""
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype="float32")
        if not len(texts):
            return out
        seqs = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = np.argsort([len(s) for s in seqs], kind="stable")
        # A query's few texts stay in one batch: splitting them across the
        # threads (tried 2026-11-26) saved ~25 ms on long queries but cost
        # short ones the pool's overhead, and int8 activations are quantised
        # per batch, so the split also moved dev nDCG@10 by -0.007.
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

        def run(rows) -> None:
            ids, mask = _pad([seqs[i] for i in rows])
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        if len(batches) == 1 or self.threads == 1:
            for rows in batches:
                run(rows)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(self.threads, len(batches))) as pool:
                list(pool.map(run, batches))
        # The graph normalises already; again in float32 so scores are exact cosines.
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
