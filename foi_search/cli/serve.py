"""``foi-search serve``: keep the model and the index warm for scripts.

Parses options, opens one :class:`foi_search.serve.service.SearchService` and serves
it until Ctrl-C or SIGTERM. Everything else lives in :mod:`foi_search.serve.server`.
"""

from __future__ import annotations

import click

from foi_search.cli.util import EXIT_OK


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. There is no "
              "authentication: keep it on this machine.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--keyword-only", is_flag=True, help="Keyword search only (never loads the model or the index).")
@click.option("--log-requests", is_flag=True, help="Log one line per request (with its time) to stderr.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, keyword_only: bool, log_requests: bool) -> None:
    """Answer search, precedents and exists over local HTTP, with the model loaded once.

    For scripts that ask many questions: each answer then takes milliseconds
    instead of the CLI's start-up second. Endpoints (JSON in and out, the
    shapes --json prints): GET /health; GET or POST /search, /precedents,
    /exists with q, limit and the filters of the read commands.

    \b
    Example:
      foi-search serve &
      curl 'http://127.0.0.1:8765/search?q=CCTV+cameras&limit=3&outcome=disclosed_full'
    """
    from foi_search.serve.server import FoiSearchServer, serve_until_stopped
    from foi_search.serve.service import SearchService

    say = lambda m: click.echo(m, err=True)  # noqa: E731
    service = SearchService(ctx.obj["db"], keyword_only=keyword_only, notify=say)
    try:
        server = FoiSearchServer(service, host, port, log_requests=log_requests, debug=ctx.obj.get("debug", False))
    except BaseException:
        service.close()
        raise
    if not server.loopback_only:
        say(f"Warning: listening on {host}, which other machines may reach; there is no authentication.")
    say(f"Serving {service.store.path} on {server.url} (Ctrl-C to stop)")
    serve_until_stopped(server)
    ctx.exit(EXIT_OK)
