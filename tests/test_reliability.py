"""The reliability suite (bench/reliability.py) in a bounded form: few trials, small files, the same checks.

The figures of the full run are in docs/reliability.md; these assert the targets
(0 corrupt, 0 lost, 0 crashed, 0 unrecorded, 0 query errors, every crawler
scenario, 0 requester names) on a small scale.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from conftest import need_shared

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def rel():
    need_shared("corpus", "wdtk-sheffield")
    spec = importlib.util.spec_from_file_location("reliability", ROOT / "bench" / "reliability.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["reliability"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_kill_trials_lose_nothing(rel, tmp_path):
    out = rel.kill_trials(tmp_path, trials=2)
    assert (out["corrupt"], out["lost"], out["duplicate"]) == (0, 0, 0), out


def test_fuzzed_files_never_crash_and_are_all_recorded(rel, tmp_path):
    out = rel.fuzz(tmp_path, files=40)
    assert out["crashed_runs"] == 0 and out["unrecorded"] == 0, out
    assert out["csv_quote_mutations_multiplying_rows"] == 0, out


def test_hostile_queries_never_error(rel, tmp_path):
    assert rel.hostile_queries(rel._query_db(tmp_path), n=60)["query_errors"] == 0


def test_crawler_scenarios_pass(rel, tmp_path):
    out = rel.crawler_scenarios(tmp_path, endless_cap=20)
    assert out["crawler_passed"] == out["crawler_scenarios"] == 3, out


def test_no_requester_names_stored_and_no_over_redaction_of_exemption_wording(rel, tmp_path):
    out = rel.personal_data(tmp_path, log_rows=100)
    assert out["threads_with_known_requester"] > 0 and out["requester_names_in_store"] == 0, out
    assert out["raw_page_bodies_after_purge"] == 0
    assert out["over_redaction_lost"]["exemption_wording"] == 0
    assert out["over_redaction_lost"]["authority_names"] == 0
