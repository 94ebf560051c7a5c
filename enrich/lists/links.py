"""An entry's links and ids: roles, normalized ids, paper URLs, and where each target is written.

- Bare URLs in text (GitHub autolinks them) become links; so do id-host URLs written without a
  scheme (``arxiv.org/abs/...``).
- Ids written as text (``arXiv:1207.0580``, ``doi:10.1145/...``) are ids of the entry when it
  links no paper (a linked paper is the one the row means); they are not links.
- Each link keeps the line where its target is written and the target exactly as written
  there (:func:`locate_targets`), so that a later stage can find and replace it in the text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from enrich.lists.classify import PieceKind, classify, tidy
from enrich.lists.identifiers import ID_KINDS, IdKind, normalize_id, parse_link
from enrich.lists.inline import LinkForm, RawLink, Unit
from enrich.models import Identifiers, Link, LinkRole

__all__ = [
    "LinkReading",
    "add_text_links",
    "has_paper_link",
    "is_anchor",
    "link_role",
    "locate_targets",
    "read_links",
    "real_links",
    "text_ids",
]

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org")
_CODE_SUFFIXES = tuple("." + host for host in _CODE_HOSTS)
_PAPER_LABEL_RE = re.compile(
    r"^\W*(paper|pdf|arxiv|preprint|full ?text|publication|acl|openreview|doi)\b", re.IGNORECASE
)
_CODE_LABEL_RE = re.compile(r"^\W*(code|github|gitlab|repo(sitory)?|implementation)\b", re.I)
_HOST_RE = re.compile(r"^[a-z][a-z0-9+.-]*://([^/?#:]+)", re.IGNORECASE)
#: A URL in text: with a scheme, or an id host written without one.
_TEXT_URL_RE = re.compile(
    r"(?:https?://|ftp://|(?<![\w/.@-])(?:www\.|dx\.)?"
    r"(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org|aclweb\.org)/)"
    r"[^\s<>()\[\]{}\"'`|]+",
    re.IGNORECASE,
)
#: Ids written as text: ``arXiv:2401.04088``, ``arXiv: hep-th/9901001``, ``doi:10.1145/...``.
_TEXT_ID_RE = re.compile(
    r"\b(?:arxiv\s*:\s*(?P<arxiv>(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)"
    r"|doi\s*:\s*(?P<doi>10\.\d{4,9}/[^\s<>\"'`|\]\)]+))",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?"


_PAGE_LINK_RE = re.compile(r"^(?![a-z][a-z0-9+.-]*:)[^?#]*\.(?:md|markdown)(?:[?#].*)?$", re.I)


def is_anchor(url: str) -> bool:
    """An in-page link (table of contents), a relative link to another markdown page of the
    repository (navigation), or an empty target: never an entry's link."""
    return not url or url.lstrip("./").startswith("#") or _PAGE_LINK_RE.match(url) is not None


def real_links(unit: Unit) -> list[RawLink]:
    return [link for link in unit.links if not is_anchor(link.url)]


def _host(url: str) -> str:
    match = _HOST_RE.match(url)
    return match.group(1).lower() if match else ""


def _is_code_host(host: str) -> bool:
    return host in _CODE_HOSTS or host.endswith(_CODE_SUFFIXES)


def add_text_links(unit: Unit) -> None:
    """Bare URLs in the unit's plain text become links of the unit (``form`` BARE)."""
    for ln in unit.lines:
        for span in ln.spans:
            if span.link is not None or span.code:
                continue
            text = span.text
            if "://" not in text and ".org/" not in text:
                continue
            for match in _TEXT_URL_RE.finditer(text):
                url = match.group(0).rstrip(_TRAILING)
                unit.links.append(RawLink(url=url, form=LinkForm.BARE, line=ln.number))


def text_ids(unit: Unit) -> list[str]:
    """Prefixed ids written as text in the unit (``arXiv:1207.0580``), in order."""
    found: list[str] = []
    for ln in unit.lines:
        for span in ln.spans:
            if span.link is not None or span.code or ":" not in span.text:
                continue
            for match in _TEXT_ID_RE.finditer(span.text):
                if match.group("arxiv"):
                    paper_id = normalize_id(f"arxiv:{match.group('arxiv')}")
                else:
                    paper_id = normalize_id(f"doi:{match.group('doi').rstrip(_TRAILING)}")
                if paper_id is not None:
                    found.append(paper_id)
    return found


def has_paper_link(unit: Unit) -> bool:
    """The unit links a paper (an id or a paper host) or names one as text."""
    for link in real_links(unit):
        url = link.url if "://" in link.url else f"https://{link.url}"
        kind = parse_link(url).kind
        if link_role(url, link.label, kind, is_title_cell_link=False) is LinkRole.PAPER:
            return True
    return bool(text_ids(unit))


def link_role(url: str, label: str, kind: IdKind, *, is_title_cell_link: bool) -> LinkRole:
    if kind is not IdKind.NONE:
        return LinkRole.PAPER
    host = _host(url)
    if _is_code_host(host):
        return LinkRole.CODE
    if _CODE_LABEL_RE.match(label):
        return LinkRole.CODE
    if _PAPER_LABEL_RE.match(label) or is_title_cell_link:
        return LinkRole.PAPER
    text = tidy(label)
    if text and classify(text, bracketed=label.startswith("[")) is PieceKind.TAG:
        return LinkRole.PAPER  # [NeurIPS20](url), [[ICML2018]](url): a venue label names the paper
    return LinkRole.OTHER


@dataclass(slots=True)
class LinkReading:
    # no defaults: a validated empty Identifiers() per entry would cost as much as reading it
    links: list[Link]
    ids: Identifiers
    paper_urls: list[str]
    flags: list[str]
    has_paper: bool
    has_code: bool


