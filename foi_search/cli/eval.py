"""``foi-search eval``: score extraction and retrieval on hand-judged sets."""

from __future__ import annotations

from dataclasses import asdict

import click

from foi_search.cli.util import EXIT_EMPTY, EXIT_OK, emit_json, open_store


@click.group("eval")
def eval_group() -> None:
    """Score extraction or retrieval against hand-judged dev sets."""


@eval_group.command("extraction")
@click.option(
    "--gold",
    required=True,
    type=click.Path(dir_okay=False),
    help="Gold labels, JSON lines keyed by doc_id (e.g. ../shared/eval/extraction/dev.jsonl).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores (and per-document errors) as JSON.")
@click.option("--errors", "show_errors", is_flag=True, help="Also list each document whose fields differ.")
@click.pass_context
def eval_extraction(ctx: click.Context, gold: str, as_json: bool, show_errors: bool) -> None:
    """Score stored extraction against hand-judged labels.

    Prints exemption micro precision / recall / F1 over the applied codes,
    outcome accuracy with its confusion table, and law, NCND, public interest
    test, s16 and reference accuracy. Documents are matched by doc_id =
    source_key; ingest the gold documents first.
    """
    from foi_search.services.evaluate.extraction import evaluate_extraction

    store = open_store(ctx)
    scores = evaluate_extraction(store, gold)
    if as_json:
        emit_json(asdict(scores))
    else:
        click.echo(scores.describe())
        if show_errors:
            for e in scores.errors:
                parts = "; ".join(f"{k}: {v['gold']} -> {v['predicted']}" for k, v in e.fields.items())
                click.echo(f"  {e.doc_id}: {parts}")
    ctx.exit(EXIT_OK if scores.n_scored else EXIT_EMPTY)


@eval_group.command("retrieval")
@click.option("--queries", "queries", required=True, type=click.Path(exists=True, dir_okay=False), help="JSON lines {qid, kind, text, no_relevant}.")
@click.option("--qrels", "qrels", required=True, type=click.Path(exists=True, dir_okay=False), help="TREC qrels: qid 0 doc_id grade.")
@click.option("--keyword-only", is_flag=True, help="Score keyword search alone (no model).")
@click.option("--ignore-filters", is_flag=True, help="Run each query without the filters its line names.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores (with per-query details) as JSON.")
@click.pass_context
def eval_retrieval(
    ctx: click.Context, queries: str, qrels: str, keyword_only: bool, ignore_filters: bool, as_json: bool
) -> None:
    """nDCG@10, Recall@10/100 and MRR, overall, per query kind and per split, plus no-precedent flagging.

    A query line may name ``filters`` (as the search options: authority,
    source, since, until, law, outcome, exemption, kind) and a ``split``.
    """
    from foi_search.cli.util import emit_json, open_store
    from foi_search.services.evaluate.retrieval import evaluate_retrieval

    store = open_store(ctx)
    scores = evaluate_retrieval(store, queries, qrels, keyword_only=keyword_only, ignore_filters=ignore_filters)
    if as_json:
        emit_json(scores)
    else:
        click.echo(scores.describe())
