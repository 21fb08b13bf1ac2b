"""Outlook messages saved as ``.msg``: read as the e-mail they are.

extract-msg opens the OLE file; the subject, sender, date, body and attachments
are written back as an RFC 822 message and read by
:mod:`ingest.parsers.email_eml`, so both kinds of saved e-mail become the same
kind of document (reply and quoted request split, attachments read, only the
sender's domain kept).
"""

from __future__ import annotations

from foi_search.core.domain import Document

from . import email_eml
from .msg_file import to_eml


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one ``.msg`` file.

    Raises:
        ParseError: Not an Outlook message, or one without a body or attachments.
    """
    return email_eml.parse(to_eml(data), path=path, url=url)
