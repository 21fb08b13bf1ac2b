"""Text and Markdown rendering of documents and results for the CLI."""

from __future__ import annotations

import re
import textwrap

from foi_search.core.domain import Document
from foi_search.core.exemptions import describe

_NUMBERED = re.compile(r"^\(?[0-9a-zA-Z]{1,3}[.)]\s")


def render_document(doc: Document, *, markdown: bool = False) -> str:
    """A readable summary of one document: metadata, questions, exemptions, passages."""
    h = (lambda s: f"## {s}") if markdown else (lambda s: s.upper())
    lines = [
        (f"# {doc.title}" if markdown else doc.title),
        f"Authority: {doc.authority or '?'}",
        f"Source: {doc.source} {doc.source_key}",
        f"URL: {doc.url or '-'}",
        f"References: {', '.join(doc.references) or '-'}",
        f"Law: {doc.law}   Outcome: {doc.outcome}   NCND: {'yes' if doc.ncnd else 'no'}   "
        f"Public interest test: {'yes' if doc.public_interest_test else 'no'}",
        f"Requested: {doc.request_date or '?'}   Responded: {doc.response_date or '?'}",
    ]
    if doc.questions:
        # Questions usually keep the requester's own numbering ("1.", "(a)").
        lines += ["", h("Questions")] + [
            q if _NUMBERED.match(q) else f"{i}. {q}" for i, q in enumerate(doc.questions, 1)
        ]
    if doc.answers:
        lines += ["", h("Answers")]
        for a in doc.answers:
            label = f"Question {a.seq + 1}" if doc.questions else "Whole request"
            grounds = f" ({', '.join(a.grounds)})" if a.grounds else ""
            lines.append(f"- {label}: {a.status.replace('_', ' ')}{grounds}")
            lines += [f'    "{e}"' for e in a.evidence]
    if doc.exemptions:
        lines += ["", h("Exemptions")]
        for c in doc.exemptions:
            lines.append(f"- {describe(c.code)} [{c.status}]" + (f" as written: {c.detail}" if c.detail else ""))
    reasoning = [p for p in doc.passages if p.exemption]
    if reasoning:
        lines += ["", h("Reasoning")]
        for p in reasoning:
            lines.append(f"[{p.exemption}, {p.role}]")
            lines.append(textwrap.fill(p.text, 100) if not markdown else f"> {p.text}")
    if doc.attachments:
        lines += ["", h("Attachments")] + [f"- {a.name}" for a in doc.attachments]
    return "\n".join(lines)


# -- search results, precedent reports, the exists check -----------------------

BOLD, RESET = "\x1b[1m", "\x1b[0m"


def highlight(text: str, terms: list[str], *, markdown: bool = False) -> str:
    """``text`` with the words matching query ``terms`` emphasised.

    Text output uses terminal bold (click strips it when output is not a
    terminal); Markdown uses ``**word**``.
    """
    from foi_search.search.querytext import TermMatcher

    matcher = TermMatcher(terms)
    if matcher.pattern is None:
        return text
    on, off = ("**", "**") if markdown else (BOLD, RESET)
    return matcher.pattern.sub(lambda m: f"{on}{m.group(0)}{off}", text)


def _hit_meta(hit) -> str:
    codes = ", ".join(hit.exemptions) or "no exemption"
    return f"{hit.authority or '?'} · {hit.date or 'undated'} · {hit.outcome} · {codes}"


