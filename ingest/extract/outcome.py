"""The thread's final outcome, its exemptions and flags, as an FOI officer reads them.

Rules, applied to the authority's substantive replies and internal review
responses (acknowledgements, clarification and extension notices never decide):

* a reply later withdrawn ("sent in error", "which was wrong, we are replacing
  it") counts for nothing except that the grounds it applied are *superseded*;
* a ground applied and then dropped (an internal review that overturns the
  refusal, or a later reply saying it no longer applies) is *superseded*;
* the final state of the original request is the union of what the live
  replies released, withheld and said was not held; so the internal review's
  result wins when it changes the picture;
* ``disclosed_full``: something released, nothing withheld, nothing missing;
  ``disclosed_partial``: released plus withheld / not held / still to come;
  ``refused``: nothing released and a ground applied (s21 signposting for
  every part counts as refused); ``not_held``: nothing released, nothing
  withheld, information not held; ``ncnd``: neither confirmed nor denied;
  ``no_substantive_response``: no decision at all; ``withdrawn``: the
  requester withdrew before any decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from foi_search.core.domain import ExemptionCitation
from foi_search.core.exemptions import GROUNDS

from .analysis import MessageFacts, is_heading, mention_status
from .messages import disclosure_strength, document_attachments
from .text import speed_up_ignorecase

_DECIDING = ("substantive", "internal_review_response")
_NOT_HELD_GROUNDS = {"eir12(4)(a)"}
_WITHHELD_WORDS = re.compile(r"exempt|withh[eo]ld|redact|refus|personal data|confidential", re.I)
_INVALID = re.compile(r"section 8\b|not (?:a )?valid request|valid address for correspondence|full name", re.I)
_S16 = re.compile(r"section 16\b|\bs\.?\s?16\b|advice and assistance", re.I)
_NCND_NEGATED = re.compile(r"(?:not|no need to|won['’]t|will not) (?:\w+ ){0,3}neither confirm|can confirm (?:that )?(?:we|the council) (?:do|does) (?:not )?hold", re.I)


@dataclass
class Reading:
    """What the thread comes to.

    Attributes:
        outcome: One of :data:`foi_search.core.domain.OUTCOMES`.
        exemptions: Citations with their final status.
        ncnd: Neither confirm nor deny was applied.
        public_interest_test: A public interest test was carried out.
        s16_advice: Advice and assistance under s16 was offered.
        part_not_held: Some of the information was said not to be held.
        response_date: Date of the message that carries the final outcome.
        deciding: Indexes of the messages that decided it.
    """

    outcome: str = "no_substantive_response"
    exemptions: list[ExemptionCitation] = field(default_factory=list)
    ncnd: bool = False
    public_interest_test: bool = False
    s16_advice: bool = False
    part_not_held: bool = False
    response_date: str | None = None
    deciding: list[int] = field(default_factory=list)


def _reasoning_for(facts: MessageFacts, para_index: int, code: str) -> str:
    """The paragraph that applies ``code`` and the reasoning paragraphs after it."""
    paras = facts.paras
    out = [paras[para_index].text]
    for p in paras[para_index + 1:para_index + 6]:
        if p.kind != "content" or any(c.code != code for c in p.citations) or not (
            p.flags & {"reasoning", "harm", "pit", "refusal"}
        ):
            break
        out.append(p.text)
    text = "\n".join(out)
    return text if len(text) <= 3000 else text[:2999] + "…"


def _drop_shadowed_cost(facts: MessageFacts) -> None:
    """Cost wording next to an EIR "manifestly unreasonable" refusal is that refusal's reasoning, not s12."""
    if any(c.code == "eir12(4)(b)" and c.status == "applied" for p in facts.paras for c in p.citations):
        for p in facts.paras:
            p.citations = [c for c in p.citations if not (c.code == "s12" and not c.explicit)]