def read_links(unit: Unit, title_cell_link: int | None) -> LinkReading:
    """Links of ``unit`` with roles, its normalized ids (links first, then ids written as text),
    its paper URLs without an id and the quirks of its links. Linear in the number of links."""
    links: list[Link] = []
    paper_urls: list[str] = []
    ids: dict[IdKind, list[str]] = {k: [] for k in ID_KINDS}
    seen_ids: set[tuple[IdKind, str]] = set()
    seen_links: set[tuple[str, str, int, str | None]] = set()
    seen_urls: set[str] = set()
    flags: dict[str, None] = {}
    paper_role = code_role = False  # a link of that role is among the entry's links
    for index, raw in enumerate(unit.links):
        if is_anchor(raw.url):
            continue
        url = raw.url if "://" in raw.url else f"https://{raw.url}"
        parsed = parse_link(url)
        label = raw.label
        role = link_role(raw.url, label, parsed.kind, is_title_cell_link=index == title_cell_link)
        key = (raw.url, label, raw.line, raw.target)
        if key not in seen_links:
            seen_links.add(key)
            links.append(
                Link.model_construct(
                    url=raw.url,
                    label=label,
                    role=role,
                    line=raw.line or None,
                    target=raw.target,
                )
            )
            paper_role = paper_role or role is LinkRole.PAPER
            code_role = code_role or role is LinkRole.CODE
        if parsed.id is not None:
            if (parsed.kind, parsed.id) not in seen_ids:
                seen_ids.add((parsed.kind, parsed.id))
                ids[parsed.kind].append(parsed.id)
        elif role is LinkRole.PAPER and raw.url not in seen_urls:
            seen_urls.add(raw.url)
            paper_urls.append(raw.url)
        for flag in parsed.flags:
            flags[flag] = None
    # An id written as text ("arXiv preprint arXiv:1502.04623") is the entry's only when the
    # entry links no paper: a linked paper is the one the row means (the audit reports the
    # mention otherwise).
    linked_paper = bool(seen_ids) or paper_role
    for paper_id in [] if linked_paper else text_ids(unit):
        kind_name, _, bare = paper_id.partition(":")
        kind = IdKind(kind_name)
        if (kind, bare) not in seen_ids:
            seen_ids.add((kind, bare))
            ids[kind].append(bare)
    return LinkReading(
        links=links,
        ids=Identifiers.model_construct(
            arxiv=ids[IdKind.ARXIV],
            doi=ids[IdKind.DOI],
            openreview=ids[IdKind.OPENREVIEW],
            acl=ids[IdKind.ACL],
        ),
        paper_urls=paper_urls,
        flags=list(flags),
        has_paper=paper_role or bool(seen_ids),
        has_code=code_role,
    )


# --------------------------------------------------------------------------- written targets

_DESTINATION_START = "]("
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def locate_targets(units: Sequence[Unit], lines: Sequence[str]) -> None:
    """Set each link's ``target`` to its target exactly as written on its line.

    Links are looked for left to right from a cursor kept per line, so that many links on one
    line cost linear time. A target that is not on its line (a reference link, whose target is
    defined elsewhere) stays None.
    """
    cursors: dict[int, int] = {}
    for unit in units:
        for link in unit.links:
            if link.line < 1 or link.line > len(lines) or is_anchor(link.url):
                continue
            text = lines[link.line - 1]
            start = cursors.get(link.line, 0)
            found = _find_target(text, start, link)
            if found is None and start:
                found = _find_target(text, 0, link)  # out of order (e.g. HTML cells)
            if found is not None:
                link.target, end = found
                cursors[link.line] = end


def _find_target(text: str, start: int, link: RawLink) -> tuple[str, int] | None:
    url = link.url
    if link.form is LinkForm.MARKDOWN:
        position = start
        for _ in range(8):
            position = text.find(_DESTINATION_START, position)
            if position < 0:
                break
            destination = _destination(text, position + len(_DESTINATION_START))
            if destination is not None:
                written, end = destination
                if _unescape(written) == url:
                    return written, end
            position += len(_DESTINATION_START)
    elif link.form is LinkForm.HTML:
        position = start
        for _ in range(8):
            position = text.find("href", position)
            if position < 0:
                break
            match = _HREF_RE.match(text, position)
            if match:
                written = next(g for g in match.groups() if g is not None)
                if html.unescape(written).strip() == url:
                    return written, match.end()
            position += 4
    position = text.find(url, start)
    if position >= 0:
        return url, position + len(url)
    return None


def _destination(text: str, start: int) -> tuple[str, int] | None:
    """The destination written at ``start`` (after ``](``): ``<...>`` or up to the closing
    parenthesis (balanced), surrounding spaces not included."""
    index = _BLANKS_RE.match(text, start).end()  # type: ignore[union-attr]  # always matches
    if index < len(text) and text[index] == "<":
        close = text.find(">", index)
        return (text[index : close + 1], close + 1) if close >= 0 else None
    depth = 0
    end = index
    while True:
        # runs of characters that neither nest, escape nor end the destination, at once
        end = _DESTINATION_RUN_RE.match(text, end).end()  # type: ignore[union-attr]
        if end >= len(text):
            break
        char = text[end]
        if char == "\\":
            end += 2 if end + 1 < len(text) else 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        else:  # a space or a tab
            break
        end += 1
    return (text[index:end], end) if end > index else None


_BLANKS_RE = re.compile(r"[ \t]*")
_DESTINATION_RUN_RE = re.compile(r"[^\\() \t]*")
_ESCAPED_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescape(written: str) -> str:
    text = written.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if "\\" in text:
        text = _ESCAPED_RE.sub(r"\1", text)
    return html.unescape(text).strip() if "&" in text else text.strip()
