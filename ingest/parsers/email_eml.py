"""E-mails saved as ``.eml`` (RFC 822): a response sent by e-mail, with its attachments.

The body is the ``text/plain`` part when there is one, else the HTML part as
text. A quoted earlier message ("-----Original Message-----", "On ... wrote:",
Outlook's "From: ... Sent: ..." block) is split off as a separate message so the
authority's reply and the request it answers are told apart. Attachments keep
their name and type, and their text when :mod:`ingest.parsers.textract` can read it.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from foi_search.core.domain import Attachment, Document, Message

from . import ParseError
from .authorities import find_authority, normalise_authority
from .common import file_stem, request_title

#: Attachments bigger than this are listed but not read.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

_QUOTE_START = re.compile(
    r"(?im)^(?:[ \t]*-{2,}\s*Original Message\s*-{2,}[ \t]*$"
    r"|[ \t]*On\b.{5,200}\bwrote:[ \t]*$"
    r"|[ \t]*From:[ \t]*.+\n[ \t]*(?:Sent|Date):[ \t]*.+$"
    r"|[ \t]*_{10,}[ \t]*$)"
)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes look like an RFC 822 message."""
    h = head[:4096]
    return bool(re.search(rb"(?im)^(?:From|Date|Subject|To|Message-ID|Received|Return-Path|MIME-Version):", h)) and (
        re.search(rb"(?im)^Subject:", h) is not None or re.search(rb"(?im)^From:", h) is not None
    )


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one e-mail.

    Raises:
        ParseError: Not an e-mail (no headers) or no body.
    """
    if b"\x00" in data[:4096]:
        raise ParseError("binary data, not an e-mail")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not any(msg.get(h) for h in ("From", "To", "Subject", "Date")):
        raise ParseError("no e-mail headers (From/To/Subject/Date)")
    subject = _header(msg, "Subject")
    sender = _header(msg, "From")
    to = _header(msg, "To")
    sent_at = _date(msg)
    body = _body(msg)
    attachments = _attachments(msg)
    if not body.strip() and not attachments:
        raise ParseError("e-mail has no body and no attachments")
    reply, quoted = _split_quote(body)
    messages = []
    if quoted:
        messages.append(Message(direction="outgoing", text=quoted))
    messages.append(Message(direction="incoming", text=reply, sent_at=sent_at,
                            message_id=_header(msg, "Message-ID") or None))
    readable = "\n\n".join([reply] + [a.text for a in attachments if a.text])
    authority = _authority(sender, readable)
    key = file_stem(path) or _header(msg, "Message-ID").strip("<>") or None
    if not key:
        raise ParseError("e-mail has no file name or Message-ID to key it by")
    subject_clean = re.sub(r"(?i)^(?:(?:re|fw|fwd)\s*:\s*)+", "", subject).strip()
    return [
        Document(
            source="email",
            source_key=key,
            title=subject_clean or request_title(quoted) or key,
            authority=authority,
            url=url,
            path=path,
            law=_law(readable),
            response_date=sent_at[:10] if sent_at else None,
            messages=messages,
            attachments=attachments,
            # Addresses are personal data: keep only the sender's domain.
            meta={k: v for k, v in {"from_domain": _domain(sender), "to_domains": _domains(to),
                                    "subject": subject or None}.items() if v},
        )
    ]


def _header(msg, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header must not lose the message
        return ""
    return " ".join(str(value).split()) if value else ""


def _date(msg) -> str | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _body(msg) -> str:
    from ingest.parsers.pagetext import html_to_text, tidy

    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except Exception:  # unknown charset or broken transfer encoding
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return tidy(content)


def _attachments(msg) -> list[Attachment]:
    from ingest.parsers import ParseError as _PE
    from ingest.parsers.textract import extract_text

    out = []
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        ctype = part.get_content_type()
        if not name and ctype.startswith("multipart/"):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            payload = b""
        text = None
        if payload and len(payload) <= MAX_ATTACHMENT_BYTES:
            try:
                text = extract_text(payload, name=name, content_type=ctype) or None
            except _PE:
                text = None  # scanned or unsupported: the name is still worth keeping
        out.append(Attachment(name=name or f"attachment.{ctype.split('/')[-1]}", content_type=ctype,
                              text=text, size=len(payload) or None))
    return out


def _split_quote(body: str) -> tuple[str, str]:
    m = _QUOTE_START.search(body)
    if not m or m.start() < 20:
        return body.strip(), ""
    reply, quoted = body[: m.start()].strip(), body[m.start():].strip()
    # Strip ">" quoting so the quoted request reads as text.
    quoted = "\n".join(re.sub(r"^\s*>+ ?", "", line) for line in quoted.splitlines())
    return reply, quoted


def _authority(sender: str, text: str) -> str | None:
    name, _addr = parseaddr(sender)
    found = normalise_authority(name) if name else None
    return found or find_authority(text)


def _domain(addr: str) -> str | None:
    _name, a = parseaddr(addr)
    return a.rsplit("@", 1)[-1].lower() if "@" in a else None


def _domains(field: str) -> list[str] | None:
    doms = sorted({a.rsplit("@", 1)[-1].lower() for _n, a in getaddresses([field]) if "@" in a})
    return doms or None


def _law(text: str) -> str:
    if re.search(r"Environmental Information Regulations", text) and not re.search(r"Freedom of Information Act", text):
        return "EIR"
    if re.search(r"Freedom of Information|\bFOI", text):
        return "FOIA"
    return "unclear"
