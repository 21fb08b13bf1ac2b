"""Filters are defined once: the CLI options, the HTTP parameters and validation all come from FILTER_SPECS."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from foi_search.cli import cli
from foi_search.core.domain import DOC_KINDS, OUTCOMES
from foi_search.core.filters import FILTER_NAMES, FilterError, Filters, filters_from_values, parse_filters


@pytest.mark.parametrize("bad", ["2023-13-45", "yesterday", "2023-4-1", "01/02/2023"])
def test_dates_must_be_iso(bad):
    with pytest.raises(FilterError, match="YYYY-MM-DD") as e:
        parse_filters(since=bad)
    assert e.value.option == "since"


def test_reversed_range_is_refused():
    with pytest.raises(FilterError, match="before"):
        parse_filters(since="2024-02-01", until="2024-01-01")


def test_unknown_exemption_lists_accepted_forms():
    with pytest.raises(FilterError, match=r"s40\(2\).*eir12\(5\)\(e\)"):
        parse_filters(exemption="section ninety-nine")


def test_values_by_name_match_keyword_form():
    by_name = filters_from_values({"outcome": ["refused"], "kind": ["response"], "exemption": "40(2)", "law": "eir"})
    assert by_name == Filters(outcomes=["refused"], kinds=["response"], exemption="s40(2)", law="EIR")


def test_every_read_command_has_every_filter_and_help_lists_values(tmp_path):
    for command in ("search", "precedents", "exists", "export"):
        out = CliRunner().invoke(cli, [command, "--help"]).output
        for name in FILTER_NAMES:
            assert f"--{name}" in out, (command, name)
        # Closed sets are listed so a user can see what to type.
        for value in (OUTCOMES[0], DOC_KINDS[1]):
            assert value in out, (command, value)


def test_cli_refuses_a_bad_date_with_one_line_and_exit_2(tmp_path):
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "search", "--since", "yesterday", "parking"])
    assert r.exit_code == 2
    assert "YYYY-MM-DD" in r.output


def test_server_takes_the_same_names():
    from foi_search.serve.params import parse_query

    q = parse_query("/search", {"q": ["parking"], "outcome": ["refused", "not_held"], "since": ["2020-01-01"]})
    assert q.filters.outcomes == ["refused", "not_held"] and q.filters.since == "2020-01-01"
    from foi_search.serve.params import BadRequest

    with pytest.raises(BadRequest, match="YYYY-MM-DD"):
        parse_query("/search", {"q": ["parking"], "until": ["soon"]})
