"""Text out of pages and decoded files: decoding, HTML to text (bounded, no recursion), site chrome, tidying."""

from __future__ import annotations

import re

from ingest.parsers import ParseError
from ingest.parsers.limits import MAX_HTML_DEPTH

#: Longest text kept from one file; beyond this the rest is dropped (a 50 MB
#: spreadsheet dump is not a response letter, and the store keeps text whole).
MAX_TEXT_CHARS = 2_000_000

#: A PDF whose pages yield fewer visible characters than this is a scan.
_MIN_PDF_CHARS = 20

_WS_RUN = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_SPLIT_ORDINAL = re.compile(r"(\d)\n(st|nd|rd|th)\b")
_BLANK_RUNS = re.compile(r"\n[ \t\r\f\v]*(?:\n[ \t\r\f\v]*){2,}")
_TRAILING_WS = re.compile(r"[ \t\r\f\v]+\n")


def decode_text(data: bytes) -> str:
    """Decode bytes of text: UTF-8 (with or without BOM), else Windows-1252.

    Raises:
        ParseError: The bytes are binary, not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data[:4096]):
        raise ParseError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps them all.
        return data.decode("latin-1")


def html_to_text(html: str | bytes, *, drop: tuple[str, ...] = ()) -> str:
    """Visible text of an HTML page or fragment, one block per line.

    Args:
        html: Markup, as text or bytes (bytes: the page's declared charset is used).
        drop: Extra CSS selectors to remove before reading (site chrome).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    return soup_text(soup, drop=drop)


#: Elements that start a new paragraph / a new line when rendered as text.
_PARA_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 blockquote ul ol dl table pre section article header footer aside nav main "
    "address figure form fieldset hr".split()
)
_LINE_TAGS = frozenset("div li tr dt dd br caption figcaption summary details option legend".split())
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "head", "title", "iframe", "object"))


def soup_text(node, *, drop: tuple[str, ...] = ()) -> str:
    """Visible text of a BeautifulSoup node, laid out as paragraphs and lines.

    Paragraph-level elements (``p``, headings, lists, tables) are separated by a
    blank line, ``div``/``li``/``tr``/``br`` by a line break, table cells by a
    tab; whitespace inside text runs collapses as a browser would (except in
    ``pre``). Scripts, styles and anything matching ``drop`` are left out.
    """
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for sel in drop:
        for tag in node.select(sel):
            tag.decompose()
    out: list[str] = []
    size = 0

    def push(sep: str) -> None:
        # Adjacent blocks share one separator: "</li><li>" is one line break, not two.
        if not sep:
            return
        tail = "".join(out[-3:])
        if sep == "\t" or not tail.endswith(sep):
            out.append(sep if not tail.endswith("\n") or sep == "\t" else sep[len(tail) - len(tail.rstrip("\n")):])

    def walk(root, pre: bool) -> None:
        # An explicit stack, not recursion: hostile pages nest elements 100k deep.
        nonlocal size
        stack = [(iter(root.children), pre, None)]
        while stack:
            children, in_pre, closing = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if closing:
                    push(closing)
                continue
            if size > MAX_TEXT_CHARS:
                return
            if isinstance(child, NavigableString):
                if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                    continue
                s = str(child)
                if not in_pre:
                    s = _WS_RUN.sub(" ", s)
                out.append(s)
                size += len(s)
            elif isinstance(child, Tag):
                name = child.name
                if name in _SKIP_TAGS:
                    continue
                if name == "br":
                    out.append("\n")
                    continue
                sep = "\n\n" if name in _PARA_TAGS else "\n" if name in _LINE_TAGS else "\t" if name in _CELL_TAGS else ""
                if len(stack) > MAX_HTML_DEPTH:
                    sep = ""  # past any real page's depth: read the text, drop the layout
                push(sep)
                stack.append((iter(child.children), in_pre or name == "pre", sep if sep != "\t" else None))

    if isinstance(node, NavigableString):
        return tidy(str(node))
    walk(node, False)
    text = "".join(out)
    lines = [line.strip(" ") for line in text.split("\n")]
    # Cells joined by tabs start with one; keep the tabs between cells only.
    lines = [re.sub(r"^\t+|\t+$", "", re.sub(r" *\t[ \t]*", "\t", line)) for line in lines]
    return tidy("\n".join(lines))


_CHROME_TAGS = frozenset(("header", "nav", "footer", "aside", "form", "script", "style", "noscript", "template", "svg",
                          "iframe", "button"))
_CHROME_ROLES = frozenset(("banner", "navigation", "contentinfo", "search", "complementary"))
_CHROME_WORDS = re.compile(
    r"(?i)cookie|breadcrumb|skip-?link|skip-to|social|share|sidebar|site-header|site-footer|govuk-header|"
    r"govuk-footer|visually-hidden|sr-only|banner|masthead|navbar|menu|feedback|back-to-top"
)


def drop_chrome(soup) -> None:
    """Remove a page's site chrome in place: header, navigation, footer, cookie banner, skip links.

    One pass over the tags (CSS selectors would walk a large page once per selector).
    """
    marked = []
    for tag in soup.find_all(True):
        # Read the flag from the instance: a missing attribute on a Tag makes
        # bs4 search the whole subtree for a child of that name (quadratic).
        if vars(tag).get("_decomposed") or tag.attrs is None:
            continue
        if tag.name in _CHROME_TAGS or tag.get("role") in _CHROME_ROLES:
            marked.append(tag)
            continue
        words = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
        if words.strip() and tag.name not in ("html", "body", "main", "article") and _CHROME_WORDS.search(words):
            marked.append(tag)
    for tag in marked:
        if not vars(tag).get("_decomposed"):
            tag.decompose()


def tidy(text: str) -> str:
    """Normalise line ends, strip trailing spaces, collapse runs of blank lines, cap length."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _TRAILING_WS.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    return cap_text(text, MAX_TEXT_CHARS)


def cap_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a line end, marked ``[text truncated]``."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit("\n", 1)[0] + "\n[text truncated]"


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    # A few stray NULs occur in text extracted from PDFs; binary files are full of them.
    if head.count(b"\x00") / len(head) > 0.01:
        return True
    control = sum(1 for b in head if b < 32 and b not in (0, 9, 10, 12, 13, 27))
    return control / len(head) > 0.05
