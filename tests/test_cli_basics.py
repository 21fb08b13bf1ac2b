import json
import subprocess
import sys

from click.testing import CliRunner

from foi_search.cli import cli

HEAVY = ("torch", "sentence_transformers", "faiss", "onnxruntime", "transformers", "numpy")


def test_help_imports_nothing_heavy():
    code = "import sys; from foi_search.cli import main; sys.argv=['foi-search','--help']\n" \
        "try:\n    main()\nexcept SystemExit:\n    pass\n" \
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_missing_db_is_one_line_error(tmp_path):
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "stats"])
    assert r.exit_code == 2
    assert "No database" in r.output and "Traceback" not in r.output


def test_unwritable_db_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(cli, ["--db", str(blocker / "sub" / "foi.db"), "ingest", str(blocker)])
    assert r.exit_code == 2
    assert "Cannot create" in r.output


def test_unknown_option_exit_2():
    r = CliRunner().invoke(cli, ["stats", "--bogus"])
    assert r.exit_code == 2


def test_db_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FOI_SEARCH_DB", str(tmp_path / "env.db"))
    r = CliRunner().invoke(cli, ["stats", "--json"])
    assert r.exit_code == 2  # not created by a read command
    (tmp_path / "d").mkdir()
    r = CliRunner().invoke(cli, ["ingest", str(tmp_path / "d")])
    assert (tmp_path / "env.db").exists()
    r = CliRunner().invoke(cli, ["stats", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["documents"] == 0
