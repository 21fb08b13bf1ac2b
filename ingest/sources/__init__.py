"""Crawlers for the websites that publish FOI material.

:mod:`.http` fetches politely (robots.txt, delay, retries, conditional GET,
limits, raw page cache); each source module knows one kind of site and turns
its pages into documents through the parsers; :mod:`.state` remembers what a
crawl has done so re-runs are incremental and resumable. The crawl service
(:mod:`foi_search.services.crawling`) puts them together.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Crawlable sources: CLI name -> "module:class".
SOURCES = {
    "alaveteli": "alaveteli:AlaveteliSource",
    "mps": "mps:MpsSource",
    "govuk": "govuk:GovukSource",
    "ico": "ico:IcoSource",
    "tribunal": "tribunal:TribunalSource",
    "generic": "generic:GenericSource",
}


def make_source(name: str, **options: Any):
    """Build the source called ``name`` (see :data:`SOURCES`) with its options.

    Raises:
        KeyError: Unknown source name.
        foi_search.core.errors.FoiSearchError: Missing or bad options.
    """
    module, cls = SOURCES[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)(**options)
