"""The server's request parameters: checked as the CLI checks its options, into a :class:`Query`.

The filters are the read commands' filters, spelled as their options
(:data:`foi_search.core.filters.FILTER_SPECS`); ``outcome`` and ``kind`` repeat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from foi_search.core.errors import FoiSearchError
from foi_search.core.filters import FILTER_NAMES, FILTER_SPECS, FilterError, filters_from_values

#: ``limit`` and ``reasoning`` accept what the CLI's options accept.
LIMIT_RANGE = (1, 1000)
REASONING_RANGE = (0, 50)

#: Parameters every ranking endpoint takes, and those only some take.
_COMMON_PARAMS = ("q", "text", "limit", *FILTER_NAMES)
_PARAMS = {
    "/search": (*_COMMON_PARAMS, "qid"),
    "/precedents": (*_COMMON_PARAMS, "reasoning"),
    "/exists": _COMMON_PARAMS,
}
class BadRequest(FoiSearchError):
    """Input the server cannot use (answered with 400, or ``status``)."""

    def __init__(self, message: str, hint: str | None = None, status: int = 400):
        super().__init__(message, hint)
        self.message = message
        self.status = status


# -- parameters -----------------------------------------------------------------


@dataclass
class Query:
    """One ranking request, validated.

    Attributes:
        endpoint: ``/search``, ``/precedents`` or ``/exists``.
        text: The query or request text.
        limit: Results (or similar requests) returned.
        filters: A :class:`foi_search.core.filters.Filters`.
        reasoning: Reasoning paragraphs per exemption (``/precedents``).
        qid: Carried into the ``/search`` answer, as in ``search --batch``.
    """

    endpoint: str
    text: str
    limit: int
    filters: Any
    reasoning: int = 3
    qid: str | None = None


def _values(params: dict[str, list], name: str) -> list:
    return [v for v in params.get(name, []) if v is not None]


def _one(params: dict[str, list], name: str) -> Any:
    vals = _values(params, name)
    if len(vals) > 1:
        raise BadRequest(f"'{name}' is given {len(vals)} times.", f"Give '{name}' once.")
    return vals[0] if vals else None


def _string(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON "\ud800": SQLite cannot store it
        raise BadRequest(f"'{name}' is not valid Unicode text.") from None
    return value


def _int(value: Any, name: str, default: int, bounds: tuple[int, int]) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"'{name}' must be a whole number.")
    try:
        n = int(value)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number, not {value!r}.") from None
    lo, hi = bounds
    if not lo <= n <= hi:
        raise BadRequest(f"'{name}' must be between {lo} and {hi}, not {n}.")
    return n


def parse_query(endpoint: str, params: dict[str, list]) -> Query:
    """Validate the parameters of a ranking request.

    Args:
        endpoint: ``/search``, ``/precedents`` or ``/exists``.
        params: Each parameter's values, as :func:`urllib.parse.parse_qs`
            gives them (a JSON body is first turned into the same shape).

    Returns:
        The request.

    Raises:
        BadRequest: An unknown parameter, a missing query, a value of the
            wrong type or out of range, or a filter the CLI would refuse.
    """
    allowed = _PARAMS[endpoint]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for {endpoint}.",
            f"{endpoint} takes {', '.join(allowed)}.",
        )
    q, text = _string(_one(params, "q"), "q"), _string(_one(params, "text"), "text")
    if q is not None and text is not None:
        raise BadRequest("Both 'q' and 'text' are given.", "Give the query as one of them.")
    query = q if q is not None else text
    if not query or not query.strip():
        raise BadRequest("No query.", "Give the query text as 'q' (or 'text').")
    values = {
        f.name: [_string(v, f.name) for v in _values(params, f.name)] if f.repeatable else _string(_one(params, f.name), f.name)
        for f in FILTER_SPECS
    }
    try:
        # The same validation the CLI's filter options go through.
        filters = filters_from_values(values)
    except FilterError as e:
        raise BadRequest(e.message, f"Fix the '{e.option}' parameter.") from e
    qid = _one(params, "qid") if endpoint == "/search" else None
    return Query(
        endpoint=endpoint,
        text=query,
        limit=_int(_one(params, "limit"), "limit", 10, LIMIT_RANGE),
        filters=filters,
        reasoning=_int(_one(params, "reasoning"), "reasoning", 3, REASONING_RANGE),
        qid=None if qid is None else _string(qid if isinstance(qid, str) else str(qid), "qid"),
    )


def params_from_json(body: bytes) -> dict[str, list]:
    """A JSON object body as ``{name: [values]}`` (a list value gives several).

    Raises:
        BadRequest: The body is not a JSON object.
    """
    try:
        obj = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadRequest(
            f"The body is not valid JSON: {e}.",
            'Send a JSON object such as {"q": "CCTV cameras", "limit": 5}, or use GET with query parameters.',
        ) from None
    if not isinstance(obj, dict):
        raise BadRequest(f"The body must be a JSON object, not {type(obj).__name__}.", 'Send {"q": "...", ...}.')
    return {k: (list(v) if isinstance(v, list) else [v]) for k, v in obj.items()}
