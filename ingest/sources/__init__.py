"""Crawlers for the websites that publish FOI material.

:mod:`.http` fetches politely (robots.txt, delay, retries, conditional GET,
limits, raw page cache); each source module knows one kind of site and turns
its pages into documents through the parsers; :mod:`.state` remembers what a
crawl has done so re-runs are incremental and resumable. The crawl service
(:mod:`foi_search.services.crawling`) puts them together.
"""

from __future__ import annotations

from typing import Any, Callable


def _alaveteli():
    from ingest.sources.alaveteli import AlaveteliSource

    return AlaveteliSource


def _mps():
    from ingest.sources.mps import MpsSource

    return MpsSource


def _govuk():
    from ingest.sources.govuk import GovukSource

    return GovukSource


def _ico():
    from ingest.sources.ico import IcoSource

    return IcoSource


def _tribunal():
    from ingest.sources.tribunal import TribunalSource

    return TribunalSource


def _generic():
    from ingest.sources.generic import GenericSource

    return GenericSource


#: Crawlable sources: CLI name -> the class (imported when used, so listing names stays cheap).
SOURCES: dict[str, Callable[[], type]] = {
    "alaveteli": _alaveteli,
    "mps": _mps,
    "govuk": _govuk,
    "ico": _ico,
    "tribunal": _tribunal,
    "generic": _generic,
}
#: Their names: the one list behind the crawl service and the ``crawl`` command.
SOURCE_NAMES = tuple(SOURCES)


def make_source(name: str, **options: Any):
    """Build the source called ``name`` (see :data:`SOURCES`) with its options.

    Raises:
        KeyError: Unknown source name.
        foi_search.core.errors.FoiSearchError: Missing or bad options.
    """
    return SOURCES[name]()(**options)
