"""Title normalization, the one definition used wherever two titles are compared.

Used by :mod:`enrich.sources.s2` to accept or reject a Semantic Scholar title match and by
:mod:`enrich.papers.checks` for its title-mismatch checks, so that both agree on what "the
same title" means.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: ASCII punctuation (Unicode category P*) -> space, for the ASCII fast path.
_ASCII_PUNCTUATION_TO_SPACE = {
    code: " " for code in range(128) if unicodedata.category(chr(code)).startswith("P")
}


# Pure and called about ten times per entry while a snapshot is built (benchmarks/README.md).
@lru_cache(maxsize=1 << 16)
def normalize_title(title: str) -> str:
    """Return ``title`` in a form where cosmetic differences no longer count.

    Contract: Unicode NFKD and case folded, combining marks dropped (``é`` -> ``e``), every
    punctuation character (Unicode category ``P*``: ``- : , . ' " ( ) & ?`` ...) replaced by a
    space, runs of whitespace collapsed to one space, ends stripped. Symbols (category ``S*``,
    e.g. ``+``, ``=``, ``→``) are kept, so ``C++`` and ``C`` stay different titles. The result
    for an empty or all-punctuation title is ``""``.

    >>> normalize_title("Mixture-of-Experts:  a Survey")
    'mixture of experts a survey'
    """
    if title.isascii():
        # The same result as _normalize_unicode, about 20 times faster: for ASCII text NFKD
        # changes nothing, casefold is lower and there are no marks. Run for every author name
        # of a snapshot.
        return " ".join(title.translate(_ASCII_PUNCTUATION_TO_SPACE).lower().split())
    return _normalize_unicode(title)


def _normalize_unicode(title: str) -> str:
    """:func:`normalize_title` for any text."""
    # NFKD both before casefold (compatibility forms such as 𝐀 only fold once decomposed) and
    # after it (casefold can compose or add marks: ``İ`` -> ``i̇``).
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", title).casefold())
    kept: list[str] = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue
        kept.append(" " if category.startswith("P") else char)
    return " ".join("".join(kept).split())


def titles_agree(first: str, second: str) -> bool:
    """True when both titles are non-empty and equal after :func:`normalize_title`."""
    normalized = normalize_title(first)
    return bool(normalized) and normalized == normalize_title(second)
