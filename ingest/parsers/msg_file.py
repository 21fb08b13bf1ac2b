"""An Outlook ``.msg`` (OLE) file turned into the RFC 822 e-mail it holds.

Kept apart from the ``.msg`` parser so text extraction (a ``.msg`` attached to
an e-mail, or inside a zip) can convert one without importing the e-mail parser.
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import format_datetime

from ingest.parsers import ParseError


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
