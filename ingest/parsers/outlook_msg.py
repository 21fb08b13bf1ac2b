"""Outlook messages saved as ``.msg``: read as the e-mail they are.

extract-msg opens the OLE file; the subject, sender, date, body and attachments
are written back as an RFC 822 message and read by
:mod:`ingest.parsers.email_eml`, so both kinds of saved e-mail become the same
kind of document (reply and quoted request split, attachments read, only the
sender's domain kept).
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime

from foi_search.core.domain import Document

from . import ParseError
from . import email_eml


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one ``.msg`` file.

    Raises:
        ParseError: Not an Outlook message, or one without a body or attachments.
    """
    return email_eml.parse(to_eml(data), path=path, url=url)


def to_eml(data: bytes) -> bytes:
    """The ``.msg`` as RFC 822 bytes.

    Raises:
        ParseError: extract-msg cannot open it.
    """
    try:
        import extract_msg
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ParseError("Outlook reader (extract-msg) is not installed") from e
    import logging

    logging.getLogger("extract_msg").setLevel(logging.ERROR)
    try:
        msg = extract_msg.openMsg(io.BytesIO(data))
    except Exception as e:  # extract-msg raises many kinds of error for damaged files
        raise ParseError(f"corrupt Outlook message: {' '.join(str(e).split())[:200]}") from e
    try:
        out = EmailMessage()
        for header, value in (("Subject", msg.subject), ("From", msg.sender), ("To", msg.to)):
            if isinstance(value, str) and value.strip():
                out[header] = " ".join(value.split())
        try:
            when = msg.date
        except Exception:
            when = None
        if when is not None and hasattr(when, "tzinfo"):
            out["Date"] = format_datetime(when)
        body = msg.body if isinstance(msg.body, str) else ""
        out.set_content(body.replace("\r\n", "\n") or " ")
        for att in msg.attachments:
            blob = getattr(att, "data", None)
            if not isinstance(blob, (bytes, bytearray)) or not blob:
                continue  # an embedded message or an attachment stored by reference
            name = att.longFilename or att.shortFilename or "attachment.bin"
            out.add_attachment(bytes(blob), maintype="application", subtype="octet-stream", filename=name)
        return out.as_bytes()
    except ParseError:
        raise
    except Exception as e:
        raise ParseError(f"corrupt Outlook message: {' '.join(str(e).split())[:200]}") from e
    finally:
        try:
            msg.close()
        except Exception:
            pass
