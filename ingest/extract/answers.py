"""Per-question answers: how each question of the request was answered, and the outcome they add up to.

Each question of the request (the numbered ones, or the whole request as one)
gets a status with the sentences that show it:

* ``answered``: information given, including an answer of none or zero
  ("we do not employ any housing officers" answers "how many");
* ``answered_in_attachment``: given only in an attached file;
* ``partly``: some given, some withheld, not held or still to come;
* ``not_held``: the authority holds none of it;
* ``refused``: nothing given and a ground applied (its codes in ``grounds``;
  ``ncnd`` when the authority neither confirmed nor denied);
* ``signposted``: pointed to where it is published (section 21);
* ``not_answered``: no reply to it.

The paragraphs of the deciding replies are assigned to questions by the
request text they quote back ("2. The protocol for discharging...") and by
answer numbering ("Q2", "2."). Paragraphs before the first question speak for
the whole request: what they withhold, refuse or say is not held counts for
every question; what they release ("the attached spreadsheet holds the
information") counts for questions with no answer of their own.

The document outcome is derived from the statuses by the rules of the
evaluation guide (:func:`derive_outcome`), so the two never disagree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from foi_search.core.domain import ANSWER_STATUSES, QuestionAnswer as Answer

from .analysis import MessageFacts, Para, is_heading

__all__ = ["ANSWER_STATUSES", "Answer", "answers_for_outcome", "derive_outcome", "read_answers", "reconcile"]
_DECIDING = ("substantive", "internal_review_response")
_NUMBER = re.compile(r"^\s*(?:[-•*]\s*)?(?:q(?:uestion)?\s*\.?\s*)?\(?(\d{1,2})\s*[.):\-–]?\s+(?=\S)", re.I)
_RELEASE_FLAGS = {"numeric_clean", "answer", "yesno", "attached", "decided_disclose"}
_NEGATIVE_FLAGS = {"refusal", "not_held", "reasoning", "refusal_block", "withheld", "unable", "signpost", "pending"}
_NOT_HELD_GROUNDS = {"eir12(4)(a)"}
_WORD = re.compile(r"[a-z0-9]+")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'“‘])")
_EVIDENCE_MAX = 300


@dataclass
class _Signals:
    released: bool = False
    attached_only: bool = True
    not_held: bool = False
    withheld: bool = False
    pending: bool = False
    signpost: bool = False
    ncnd: bool = False
    grounds: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    own: bool = False

    def add(self, p: Para, applied: set[str], *, own: bool, asked: set[str] = frozenset()) -> None:
        flags = p.flags
        codes = [c.code for c in p.citations if c.status == "applied" and c.code in applied]
        for c in codes:
            if c not in self.grounds:
                self.grounds.append(c)
        released = bool(flags & _RELEASE_FLAGS) and not flags & {"refusal_block"}
        if own and not released and not flags & _NEGATIVE_FLAGS and not codes and not is_heading(p.text):
            released = True  # plain prose under a question answers it ("we have no such posts")
        if released:
            self.released = True
            if not (flags & {"attached"} and not flags & (_RELEASE_FLAGS - {"attached"})) or own and "attached" not in flags:
                self.attached_only = False
        negative = False
        if "not_held" in flags:
            self.not_held = negative = True
        if "withheld" in flags:
            self.withheld = negative = True
        if "pending" in flags:
            self.pending = negative = True
        if "signpost" in flags and not released:
            self.signpost = negative = True
        if "ncnd" in flags:
            self.ncnd = negative = True
        if released or negative or codes:
            sent = _evidence(p.text)
            words = _words(sent)
            restates = bool(words) and len(words & asked) / len(words) >= 0.7  # the request's own words
            if len(sent) >= 20 and not restates and not is_heading(sent) and sent not in self.evidence and len(self.evidence) < 2:
                self.evidence.append(sent)


def _evidence(text: str) -> str:
    first = _SENT.split(_NUMBER.sub("", text.strip(), count=1), 1)[0]
    return first if len(first) <= _EVIDENCE_MAX else first[: _EVIDENCE_MAX - 1].rstrip() + "…"


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _match_question(text: str, questions: list[str], qwords: list[set[str]]) -> int | None:
    """The question a quoted or numbered piece of the request is, by its number or its words."""
    m = _NUMBER.match(text)
    if m and 1 <= int(m.group(1)) <= len(questions):
        return int(m.group(1)) - 1
    words = _words(text)
    if not words:
        return None
    best, best_score = None, 0.0
    for i, qw in enumerate(qwords):
        if not qw:
            continue
        score = len(words & qw) / min(len(words), len(qw))
        if score > best_score:
            best, best_score = i, score
    return best if best_score >= 0.6 else None


def _restates(text: str, qwords: list[set[str]]) -> bool:
    """Whether a paragraph is one of the questions written out again (most of its words are the question's)."""
    words = _words(_NUMBER.sub("", text, count=1))
    if len(words) < 5:
        return False
    return any(qw and len(words & qw) / len(words) >= 0.8 for qw in qwords)


def _status(s: _Signals) -> tuple[str, list[str]]:
    grounds = list(s.grounds)
    if s.ncnd and not s.released and not grounds:
        return "refused", ["ncnd"]
    if s.released:
        if grounds or s.withheld or s.not_held or s.pending:
            return "partly", grounds
        return ("answered_in_attachment" if s.attached_only else "answered"), []
    real = [g for g in grounds if g not in _NOT_HELD_GROUNDS and g != "s21"]
    if real:
        return "refused", grounds
    if "s21" in grounds or s.signpost and not s.not_held:
        return "signposted", grounds
    if s.not_held or grounds:
        return "not_held", grounds
    if s.withheld:
        return "refused", grounds
    return "not_answered", grounds


def read_answers(facts: list[MessageFacts], questions: list[str], applied: set[str]) -> list[Answer]:
    """The status of each question from the authority's live deciding replies.

    Args:
        facts: The analysed messages of the document.
        questions: The numbered questions of the request (empty: the whole request is one).
        applied: Exemption codes applied and not dropped over the thread.

    Returns:
        One :class:`Answer` per question (one for the whole request when it has none).
    """
    n = max(1, len(questions))
    qwords = [_words(q) for q in questions]
    # The request's own words (its quoted copy in a letter included): evidence must be the reply's.
    asked = set().union(*qwords) if qwords else set()
    for f in facts:
        if f.direction == "outgoing":
            for p in f.paras:
                asked |= _words(p.text)
    own = [_Signals() for _ in range(n)]
    general = _Signals()
    live = [f for f in facts if f.direction == "incoming" and f.kind in _DECIDING and not f.voided]
    for f in live:
        current: int | None = None
        last_echo: str | None = None
        seen = Counter(p.text for p in f.paras)
        for p in f.paras:
            if seen[p.text] > 1 and len(p.text) < 120:
                continue  # a running header or footer repeated on every page
            if p.kind == "content" and len(questions) > 1 and _restates(p.text, qwords):
                hit = _match_question(p.text, questions, qwords)
                if hit is not None:
                    current = hit
                continue
            if p.kind == "echo":
                last_echo = p.text
                if len(questions) > 1:
                    hit = _match_question(p.text, questions, qwords)
                    if hit is not None:
                        current = hit
                continue
            if p.kind not in ("content", "attachment"):
                continue
            if len(questions) > 1:
                if p.question and p.question != last_echo:
                    # A question quoted at the head of this paragraph (the echo carries over to
                    # the paragraphs after it, which must not undo a later answer number).
                    last_echo = p.question
                    hit = _match_question(p.question, questions, qwords)
                    if hit is not None:
                        current = hit
                m = _NUMBER.match(p.text)
                if m and 1 <= int(m.group(1)) <= len(questions):
                    current = int(m.group(1)) - 1
            if len(questions) <= 1:
                current = 0 if p.question or f.kind == "substantive" else None
            target = own[current] if current is not None else general
            if current is not None:
                target.own = True
            target.add(p, applied, own=current is not None and len(questions) > 1, asked=asked)
    out: list[Answer] = []
    for i, s in enumerate(own):
        merged = _Signals(
            released=s.released or (general.released and not s.own),
            attached_only=(s.attached_only if s.released else True) and (general.attached_only or s.own),
            not_held=s.not_held or general.not_held,
            withheld=s.withheld or general.withheld,
            pending=s.pending or general.pending,
            signpost=s.signpost or (general.signpost and not s.own),
            ncnd=s.ncnd or general.ncnd,
            grounds=s.grounds + [g for g in general.grounds if g not in s.grounds],
            evidence=(s.evidence or []) + [e for e in general.evidence if e not in s.evidence],
        )
        status, grounds = _status(merged)
        out.append(Answer(i, status, grounds, merged.evidence[:2]))
    return out


def derive_outcome(answers: list[Answer]) -> str | None:
    """The document outcome the per-question statuses add up to, or None when no question was decided.

    Rules (``../shared/eval/README.md``): every question answered is a full
    disclosure; some answered and some not (withheld, not held, left
    unanswered) is partial; nothing given and any ground applied, or every part
    only signposted, is refused; none of it held is not held; neither confirm
    nor deny throughout is ncnd.
    """
    statuses = [a.status for a in answers]
    if not statuses:
        return None
    given = {"answered", "answered_in_attachment"}
    if all(s in given for s in statuses):
        return "disclosed_full"
    if any(s in given or s == "partly" for s in statuses):
        return "disclosed_partial"
    decided = [a for a in answers if a.status != "not_answered"]
    if not decided:
        return None
    if all(a.status == "refused" and a.grounds == ["ncnd"] for a in decided):
        return "ncnd"
    if any(a.status in ("refused", "signposted") for a in decided):
        return "refused"
    return "not_held"


def answers_for_outcome(outcome: str, n: int, applied: list[str]) -> list[Answer]:
    """Statuses for a document read as a whole, one per question, that add up to ``outcome``."""
    status = {
        "disclosed_full": "answered",
        "disclosed_partial": "partly",
        "refused": "refused",
        "not_held": "not_held",
        "ncnd": "refused",
    }.get(outcome, "not_answered")
    grounds = ["ncnd"] if outcome == "ncnd" else list(applied) if status in ("partly", "refused") else []
    return [Answer(i, status, grounds, []) for i in range(max(1, n))]


_GIVEN = ("answered", "answered_in_attachment")


def reconcile(answers: list[Answer], outcome: str, applied: list[str]) -> list[Answer]:
    """Adjust per-question statuses, as little as needed, so that they add up to ``outcome``.

    The whole-document reading weighs evidence the per-question reading cannot
    place (a release in an attachment list, a withholding stated once for the
    whole reply, an internal review that reverses a refusal); where the two
    differ, the questions whose status contradicts the outcome take the
    status the outcome implies, and keep their evidence.
    """
    if not answers:
        return answers_for_outcome(outcome, 1, applied)
    if outcome in ("no_substantive_response", "withdrawn", "other"):
        return [Answer(a.seq, "not_answered", [], a.evidence) for a in answers]
    if outcome == "ncnd":
        return [Answer(a.seq, "refused", ["ncnd"], a.evidence) for a in answers]
    if outcome == "not_held":
        return [Answer(a.seq, "not_held", [g for g in a.grounds if g in _NOT_HELD_GROUNDS], a.evidence) for a in answers]
    if outcome == "disclosed_full":
        return [a if a.status in _GIVEN else Answer(a.seq, "answered", [], a.evidence) for a in answers]
    if outcome == "disclosed_partial":
        given = [a for a in answers if a.status in _GIVEN or a.status == "partly"]
        missing = [a for a in answers if a.status not in _GIVEN]
        if given and missing:
            return answers
        if not given:
            # Something was released that no question's own answer shows: it answered them in part.
            return [Answer(a.seq, "partly", a.grounds or list(applied), a.evidence) for a in answers]
        return [Answer(a.seq, "partly", list(applied), a.evidence) for a in answers]
    if outcome == "refused":
        out = [
            Answer(a.seq, "refused", a.grounds or list(applied), a.evidence) if a.status in _GIVEN or a.status == "partly" else a
            for a in answers
        ]
        if not any(a.status in ("refused", "signposted") for a in out):
            out = [Answer(a.seq, "refused", a.grounds or list(applied), a.evidence) if a.status == "not_answered" else a for a in out]
        if not any(a.status in ("refused", "signposted") for a in out):
            out = [Answer(a.seq, "refused", a.grounds or list(applied), a.evidence) for a in out]
        return out
    return answers
