"""Information Rights Tribunal decisions (text or PDF), joined with ``decisions.csv`` metadata.

Each decision file is named by its ID (``1234.txt`` / ``1234.pdf``); the
metadata CSV (one row per ID: date, EA references, parties, public authority,
appeal outcome, regime, link) sits in the folder above. The detect layer reads
that CSV once with :func:`load_tribunal_metadata` and hands the row table to
:func:`parse`, which stays a pure function of its inputs.

What the CSV lacks is read from the text: EA references, the ICO decision
notice appealed (FS50…, FER0…, IC-…), the outcome ("The appeal is dismissed"),
the public authority ("Public Authority: …", the second respondent) and the
sections argued. The ruling is one ``incoming`` message.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from foi_search.core.domain import Document, Message

from . import ParseError
from .authorities import all_bodies, normalise_authority, titlecase
from .common import file_stem, parse_date, read_csv_rows
from .ico_csv import notice_refs

_EA_REF = re.compile(r"\b((?:EA|EN|FS|IR)/\d{4}/\d{3,4})(?!\d)")
_OUTCOMES = {
    "dismissed": "dismissed",
    "allowed": "allowed",
    "part allowed": "part_allowed",
    "partly allowed": "part_allowed",
    "allowed in part": "part_allowed",
    "struck out": "struck_out",
    "consent order": "consent_order",
    "withdrawn": "withdrawn",
    "refused": "refused",
}
_TEXT_OUTCOME = [
    (re.compile(r"(?i)\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+|hereby\s+)?"
                r"(?:allowed|upheld)\s+in\s+part|\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+)?"
                r"(?:partly|partially)\s+(?:allowed|upheld)|\b(?:allow|allows|upholds?)\s+the\s+appeal\s+in\s+part"),
     "part_allowed"),
    (re.compile(r"(?i)\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+|hereby\s+|unanimously\s+)?dismissed|"
                r"\b(?:we|tribunal)\s+(?:therefore\s+|unanimously\s+)?dismiss(?:es)?\s+(?:the|this)\s+appeal|"
                r"\bupholds?\s+the\s+decision\s+notice"), "dismissed"),
    (re.compile(r"(?i)\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+|hereby\s+|unanimously\s+)?"
                r"(?:allowed|upheld)|\b(?:we|tribunal)\s+(?:therefore\s+|unanimously\s+)?allows?\s+(?:the|this)\s+appeal|"
                r"\bsubstituted?\s+decision\s+notice"), "allowed"),
    (re.compile(r"(?i)\bappeals?\s+(?:is|are)\s+struck\s+out|\bstrikes?\s+out\s+the\s+appeal"), "struck_out"),
    (re.compile(r"(?i)\bappeals?\s+(?:is|are|was|has\s+been)\s+withdrawn"), "withdrawn"),
]
_SECTION_MENTION = re.compile(
    r"(?i)\b(?:section|sections|s\.|s\s|ss\.?)\s*(\d{2}A?(?:\s*\(\d\))?(?:\s*\([a-z]\))?)"
    r"|\b(?:regulation|regulations|reg\.?|r\.?)\s*(1[23]\s*\(\d\)(?:\s*\([a-g]\))?)"
)
_PUBLIC_AUTHORITY = re.compile(r"(?im)^\s*Public\s+Authority\s*:\s*(.{3,120})$")
_MOJIBAKE_RUN = re.compile(r"(?:ÔøΩ|\?|ƒ∂)*ÔøΩ(?:ÔøΩ|\?|ƒ∂)*")
_CP1252_MOJIBAKE = re.compile(r"[âÃÂ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿]")
_IC_NAMES = re.compile(r"(?i)information\s+commissioner|^the\s+commissioner$|^ico$")


def fix_mojibake(s: str) -> str:
    """Repair the two kinds of mis-decoding found in the metadata CSV.

    ``DefraÔøΩÔøΩÔøΩs`` (UTF-8 replacement characters read as Mac Roman) loses
    the original character, which is restored from its context: an apostrophe
    inside a word, a dash between spaces, ``ü`` in "für". ``â€™`` (UTF-8 read as
    Windows-1252) is decoded back.
    """
    if "ÔøΩ" in s:
        def repl(m: re.Match) -> str:
            before, after = s[max(0, m.start() - 1): m.start()], s[m.end(): m.end() + 1]
            if before == "f" and after == "r":
                return "ü"
            if before in (" ", "") and after in (" ", ""):
                return "–"
            return "’"

        s = _MOJIBAKE_RUN.sub(repl, s)
    if _CP1252_MOJIBAKE.search(s):
        try:
            s = s.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return s


def looks_like_metadata(header: list[str]) -> bool:
    """Whether a CSV header is the tribunal ``decisions.csv``."""
    return bool(header) and header[0] == "ID" and any(h.startswith("Date of Promulgation") for h in header)


def load_tribunal_metadata(csv_bytes: bytes) -> dict[str, dict[str, Any]]:
    """Read ``decisions.csv`` into ``{ID: metadata}``, text repaired and fields named.

    Raises:
        ParseError: Not the decisions CSV.
    """
    header, rows = read_csv_rows(csv_bytes)
    if not looks_like_metadata(header):
        raise ParseError("not the tribunal decisions.csv (no ID / Date of Promulgation columns)")
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        row = {k: fix_mojibake(v) for k, v in row.items() if v and v.strip() and v.strip() != "Manual Review"}
        rid = row.get("ID", "").strip()
        # Quoting slips in the file spill notes into the ID column; real IDs are short tokens.
        if re.fullmatch(r"[\w.-]{1,20}", rid):
            table[rid] = _metadata(row)
    return table


def _metadata(row: dict[str, str]) -> dict[str, Any]:
    def first(*cols: str) -> str | None:
        for c in cols:
            v = row.get(c, "").strip()
            if v and v.upper() != "NA":
                return v
        return None

    refs = []
    for c in ("Reference.1.Checked", "Reference.1.Original", *(f"Reference.{i}" for i in range(2, 9))):
        for r in _EA_REF.findall(row.get(c, "")) or ([row[c].strip()] if row.get(c, "").strip() else []):
            if r not in refs:
                refs.append(r)
    respondents = [row[c].strip() for c in (f"Respondent.{i}" for i in range(1, 7)) if row.get(c, "").strip()]
    parties = [row[c].strip() for c in (f"Additional.Party.{i}" for i in range(1, 7)) if row.get(c, "").strip()]
    date_raw = first("Date of Promulgation/ Decision. Check", "Date of Promulgation/ Decision. Original")
    outcome_raw = first("Appeal.Checked", "Appeal.firstchk", "Appeal.original")
    areas = [a for a in (first("Jurisdictional.area.1.checked", "Jurisdictional.area.1.original"),
                         first("Jurisdictional.area.2.checked", "Jurisdictional.area.2.original")) if a]
    return {
        "case_title": first("Case.Title"),
        "appellant": first("Appellant"),
        "respondents": respondents,
        "additional_parties": parties,
        "public_agency": first("Public Agency in Question (Where it is not a respondent)", "Public Agency.2"),
        "appeal_references": refs,
        "date": _dmy(date_raw),
        "appeal_outcome_raw": outcome_raw,
        "areas": areas,
        "link": first("Link"),
        "sections_noted": first("JA Notes"),
    }


def _dmy(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$", value)
    if m:
        try:
            from datetime import date

            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return None
    return parse_date(value)


def parse(
    data: bytes,
    *,
    path: str | None = None,
    url: str | None = None,
    metadata: dict[str, dict[str, Any]] | None = None,
) -> list[Document]:
    """Read one decision (text or PDF bytes), joined with its metadata row when given.

    Args:
        data: The decision's bytes.
        path: Its file (the stem is the ID).
        url: Its URL, when known (else the CSV's link).
        metadata: ``{ID: row}`` from :func:`load_tribunal_metadata`, if available.

    Raises:
        ParseError: A scan with no text layer, or an empty text file.
    """
    from ingest.parsers.textract import extract_text, sniff_kind
    from ingest.parsers.pagetext import decode_text, tidy

    kind = sniff_kind(data[:4096], name=path or "")
    if kind in ("pdf", "docx", "odt", "badpdf"):
        text = extract_text(data, name=path or "")
    else:
        text = tidy(decode_text(data))
    if len(re.sub(r"\s", "", text)) < 200:
        raise ParseError("decision text is empty (the PDF was a scan with no text layer)")
    rid = file_stem(path)
    if not rid:
        refs = _EA_REF.findall(text[:3000])
        rid = refs[0] if refs else None
    if not rid:
        raise ParseError("decision has no file name (ID) or appeal reference to key it by")
    row = (metadata or {}).get(rid, {})
    return [build(text, rid, row, path=path, url=url)]


def build(text: str, rid: str, row: dict[str, Any], *, path: str | None = None, url: str | None = None) -> Document:
    """Assemble the decision document from its text and (possibly empty) metadata row."""
    head = text[:6000]
    appeal_refs = list(row.get("appeal_references") or [])
    for r in _EA_REF.findall(head):
        if r not in appeal_refs:
            appeal_refs.append(r)
    ico_refs = notice_refs(text[:20000])
    outcome = _outcome(row.get("appeal_outcome_raw"), text)
    authority = _public_authority(row, text)
    appellant = row.get("appellant") or _party(head, "Appellant")
    respondents = row.get("respondents") or [r for r in [_party(head, "Respondent")] if r]
    date = row.get("date") or _text_date(head)
    law = _law(row.get("areas") or [], text)
    sections = sections_considered(text, law)
    title = row.get("case_title") or (f"{appellant} v Information Commissioner" if appellant else None)
    title = title or (f"Tribunal decision {appeal_refs[0]}" if appeal_refs else f"Tribunal decision {rid}")
    meta = {
        "appeal_references": appeal_refs,
        "ico_decision_notices": ico_refs,
        "appellant": appellant,
        "respondents": respondents,
        "additional_parties": row.get("additional_parties") or None,
        "public_authority": authority,
        "appeal_outcome": outcome,
        "appeal_outcome_raw": row.get("appeal_outcome_raw"),
        "sections_considered": sections,
        "sections_noted": row.get("sections_noted"),
        "jurisdiction": row.get("areas") or None,
        "decision_date": date,
    }
    return Document(
        source="tribunal",
        source_key=rid,
        kind="tribunal_decision",
        title=title,
        authority=authority,
        url=url or row.get("link"),
        path=path,
        references=appeal_refs + ico_refs,
        law=law,
        response_date=date,
        messages=[Message(direction="incoming", text=text, sent_at=date)],
        meta={k: v for k, v in meta.items() if v},
    )


def _outcome(raw: str | None, text: str) -> str | None:
    if raw:
        key = " ".join(raw.lower().split())
        for name, code in _OUTCOMES.items():
            if key == name or key.startswith(name):
                return code
    # The decision paragraph comes first or last; read both ends.
    for chunk in (text[:8000], text[-6000:], text):
        for rx, code in _TEXT_OUTCOME:
            if rx.search(chunk):
                return code
    return None


def _public_authority(row: dict[str, Any], text: str) -> str | None:
    candidates: list[str | None] = [row.get("public_agency")]
    candidates += [r for r in (row.get("respondents") or []) if not _IC_NAMES.search(r)]
    m = _PUBLIC_AUTHORITY.search(text[:8000])
    candidates.append(m.group(1) if m else None)
    candidates.append(_party(text[:4000], "Second Respondent"))
    # An appellant that is a public body is usually the authority appealing against the ICO.
    candidates.append(row.get("appellant"))
    candidates += list(row.get("additional_parties") or [])
    for c in candidates:
        if c and not _IC_NAMES.search(c):
            name = normalise_authority(c.strip(" .,;:"))
            if name:
                return name
    # Otherwise the body the background section keeps naming ("the Council refused...").
    counts = Counter(b for b in all_bodies(text[:12000]) if not _IC_NAMES.search(b) and "Tribunal" not in b)
    if counts:
        name, n = counts.most_common(1)[0]
        if n >= 2:
            return name
    return None


def _party(head: str, role: str) -> str | None:
    """The name written next to a role in the heading ("Appellant: X" or "X\\nAppellant")."""
    m = re.search(rf"(?im)^\s*{role}\s*:\s*(.{{3,100}}?)\s*$", head)
    if m:
        return " ".join(m.group(1).split())
    m = re.search(rf"(?m)^\s*([^\n]{{3,100}}?)\s*\n?\s*{role}\s*$", head)
    if m:
        name = " ".join(m.group(1).split()).strip(" -")
        if name and not re.search(r"(?i)between|and$|^-?\s*v\s*-?$|tribunal|chamber|appeal", name):
            return titlecase(name) if name.isupper() else name
    return None


def _text_date(head: str) -> str | None:
    m = re.search(r"(?i)(?:decision\s+promulgated|date\s+of\s+(?:decision|promulgation)|promulgat\w*|decision\s+date)"
                  r"\s*:?\s*(.{6,40})", head)
    return parse_date(m.group(1)) if m else None


def _law(areas: list[str], text: str) -> str:
    foia = any("Freedom of Information" in a for a in areas)
    eir = any("Environmental" in a for a in areas)
    if not areas:
        foia = bool(re.search(r"Freedom of Information Act", text[:20000]))
        eir = bool(re.search(r"Environmental Information Regulations", text[:20000]))
    if foia and eir:
        return "both"
    return "FOIA" if foia else "EIR" if eir else "unclear"


def sections_considered(text: str, law: str = "FOIA", *, min_mentions: int = 2, limit: int = 10) -> list[str]:
    """Canonical codes of the exemptions a decision argues, most discussed first.

    A provision must be mentioned ``min_mentions`` times: a single citation is
    usually a passing reference to the Act rather than a ground in issue.
    """
    from foi_search.core.exemptions import canonical_code

    counts: Counter = Counter()
    for m in _SECTION_MENTION.finditer(text):
        if m.group(1):
            code = canonical_code(m.group(1).replace(" ", ""), "FOIA")
        else:
            code = canonical_code("reg" + m.group(2).replace(" ", ""), "EIR")
        if code:
            counts[code] += 1
    return [c for c, n in counts.most_common() if n >= min_mentions][:limit]