def render_search(result, *, markdown: bool = False, attachments: dict | None = None) -> str:
    """A ranked result list: title, metadata, link and best passage per document."""
    lines = []
    if markdown:
        lines.append(f"## Results for: {result.query.strip()[:200]}")
    if result.no_close_precedent:
        # Saying so beats presenting the nearest unrelated response; --json
        # still carries the ranking for tools that want it.
        lines.append("No close precedent found.")
        if result.results:
            lines.append("(Nothing in the store is close enough; --json lists the nearest documents anyway.)")
        return "\n".join(lines) + "\n"
    for i, hit in enumerate(result.results, 1):
        passage = highlight(hit.passage, result.terms, markdown=markdown)
        files = (attachments or {}).get(hit.doc_id) or []
        if markdown:
            lines.append(f"{i}. **[{hit.title}]({hit.url})** — {_hit_meta(hit)} (score {hit.score:.2f})" if hit.url
                         else f"{i}. **{hit.title}** — {_hit_meta(hit)} (score {hit.score:.2f})")
            if passage:
                lines.append(f"   > {passage}")
            for a in files:
                lines.append(f"   - attachment: [{a['name']}]({a['url']})" if a.get("url") else f"   - attachment: {a['name']}")
        else:
            lines.append(f"{i}. {highlight(hit.title, result.terms)}  [{hit.score:.2f}]")
            lines.append(f"   {_hit_meta(hit)}")
            if hit.url:
                lines.append(f"   {hit.url}")
            if passage:
                lines.append(textwrap.indent(textwrap.fill(passage, 96), "   | "))
            for a in files:
                lines.append(f"   attachment: {a['name']}" + (f" <{a['url']}>" if a.get("url") else ""))
        lines.append("")
    if result.mode == "keyword" and not markdown:
        lines.append("(keyword search only)")
    return "\n".join(lines).rstrip() + "\n"


def _cite(c, markdown: bool) -> str:
    label = c.label()
    if c.url:
        return f"[{label}]({c.url})" if markdown else f"{label} <{c.url}>"
    return label


def render_precedents(report, *, markdown: bool = False) -> str:
    """A precedent report: similar requests, outcome and exemption counts, reasoning, Tribunal decisions."""
    h1 = (lambda s: f"## {s}") if markdown else (lambda s: s.upper())
    h2 = (lambda s: f"### {s}") if markdown else (lambda s: f"-- {s}")
    lines = []
    if report.no_close_precedent:
        lines.append("No close precedent found.")
        if report.similar:
            lines.append("(Nothing in the store is close enough; --json lists the nearest requests anyway.)")
        return "\n".join(lines) + "\n"
    lines.append(h1("Similar earlier requests"))
    for i, e in enumerate(report.similar, 1):
        batch = f" (sent to {e.count} authorities)" if e.count > 1 else ""
        codes = ", ".join(e.exemptions) or "no exemption"
        lines.append(f"{i}. {e.citation.title}{batch} — {e.outcome}; {codes}")
        lines.append(f"   {_cite(e.citation, markdown)}")
        if e.count > 1:
            others = ", ".join(m.authority or m.source_key for m in e.members[1:6])
            more = f" and {e.count - 6} more" if e.count > 6 else ""
            lines.append(f"   also: {others}{more}")
    if report.outcomes:
        lines += ["", h1("Outcomes among them")]
        lines += [f"- {k}: {v}" for k, v in report.outcomes.items()]
    if report.exemptions:
        lines += ["", h1("Exemptions applied among them")]
        lines += [f"- {describe(k)}: {v}" for k, v in report.exemptions.items()]
    for s in report.sections:
        lines += ["", h1(f"{s.name}, applied in {s.count} of them")]
        if s.questions:
            asked = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in s.questions.items())
            lines.append(
                f"Questions answered on this ground: {asked} (in {s.requests_with_question} of {s.requests} similar requests)"
            )
        if s.reasoning:
            lines.append(h2("How authorities argued it"))
        for g in s.reasoning:
            span = f"first seen {g.first_seen or '?'}, last seen {g.last_seen or '?'}"
            lines.append(
                f"* used in {g.responses} response{'s' if g.responses != 1 else ''} by {g.authorities} "
                f"authorit{'ies' if g.authorities != 1 else 'y'}, {span} [{g.role}]"
            )
            lines.append(f"  > {g.text}" if markdown else textwrap.indent(textwrap.fill(g.text, 96), "  | "))
            for c in g.citations[:3]:
                lines.append(f"  - {_cite(c, markdown)}")
            if len(g.citations) > 3:
                lines.append(f"  - and {len(g.citations) - 3} more")
        if s.tribunal:
            lines.append(h2("Tribunal decisions on it"))
        for t in s.tribunal:
            ruled = f"; {s.code} {t.ruling.replace('_', ' ')}" if getattr(t, "ruling", None) else ""
            lines.append(f"* {t.citation.title} — appeal {t.appeal_outcome or 'outcome unknown'}{ruled}")
            lines.append(f"  {_cite(t.citation, markdown)}")
    return "\n".join(lines).rstrip() + "\n"
