"""Text and Markdown rendering of documents and results for the CLI."""

from __future__ import annotations

import re
import shlex
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


#: Entries listed under "Nearest (not close)" when nothing is close enough.
NEAREST_SHOWN = 3
NO_CLOSE_LINE = "No close precedent found: nothing in the store is close enough to count as one."
NEAREST_HEADING = "Nearest (not close)"


def cite_key(hit) -> str:
    """The reference to cite a result by: the authority's reference, else the store's source key.

    Either can be passed to ``foi-search show``; log rows without a reference
    (Devon's) are only findable by their key.
    """
    return hit.references[0] if hit.references else hit.source_key


#: Per-question statuses worth a line under a result: the parts that were not simply answered.
_NOTED_STATUSES = {"partly": "partly answered", "not_held": "not held", "refused": "refused", "signposted": "signposted",
                   "not_answered": "not answered"}


def answers_line(answers: list[dict]) -> str:
    """"Q2 refused under s40(2); Q3 not held" for the questions not simply answered ("" when all were)."""
    parts = []
    for a in answers or []:
        label = _NOTED_STATUSES.get(a.get("status"))
        if not label:
            continue
        q = f"Q{a['question']} " if a.get("question") else ""
        grounds = [g for g in a.get("grounds") or [] if g]
        parts.append(f"{q}{label}" + (f" under {', '.join(grounds)}" if grounds else ""))
    if len(parts) > 4:
        parts = parts[:4] + [f"{len(parts) - 4} more"]
    return "; ".join(parts)


def _hit_meta(hit) -> str:
    codes = ", ".join(hit.exemptions) or "no exemption"
    return f"{hit.authority or '?'} · {cite_key(hit)} · {hit.date or 'undated'} · {hit.outcome} · {codes}"


def batch_note(count: int, authorities: list) -> str:
    """How a batch of near-identical requests is announced ("" for a single request)."""
    if count < 2:
        return ""
    distinct = len({a for a in authorities if a})
    if distinct == count:
        return f" (sent to {count} authorities)"
    return f" ({count} near-identical requests, {distinct} authorit{'ies' if distinct != 1 else 'y'})"


def _batch_note(hit) -> str:
    members = getattr(hit, "members", None) or []
    return batch_note(getattr(hit, "count", 1), [m.get("authority") for m in members])


def _batch_members(hit, markdown: bool) -> list[str]:
    members = getattr(hit, "members", None) or []
    if len(members) < 2:
        return []
    others = ", ".join(f"{m.get('authority') or '?'} ({m.get('reference') or m['source_key']})" for m in members[1:6])
    more = f" and {len(members) - 6} more" if len(members) > 6 else ""
    return [f"   - also: {others}{more}" if markdown else f"   also: {others}{more}"]


def _render_hits(hits, terms, start: int, markdown: bool, attachments: dict | None) -> list[str]:
    lines = []
    for i, hit in enumerate(hits, start):
        passage = highlight(hit.passage, terms, markdown=markdown)
        files = (attachments or {}).get(hit.doc_id) or []
        batch = _batch_note(hit)
        if markdown:
            title = f"**[{hit.title}]({hit.url})**" if hit.url else f"**{hit.title}**"
            lines.append(f"{i}. {title}{batch} — {_hit_meta(hit)} (score {hit.score:.2f})")
            if answers_line(getattr(hit, "answers", [])):
                lines.append(f"   - {answers_line(hit.answers)}")
            lines += _batch_members(hit, markdown)
            if passage:
                lines.append(f"   > {passage}")
            for a in files:
                lines.append(f"   - attachment: [{a['name']}]({a['url']})" if a.get("url") else f"   - attachment: {a['name']}")
        else:
            lines.append(f"{i}. {highlight(hit.title, terms)}{batch}  [{hit.score:.2f}]")
            lines.append(f"   {_hit_meta(hit)}")
            if answers_line(getattr(hit, "answers", [])):
                lines.append(f"   {answers_line(hit.answers)}")
            lines.append(f"   {hit.url}" if hit.url else f"   (no link: foi-search show {shlex.quote(hit.source_key)})")
            lines += _batch_members(hit, markdown)
            if passage:
                lines.append(textwrap.indent(textwrap.fill(passage, 96), "   | "))
            for a in files:
                lines.append(f"   attachment: {a['name']}" + (f" <{a['url']}>" if a.get("url") else ""))
        lines.append("")
    return lines


def render_search(result, *, markdown: bool = False, attachments: dict | None = None) -> str:
    """A ranked result list: title, citation (authority, reference or key, date, outcome), link and best passage.

    When nothing is close enough the output says so in one plain line and still
    lists the nearest few under a "Nearest (not close)" heading, so a user
    never has to reach for ``--json`` to see them (the exit code stays 1).
    """
    lines = []
    if markdown:
        lines.append(f"## Results for: {result.query.strip()[:200]}")
    hits = result.results
    if result.no_close_precedent:
        lines.append(NO_CLOSE_LINE)
        if not hits:
            return "\n".join(lines) + "\n"
        hits = hits[:NEAREST_SHOWN]
        lines += ["", f"### {NEAREST_HEADING}" if markdown else f"{NEAREST_HEADING}:"]
    lines += _render_hits(hits, result.terms, 1, markdown, attachments)
    if result.mode == "keyword" and not markdown:
        lines.append("(keyword search only)")
    return "\n".join(lines).rstrip() + "\n"


def _cite(c, markdown: bool) -> str:
    label = c.label()
    if c.url:
        return f"[{label}]({c.url})" if markdown else f"{label} <{c.url}>"
    return label


def _render_similar(entries, markdown: bool) -> list[str]:
    lines = []
    for i, e in enumerate(entries, 1):
        batch = batch_note(e.count, [m.authority for m in e.members])
        codes = ", ".join(e.exemptions) or "no exemption"
        lines.append(f"{i}. {e.citation.title}{batch} — {e.outcome}; {codes}")
        lines.append(f"   {_cite(e.citation, markdown)}")
        if e.count > 1:
            others = ", ".join(m.authority or m.source_key for m in e.members[1:6])
            more = f" and {e.count - 6} more" if e.count > 6 else ""
            lines.append(f"   also: {others}{more}")
    return lines


def render_precedents(report, *, markdown: bool = False) -> str:
    """A precedent report: similar requests, outcome and exemption counts, reasoning, Tribunal decisions."""
    h1 = (lambda s: f"## {s}") if markdown else (lambda s: s.upper())
    h2 = (lambda s: f"### {s}") if markdown else (lambda s: f"-- {s}")
    lines = []
    if report.no_close_precedent:
        lines.append(NO_CLOSE_LINE)
        if report.similar:
            lines += ["", h1(NEAREST_HEADING)] + _render_similar(report.similar[:NEAREST_SHOWN], markdown)
        return "\n".join(lines) + "\n"
    lines.append(h1("Similar earlier requests"))
    lines += _render_similar(report.similar, markdown)
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
            if t.passage:
                lines.append(f"  > {t.passage}" if markdown else textwrap.indent(textwrap.fill(t.passage, 96), "  | "))
    return "\n".join(lines).rstrip() + "\n"
