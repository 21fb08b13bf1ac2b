"""Filters shared by every read command, turned into SQL over ``documents``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from foi_search.core.errors import FoiSearchError


@dataclass
class Filters:
    """Restrict results to documents matching all given fields.

    Attributes:
        authority: Substring of the authority's name (case-insensitive).
        source: Source name (``wdtk``, ``mps``, ``tribunal``...).
        since: Earliest response (or request) date, ISO ``YYYY-MM-DD``.
        until: Latest response (or request) date, ISO ``YYYY-MM-DD``.
        law: ``FOIA``, ``EIR`` or ``FOISA``.
        outcomes: Allowed outcomes; empty means any.
        exemption: Canonical code that must have been applied (``s40(2)``).
        kinds: Allowed document kinds; empty means any.
    """

    authority: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    law: str | None = None
    outcomes: list[str] = field(default_factory=list)
    exemption: str | None = None
    kinds: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not any(
            [self.authority, self.source, self.since, self.until, self.law, self.outcomes, self.exemption, self.kinds]
        )

    def sql(self, alias: str = "d") -> tuple[str, list]:
        """A SQL condition over the documents table aliased ``alias``, and its params."""
        where, params = ["1=1"], []
        a = alias
        if self.authority:
            where.append(f"lower({a}.authority) like ?")
            params.append(f"%{self.authority.lower()}%")
        if self.source:
            where.append(f"{a}.source = ?")
            params.append(self.source)
        date = f"coalesce({a}.response_date, {a}.request_date)"
        if self.since:
            where.append(f"{date} >= ?")
            params.append(self.since)
        if self.until:
            # A date-only bound includes the whole of that day.
            where.append(f"substr({date}, 1, 10) <= ?")
            params.append(self.until)
        if self.law:
            where.append(f"{a}.law = ?")
            params.append(self.law)
        if self.outcomes:
            where.append(f"{a}.outcome in ({','.join('?' * len(self.outcomes))})")
            params.extend(self.outcomes)
        if self.exemption:
            where.append(f"(' ' || {a}.exemption_codes || ' ') like ?")
            params.append(f"% {self.exemption} %")
        if self.kinds:
            where.append(f"{a}.kind in ({','.join('?' * len(self.kinds))})")
            params.extend(self.kinds)
        return " and ".join(where), params


#: Laws a filter may name (``documents.law`` also holds ``both`` and ``unclear``,
#: which nobody asks for).
FILTER_LAWS = ("FOIA", "EIR", "FOISA")


@dataclass(frozen=True)
class FilterSpec:
    """One filter as users spell it: the CLI option ``--NAME`` and the HTTP parameter ``NAME``.

    Attributes:
        name: The option and parameter name.
        attr: The :class:`Filters` attribute it sets.
        repeatable: Whether it may be given several times (a list).
        choices: The accepted values, when closed.
        metavar: How help shows a value.
        help: One line for ``--help``.
    """

    name: str
    attr: str
    repeatable: bool = False
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    help: str = ""


def _specs() -> tuple[FilterSpec, ...]:
    from foi_search.core.domain import DOC_KINDS, OUTCOMES

    return (
        FilterSpec("authority", "authority", help="Only authorities whose name contains this (any case)."),
        FilterSpec("source", "source", help="Only this source: wdtk, mps, tribunal, govuk, devon, ico, letters..."),
        FilterSpec("since", "since", metavar="YYYY-MM-DD", help="Responses on or after this date."),
        FilterSpec("until", "until", metavar="YYYY-MM-DD", help="Responses on or before this date."),
        FilterSpec("law", "law", choices=FILTER_LAWS, help="Only responses under this law."),
        FilterSpec("outcome", "outcomes", repeatable=True, choices=OUTCOMES, help="Only this outcome (repeatable)."),
        FilterSpec(
            "exemption", "exemption", metavar="CODE",
            help="Only documents that applied (or, for Tribunal decisions, ruled on) this exemption: "
            "s40(2), 40(2), s12, eir12(5)(e), reg 12(5)(e)...",
        ),
        FilterSpec("kind", "kinds", repeatable=True, choices=DOC_KINDS, help="Only this kind of document (repeatable)."),
    )


#: Every filter, in the order help and errors list them: the one definition
#: behind :class:`Filters`, the CLI options and the HTTP parameters.
FILTER_SPECS: tuple[FilterSpec, ...] = _specs()
#: Their names, as options and parameters.
FILTER_NAMES = tuple(f.name for f in FILTER_SPECS)


class FilterError(FoiSearchError):
    """A filter value that is not allowed.

    Args:
        option: The filter's name as the CLI and the server spell it
            (``outcome``, ``exemption``, ``law``, ``kind``), so each caller
            can point at its own option or parameter.
        message: What is wrong, in one line.
        hint: What to do next.
    """

    def __init__(self, option: str, message: str, hint: str | None = None):
        super().__init__(message, hint)
        self.option = option
        self.message = message


def parse_filters(
    *,
    authority: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    law: str | None = None,
    outcomes: Iterable[str] = (),
    exemption: str | None = None,
    kinds: Iterable[str] = (),
) -> Filters:
    """Validate filter values as a user typed them and build :class:`Filters`.

    The one place that turns user input into filters, shared by the CLI
    (:func:`foi_search.cli.util.filters_from`) and the local server, so both
    accept and reject exactly the same values.

    Args:
        authority, source: Taken as given (empty means unset).
        since, until: ISO dates ``YYYY-MM-DD``.
        law: ``FOIA``, ``EIR`` or ``FOISA``, any case.
        outcomes: Each one of :data:`foi_search.core.domain.OUTCOMES`.
        exemption: A provision as written (``s40(2)``, ``40(2)``,
            ``eir12(5)(e)``, ``reg 12(5)(e)``); stored as its canonical code.
        kinds: Each one of :data:`foi_search.core.domain.DOC_KINDS`.

    Returns:
        The filters.

    Raises:
        FilterError: A value is not allowed; ``option`` says which, and the
            message lists the accepted forms.
    """
    from foi_search.core.exemptions import canonical_code

    spec = {f.name: f for f in FILTER_SPECS}
    outcomes, kinds = list(outcomes or ()), list(kinds or ())
    for name, values in (("outcome", outcomes), ("kind", kinds)):
        for v in values:
            if v not in spec[name].choices:
                raise FilterError(name, f"{v!r} is not one of {', '.join(spec[name].choices)}.")
    if law and law.upper() not in FILTER_LAWS:
        raise FilterError("law", f"{law!r} is not one of {', '.join(FILTER_LAWS)}.")
    for name, value in (("since", since), ("until", until)):
        if value and not _is_iso_date(value):
            raise FilterError(name, f"{value!r} is not a date written YYYY-MM-DD (for example 2023-04-01).")
    if since and until and since > until:
        raise FilterError("until", f"--until {until} is before --since {since}.")
    if exemption:
        code = canonical_code(exemption, "EIR" if exemption.lower().startswith(("eir", "reg")) else "FOIA")
        if not code:
            raise FilterError(
                "exemption", f"{exemption!r} is not a known exemption; write it as s40(2), 40(2), s12, eir12(5)(e) or reg 12(5)(e)."
            )
        exemption = code
    return Filters(
        authority=authority or None,
        source=source or None,
        since=since or None,
        until=until or None,
        law=law.upper() if law else None,
        outcomes=outcomes,
        exemption=exemption or None,
        kinds=kinds,
    )


def filters_from_values(values: dict) -> Filters:
    """:func:`parse_filters` from values keyed by filter name (``outcome``, ``kind`` as lists).

    Raises:
        FilterError: As :func:`parse_filters`.
    """
    kw = {}
    for f in FILTER_SPECS:
        v = values.get(f.name)
        kw[f.attr] = list(v or ()) if f.repeatable else v
    return parse_filters(**kw)


def _is_iso_date(value: str) -> bool:
    from datetime import date

    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
