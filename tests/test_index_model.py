"""The real model: ONNX int8 against the torch reference, the query path's imports, end to end.

Marked ``model``: they load all-MiniLM-L6-v2 (and export it to ONNX once into
the user cache, ~40 s, on a machine that has not done it yet). They embed a
few dozen short texts only.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from foi_search.core.domain import Document, Passage

pytestmark = pytest.mark.model

# Written for these tests, in the styles the corpus has: requests, refusals,
# tribunal reasoning, log entries, one-line queries, odd characters.
VARIED = [
    "Please send me the number of parking fines issued on Elm Street in each month of 2022.",
    "How much did the council spend on agency social workers last year?",
    "The information is exempt under section 40(2) because it is the personal data of third parties.",
    "We estimate that complying with your request would exceed the appropriate limit of £450.",
    "The Tribunal finds that the public interest in maintaining the exemption outweighs the public interest in disclosure.",
    "Regulation 12(5)(e) of the Environmental Information Regulations applies to the commercial terms of the contract.",
    "I can confirm that the council does not hold the information you have asked for.",
    "Dear Sir or Madam, under the Freedom of Information Act I would like copies of all emails about the new bus lane.",
    "potholes repaired 2023",
    "cctv camera locations town centre",
    "Has anyone already obtained the list of empty council-owned buildings?",
    "Neither confirm nor deny: section 23(5) and 24(2) are engaged in respect of any information held.",
    "The appeal is allowed in part and the substituted decision notice requires disclosure within 35 days.",
    "Table 3: 1,204 complaints (2019/20); 1,377 complaints (2020/21); 998 complaints (2021/22).",
    "Ymholiad Rhyddid Gwybodaeth — cais am wybodaeth am gostau cyfieithu.",
    "Emails: j.smith@example.org; phone 01632 960 123; ref FOI/2023/0457.",
    "The request is vexatious under section 14(1): it is the twelfth on the same subject in six months and imposes a grossly oppressive burden.",
    " ".join(["The commissioner considered the withheld information in detail and the arguments of both parties."] * 12),
    "Contract award values for the highways maintenance framework, lots 1 to 4, including any variations.",
    "ok",
]


def test_onnx_int8_matches_torch():
    import numpy as np

    from index.embedder import load_embedder

    onnx = load_embedder("onnx")
    torch = load_embedder("torch")
    assert onnx.backend == "onnx-int8" and torch.backend == "torch"
    a, b = onnx.embed(VARIED), torch.embed(VARIED)
    assert a.shape == b.shape == (len(VARIED), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.mean() >= 0.99, cos
    # Int8 error weighs most on the shortest texts (a two-letter query: ~0.97).
    words = np.array([len(t.split()) for t in VARIED])
    assert cos[words >= 5].min() >= 0.98, cos
    assert cos.min() >= 0.96, cos
    # Order is kept although texts are batched by length.
    assert np.argmax(a @ b[4]) == 4


def test_query_path_imports_neither_torch_nor_sentence_transformers():
    from index.onnx_embedder import ensure_onnx_model

    ensure_onnx_model()  # exported once; the next process only reads it
    code = (
        "import sys\n"
        "from index.embedder import load_embedder\n"
        "e = load_embedder('auto')\n"
        "v = e.embed(['how many parking fines were issued'])\n"
        "print(e.backend, v.shape, [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "onnx-int8 (1, 384) []"


def test_real_model_end_to_end(store):
    from foi_search.services.indexing import build_index
    from index.embedder import DIMENSION, MODEL_NAME, load_embedder
    from index.vector_index import VectorIndex

    texts = {
        "bins": "Please tell me how many household waste bins were reported missing or stolen in each ward last year.",
        "trees": "I would like to know how many street trees the council felled and how many it replanted in 2021.",
        "payroll": "The salaries of named junior officers are personal data and are withheld under section 40(2).",
        "buses": "Copies of the consultation responses about the proposed bus lane on the ring road.",
    }
    for key, text in texts.items():
        store.save_document(
            Document(source="t", source_key=key, title=key, authority="Southmere Council", passages=[Passage(text, "request")])
        )
    report = build_index(store, backend="auto", doc_views=False)
    assert report.embedded == 4 and report.backend == "onnx-int8"
    index = VectorIndex.load(report.index_dir, model=MODEL_NAME, dimension=DIMENSION)
    assert index.manifest.backend == "onnx-int8"
    emb = load_embedder("auto", background=True)  # as a cold query loads it
    _, ids = index.search(emb.embed(["refuse to release staff pay because it is personal information"]), 1)
    best = store.conn.execute(
        "select p.text from vectors v join passages p on p.content_hash = v.content_hash where v.id = ?", [int(ids[0][0])]
    ).fetchone()[0]
    assert best == texts["payroll"]