def resolve_exemptions(facts_list: list[MessageFacts]) -> list[ExemptionCitation]:
    """Every ground cited by the authority, with its status over the thread."""
    for f in facts_list:
        if f.direction == "incoming":
            mention_status(f)
            _drop_shadowed_cost(f)
    live = [f for f in facts_list if f.direction == "incoming" and f.kind in _DECIDING and not f.voided]
    applied_live: dict[str, list[tuple[int, str, str]]] = {}
    for f in live:
        for i, p in enumerate(f.paras):
            for c in p.citations:
                if c.status == "applied":
                    applied_live.setdefault(c.code, []).append((f.index, c.detail, _reasoning_for(f, i, c.code)))
    # A ground is dropped when a later live reply says it no longer applies,
    # or a later internal review overturns the decision and does not cite it.
    dropped: set[str] = set()
    for code, uses in applied_live.items():
        last_use = max(u[0] for u in uses)
        for f in live:
            if f.index <= last_use:
                continue
            negated_later = any(
                c.code == code and c.status == "mentioned" and c.reason in ("negated", "public interest favours disclosure")
                for p in f.paras for c in p.citations
            )
            if negated_later or f.overturns:
                dropped.add(code)
    out: list[ExemptionCitation] = []
    seen: set[tuple[str, str, str]] = set()

    def add(code: str, detail: str, status: str, reasoning: str | None) -> None:
        key = (code, detail, status)
        if key not in seen:
            seen.add(key)
            out.append(ExemptionCitation(code, detail, status, reasoning))

    for code, uses in applied_live.items():
        status = "superseded" if code in dropped else "applied"
        for _, detail, reasoning in uses:
            add(code, detail, status, reasoning)
    # Grounds applied only in replies that were later withdrawn were superseded.
    for f in facts_list:
        if f.direction != "incoming" or not f.voided or f.kind not in _DECIDING:
            continue
        for i, p in enumerate(f.paras):
            for c in p.citations:
                if c.status == "applied" and c.code not in applied_live:
                    add(c.code, c.detail, "superseded", _reasoning_for(f, i, c.code))
    strong_codes = {e.code for e in out}
    for f in facts_list:
        if f.direction != "incoming":
            continue
        for p in f.paras:
            for c in p.citations:
                if c.status == "mentioned" and c.code not in strong_codes and c.explicit:
                    add(c.code, c.detail, "mentioned", None)
    return out


def read_outcome(facts_list: list[MessageFacts], sent_at: list[str | None]) -> Reading:
    """Decide the outcome and flags of a thread from its analysed messages."""
    r = Reading()
    r.exemptions = resolve_exemptions(facts_list)
    applied = {e.code for e in r.exemptions if e.status == "applied"}
    live = [f for f in facts_list if f.direction == "incoming" and f.kind in _DECIDING and not f.voided]
    withdrawn = any(f.direction == "outgoing" and f.kind == "withdrawal" for f in facts_list)
    for f in facts_list:
        if f.direction == "incoming" and f.kind not in ("acknowledgement",):
            if any(_S16.search(p.text) for p in f.content()):
                r.s16_advice = True
    if not live:
        r.outcome = "withdrawn" if withdrawn else "no_substantive_response"
        return r
    disclosed = not_held = ncnd = withheld = False
    for n, f in enumerate(live):
        # What a reply kept back stops counting once a later review overturns it.
        reversed_later = any(g.overturns for g in live[n + 1:])
        if not reversed_later and any(re.search(r"redact", a, re.I) for a in document_attachments(f)):
            withheld = True
        named = [p for p in f.paras if p.kind == "attachment"]  # decisions stated by attached letters' names
        if not reversed_later and any("withheld" in p.flags for p in f.content() + named):
            withheld = True
        strong, weak = disclosure_strength(f)
        has_decision = any(
            p.citations or p.flags & {"refusal", "not_held", "unable", "signpost"} for p in f.content() + named
        )
        prose_counts = f.kind == "substantive" and (
            not has_decision
            or any(
                "answer_slot" in p.flags and not is_heading(p.text)
                for p in f.content() if not p.flags & {"refusal", "not_held", "reasoning", "refusal_block"}
            )
        )
        if strong or (weak and prose_counts):
            disclosed = True
        for p in f.content() + named:
            if "not_held" in p.flags or (
                "unable" in p.flags and not p.citations and not _WITHHELD_WORDS.search(p.text)
            ):
                not_held = True
            if "ncnd" in p.flags and not _NCND_NEGATED.search(p.text):
                ncnd = True
        qualified = {
            c.code for p in f.paras for c in p.citations
            if GROUNDS.get(c.code) and GROUNDS[c.code].kind == "qualified"
            and (c.status == "applied" or c.reason == "public interest favours disclosure")
        }
        if qualified and any("pit" in p.flags for p in f.content()):
            r.public_interest_test = True
        r.deciding.append(f.index)
    pending = any("pending" in p.flags for p in live[-1].content())
    r.ncnd = ncnd
    r.part_not_held = not_held
    if ncnd and not disclosed:
        r.outcome = "ncnd"
    elif disclosed:
        r.outcome = "disclosed_partial" if (applied or not_held or pending or withheld) else "disclosed_full"
    elif applied and not applied <= _NOT_HELD_GROUNDS:
        r.outcome = "refused"
    elif applied:
        # EIR 12(4)(a) is the exception for information not held.
        r.outcome = "not_held"
        r.part_not_held = True
    elif withheld:
        # Nothing released and something kept back, even with no ground named.
        r.outcome = "refused"
    elif not_held:
        r.outcome = "not_held"
    elif withdrawn:
        r.outcome = "withdrawn"
    elif any(_INVALID.search(f.text()) for f in live):
        # Declined as not a valid request (name, address): nothing was decided.
        r.outcome = "no_substantive_response"
    else:
        r.outcome = "other"
    last = live[-1].index
    r.response_date = (sent_at[last] or "")[:10] or None
    return r


speed_up_ignorecase(globals(), skip=())
