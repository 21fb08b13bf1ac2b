"""Split long passages into pieces the model reads whole.

all-MiniLM-L6-v2 reads at most 256 word pieces (sentence-transformers truncates
there). FOI and tribunal English runs at 1.25-1.45 word pieces per word, so a
piece of :data:`MAX_WORDS` words is read to its end. Longer passages would have
everything after the first ~200 words silently ignored.

Chunking is deterministic: the same text always gives the same pieces, so a
vector stored as "chunk *k* of the passage with hash *h*" can be turned back
into its text with ``chunk_text(text)[k]``.
"""

from __future__ import annotations

import math
import re

#: Words per chunk at most; ~230-255 word pieces, under the model's 256.
MAX_WORDS = 180

# A sentence ends at . ! ? or ; followed by space and something that starts a
# sentence; "s. 40" and "para. 12" are common in legal text, so an initial
# lower-case letter or a digit after the stop does not end a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'“‘(\[]?[A-Z])")


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())


def chunk_count(text: str, max_words: int = MAX_WORDS) -> int:
    """How many chunks :func:`chunk_text` returns, without building them."""
    return 1 if word_count(text) <= max_words else len(chunk_text(text, max_words))


def chunk_text(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Pieces of at most ``max_words`` words, cut at sentence ends where possible.

    A text that already fits is returned unchanged as the only piece, so short
    passages embed exactly as written. Longer ones are cut into
    ``ceil(words / max_words)`` or a few more pieces of similar size: sentences
    are packed up to an even share of the words, and a sentence longer than
    ``max_words`` is cut between words.

    Args:
        text: The passage.
        max_words: Upper bound on words per piece.

    Returns:
        The pieces, in order; never empty for non-empty text.
    """
    words = text.split()
    if len(words) <= max_words:
        return [text]
    target = math.ceil(len(words) / math.ceil(len(words) / max_words))
    sentences: list[list[str]] = []
    for s in _SENTENCE_END.split(" ".join(words)):
        sw = s.split()
        while len(sw) > max_words:
            sentences.append(sw[:target])
            sw = sw[target:]
        if sw:
            sentences.append(sw)
    chunks: list[list[str]] = []
    cur: list[str] = []
    for sw in sentences:
        if cur and (len(cur) + len(sw) > max_words or len(cur) >= target):
            chunks.append(cur)
            cur = []
        cur = cur + sw
    if cur:
        chunks.append(cur)
    return [" ".join(c) for c in chunks]
