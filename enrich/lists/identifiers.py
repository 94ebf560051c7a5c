"""Paper identifiers: recognize and normalize arXiv, DOI, OpenReview and ACL Anthology ids.

This is the one place that knows how those ids look in links. Two entry points:

- :func:`parse_link` reads one link target (as written in a list) and says what it points to;
- :func:`normalize_id` turns a URL or an id in any accepted form into the prefixed canonical
  *paper id* (``arxiv:2401.04088``, ``doi:10.1145/3219819.3220007``, ``openreview:PQ2zoIZqvm``,
  ``acl:P19-1103``) and is idempotent on its own output.

Neither function raises on any input: text that is not an identifier gives ``kind="none"`` /
``None``. Malformed but recoverable links (``https:/FFD/arxiv.org/abs/2404.08452``, a missing
scheme) still give their id, flagged ``malformed_link``.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from urllib.parse import parse_qs, unquote

from pydantic import BaseModel, ConfigDict


class IdKind(StrEnum):
    """What a link points to."""

    ARXIV = "arxiv"
    DOI = "doi"
    OPENREVIEW = "openreview"
    ACL = "acl"
    PAPER_URL = "paper_url"
    """A paper at a host whose links carry no id we normalize (CVF, PMLR, IEEE, ...)."""
    NONE = "none"


#: Kinds that carry a normalized id, in the order :class:`enrich.models.Identifiers` lists them.
ID_KINDS: tuple[IdKind, ...] = (IdKind.ARXIV, IdKind.DOI, IdKind.OPENREVIEW, IdKind.ACL)

MALFORMED_LINK = "malformed_link"


class ParsedLink(BaseModel):
    """What one link target points to.

    ``id`` is bare and normalized (no prefix, no version) and set iff ``kind`` is one of
    :data:`ID_KINDS`; ``version`` is the arXiv version the link pins, if any; ``flags`` note
    quirks of the link (``malformed_link``, ``arxiv_version:2401.04088v2``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: IdKind
    id: str | None = None
    version: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def paper_id(self) -> str | None:
        """The prefixed canonical form (``arxiv:2401.04088``), or None when there is no id."""
        return f"{self.kind.value}:{self.id}" if self.id is not None else None


_NONE = ParsedLink(kind=IdKind.NONE)
# Below, results are made with ParsedLink.model_construct: every value is typed where it is
# built, and validating it again costs a third of parse_link (once per distinct link target).

# --------------------------------------------------------------------------- arXiv
# Identifier syntax: https://info.arxiv.org/help/arxiv_identifier.html
# New style YYMM.NNNN (2007-04 .. 2014-12) and YYMM.NNNNN (from 2015-01); old style
# archive(.SUBJECT)/YYMMNNN, where the subject class is not part of the identifier
# (arxiv.org/abs/math.GT/0309136 is math/0309136).
_ARXIV_NEW = r"(?P<new>(?P<yymm>\d{4})\.(?P<num>\d{4,5}))"
_ARXIV_OLD = r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(?P<oldnum>\d{7}))"
_ARXIV_VERSION = r"(?:v(?P<version>[1-9]\d{0,2}))?"
_ARXIV_ID_RE = re.compile(rf"(?:{_ARXIV_NEW}|{_ARXIV_OLD}){_ARXIV_VERSION}")
_ARXIV_ID_FULL_RE = re.compile(rf"{_ARXIV_ID_RE.pattern}$")
_ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org", "www.arxiv.org", "xxx.lanl.gov", "ar5iv.org")
# /abs/ID, /pdf/ID(.pdf), /html/ID, /ps/ID, /format/ID, and ar5iv's /html/ID.
_ARXIV_PATH_RE = re.compile(
    rf"^/(?:abs|pdf|html|ps|format)/{_ARXIV_ID_RE.pattern}(?:\.pdf)?/?(?:[&;%].*)?$",
    re.IGNORECASE,
)
# Hugging Face paper pages are named by arXiv id: huggingface.co/papers/2510.04849
_HF_HOSTS = ("huggingface.co", "hf.co")
_HF_PAPER_RE = re.compile(rf"^/papers/{_ARXIV_NEW}{_ARXIV_VERSION}/?$")
# Legacy FTP layout: /ftp/arxiv/papers/YYMM/YYMM.NNNNN.pdf and /ftp/ARCHIVE/papers/YYMM/YYMMNNN.pdf
_ARXIV_FTP_NEW_RE = re.compile(rf"^/ftp/arxiv/papers/\d{{4}}/{_ARXIV_NEW}{_ARXIV_VERSION}\.\w+$")
_ARXIV_FTP_OLD_RE = re.compile(
    rf"^/ftp/(?P<archive>[a-z]+(?:-[a-z]+)?)/papers/\d{{4}}/(?P<oldnum>\d{{7}}){_ARXIV_VERSION}\.\w+$"
)
# arXiv's own DOIs (DataCite, https://info.arxiv.org/help/doi.html): 10.48550/arXiv.2401.04088
_ARXIV_DOI_RE = re.compile(rf"^10\.48550/arxiv\.{_ARXIV_NEW}{_ARXIV_VERSION}$", re.IGNORECASE)


def _valid_new_arxiv(yymm: str, num: str) -> bool:
    """4-digit numbers until 2014-12, 5-digit from 2015-01; months 01-12; from 2007-04."""
    month = int(yymm[2:])
    if not 1 <= month <= 12 or int(yymm) < 704:
        return False
    return len(num) == (4 if int(yymm) < 1501 else 5)


def _arxiv_from_match(match: re.Match[str]) -> tuple[str, int | None] | None:
    groups = match.groupdict()
    if groups.get("new"):
        if not _valid_new_arxiv(groups["yymm"], groups["num"]):
            return None
        bare = groups["new"]
    elif groups.get("oldnum"):
        month = int(groups["oldnum"][2:4])
        if not 1 <= month <= 12:
            return None
        bare = f"{groups['archive'].lower()}/{groups['oldnum']}"
    else:
        return None
    version = groups.get("version")
    return bare, (int(version) if version else None)


def _arxiv_link(bare: str, version: int | None, flags: tuple[str, ...]) -> ParsedLink:
    if version is not None:
        flags = (*flags, f"arxiv_version:{bare}v{version}")
    return ParsedLink.model_construct(kind=IdKind.ARXIV, id=bare, version=version, flags=flags)


# --------------------------------------------------------------------------- DOI
# DOI syntax: https://www.doi.org/doi-handbook/HTML/doi-name-syntax.html (prefix 10.NNNN,
# suffix any printable characters; case-insensitive, so we lower-case).
_DOI_RE = re.compile(r"(?:^|(?<=[/=:]))(10\.\d{4,9}/[^\s?#&\"'<>]+)")
_DOI_FULL_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_HOSTS = ("doi.org", "dx.doi.org", "www.doi.org")
_DOI_TRAILING_PUNCT = ".,;)]}>\"'"


def _clean_doi(doi: str) -> str | None:
    doi = doi.strip().lower()
    # Until stable, so that cleaning is idempotent ("x.pdf." and "x.pdf.pdf" both give "x").
    previous = None
    while doi != previous:
        previous = doi
        doi = doi.rstrip(_DOI_TRAILING_PUNCT).removesuffix(".pdf")
    return doi if _DOI_FULL_RE.match(doi) else None


def _doi_from_path(path: str, host: str = "") -> str | None:
    """A DOI written in a publisher path.

    IOP writes DOIs whose suffix holds ``/`` (``article/10.1088/1742-6596/2010/1/012175/pdf``):
    there the rest of the path is the DOI, less a trailing ``/pdf``, ``/meta``, ... Elsewhere
    publishers put more path after the DOI (``.../10.1063/5.0012345/19984173/file.pdf``,
    ``direct.mit.edu/.../doi/10.1162/tacl_a_00529/114373/FaithDial-...``); most suffixes have no
    ``/``, so the first segment is kept.
    """
    whole = _DOI_AFTER_SEGMENT_RE.search(path) if host.endswith("iop.org") else None
    if whole:
        doi = whole.group("doi")
        previous = None
        while doi != previous:
            previous = doi
            doi = _DOI_TRAILING_SEGMENT_RE.sub("", doi.rstrip("/"))
        return _clean_doi(doi)
    match = _DOI_RE.search(path)
    if not match:
        return None
    prefix, _, rest = match.group(1).partition("/")
    suffix = rest.split("/", 1)[0]
    return _clean_doi(f"{prefix}/{suffix}")


_DOI_AFTER_SEGMENT_RE = re.compile(
    r"/(?P<segment>doi|article)/(?:(?:abs|pdf|full|epdf|reader|book|chapter|fulltext)/)?"
    r"(?P<doi>10\.\d{4,9}/[^\s?#&\"'<>]+)",
    re.IGNORECASE,
)
_DOI_TRAILING_SEGMENT_RE = re.compile(
    r"/(?:pdf|full|abstract|abs|epdf|html|meta|fulltext|references|figures|summary|"
    r"suppl(?:ementary)?(?:_file)?|download|view|reader)$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- OpenReview / ACL
# OpenReview note ids: https://docs.openreview.net/ (forum?id=..., pdf?id=...); letters, digits,
# '-' and '_' (some end with '_').
_OPENREVIEW_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{5,40}$")
_OPENREVIEW_HOSTS = ("openreview.net", "www.openreview.net")
# ACL Anthology ids: https://aclanthology.org/info/ids/ - old P19-1103, new 2021.naacl-main.321.
_ACL_OLD = r"[A-Za-z]\d{2}-\d{4}"
_ACL_NEW = r"\d{4}\.[a-z0-9]+(?:-[a-z0-9]+)*\.\d+"
_ACL_ID_RE = re.compile(rf"^(?P<id>{_ACL_OLD}|{_ACL_NEW})$", re.IGNORECASE)
_ACL_HOSTS = (
    "aclanthology.org",
    "www.aclanthology.org",
    "aclweb.org",
    "www.aclweb.org",
    "aclanthology.coli.uni-saarland.de",
)


def _normalize_acl(raw: str) -> str | None:
    match = _ACL_ID_RE.match(raw)
    if not match:
        return None
    acl = match.group("id")
    # Old-style ids start with an upper-case volume letter; new-style ids are lower-case.
    return acl[0].upper() + acl[1:] if re.match(_ACL_OLD, acl) else acl.lower()


def _acl_from_path(path: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == "anthology":  # aclweb.org/anthology/...
        segments = segments[1:]
    # Old aclweb layout papers/P/P19/P19-1103/; now P19-1103(.pdf) or 2021.naacl-main.321(.pdf).
    # Other paths (/volumes/..., /events/..., /people/...) are not single papers.
    if len(segments) >= 4 and segments[0] == "papers":
        candidate = segments[3]
    elif len(segments) == 1:
        candidate = segments[0]
    else:
        return None
    if candidate.lower().endswith(".pdf"):
        candidate = candidate[: -len(".pdf")]
    return _normalize_acl(candidate)


# --------------------------------------------------------------------------- paper hosts
#: Hosts (and their subdomains) whose pages/PDFs are papers but carry no id we normalize.
PAPER_HOSTS: frozenset[str] = frozenset(
    {
        "openaccess.thecvf.com",
        "thecvf.com",
        "ecva.net",
        "papers.nips.cc",
        "proceedings.neurips.cc",
        "neurips.cc",
        "proceedings.mlr.press",
        "jmlr.org",
        "ieeexplore.ieee.org",
        "link.springer.com",
        "dl.acm.org",
        "ojs.aaai.org",
        "aaai.org",
        "ijcai.org",
        "usenix.org",
        "sciencedirect.com",
        "semanticscholar.org",
        "proceedings.mlsys.org",
        "mlsys.org",
        "nature.com",
        "science.org",
        "biorxiv.org",
        "medrxiv.org",
        "pubmed.ncbi.nlm.nih.gov",
        "ncbi.nlm.nih.gov",
        "onlinelibrary.wiley.com",
        "tandfonline.com",
        "mdpi.com",
        "isca-archive.org",
        "isca-speech.org",
    }
)

# Recovery of malformed links: a known host followed by a path, anywhere in the text.
_EMBEDDED_HOST_RE = re.compile(
    r"(?:^|[^a-z0-9.-])(?P<host>(?:www\.|export\.|dx\.)?"
    r"(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org|aclweb\.org))(?P<rest>/\S*)",
    re.IGNORECASE,
)
# scheme://[user@]host[:port]/path?query#fragment (RFC 3986 shape, no IPv6 literals needed)
_URL_RE = re.compile(
    r"^(?:https?|ftp)://(?:[^@/?#\s]*@)?(?P<host>[^/?#:\s]+)(?::\d*)?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?",
    re.IGNORECASE,
)


_NESTED_TARGET_RE = re.compile(r"^\[[^\]]*\]\(\s*<?(?P<target>[^\s()<>]+)>?\s*\)$")


def _host_matches(host: str, domains: tuple[str, ...] | frozenset[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one (checked suffix by suffix)."""
    while True:
        if host in domains:
            return True
        dot = host.find(".")
        if dot < 0:
            return False
        host = host[dot + 1 :]


def _parse_well_formed(host: str, path: str, query: str, flags: tuple[str, ...]) -> ParsedLink:
    """Classify a link whose host and path are known (scheme already checked or recovered)."""
    host = host.lower().rstrip(".")
    if host.startswith("www.") and host[4:] in ("arxiv.org",):
        host = host[4:]
    if _host_matches(host, _ARXIV_HOSTS):
        for regex in (_ARXIV_PATH_RE, _ARXIV_FTP_NEW_RE, _ARXIV_FTP_OLD_RE):
            match = regex.match(path)
            if match:
                parsed = _arxiv_from_match(match)
                if parsed:
                    return _arxiv_link(*parsed, flags)
        return ParsedLink.model_construct(kind=IdKind.NONE, flags=flags)
    if _host_matches(host, _DOI_HOSTS):
        return _from_doi_text(unquote(path.lstrip("/")), flags)
    if _host_matches(host, _OPENREVIEW_HOSTS):
        if path.rstrip("/") in ("/forum", "/pdf", "/attachment"):
            ids = parse_qs(query).get("id", [])
            note = ids[0].strip().rstrip("/") if ids else ""  # "?id=WOFspd4lq5/" seen in lists
            if _OPENREVIEW_ID_RE.match(note):
                return ParsedLink.model_construct(kind=IdKind.OPENREVIEW, id=note, flags=flags)
        return ParsedLink.model_construct(kind=IdKind.NONE, flags=flags)
    if _host_matches(host, _ACL_HOSTS):
        acl = _acl_from_path(path)
        if acl:
            return ParsedLink.model_construct(kind=IdKind.ACL, id=acl, flags=flags)
        return ParsedLink.model_construct(kind=IdKind.NONE, flags=flags)
    # A DOI written literally in a publisher path or query string (ACM, Springer, PLOS, ...).
    doi = _doi_from_path(unquote(path), host)
    if doi is None:
        for values in parse_qs(query).values():
            for value in values:
                value = value.strip()
                if _DOI_RE.match(value):
                    doi = _clean_doi(value)
                    break
            if doi:
                break
    if doi:
        return _from_doi_text(doi, flags)
    hf_paper = _HF_PAPER_RE.match(path) if _host_matches(host, _HF_HOSTS) else None
    if hf_paper:
        parsed = _arxiv_from_match(hf_paper)
        if parsed:
            return _arxiv_link(*parsed, flags)
    if _host_matches(host, PAPER_HOSTS) or path.lower().endswith(".pdf"):
        return ParsedLink.model_construct(kind=IdKind.PAPER_URL, flags=flags)
    return ParsedLink.model_construct(kind=IdKind.NONE, flags=flags)


def _from_doi_text(text: str, flags: tuple[str, ...]) -> ParsedLink:
    doi = _clean_doi(text)
    if doi is None:
        return ParsedLink.model_construct(kind=IdKind.NONE, flags=flags)
    arxiv = _ARXIV_DOI_RE.match(doi)
    if arxiv:
        parsed = _arxiv_from_match(arxiv)
        if parsed:
            return _arxiv_link(*parsed, flags)
    return ParsedLink.model_construct(kind=IdKind.DOI, id=doi, flags=flags)


@functools.lru_cache(maxsize=1 << 16)
def parse_link(url: str) -> ParsedLink:
    """Say what the link target ``url`` points to. Never raises.

    A well-formed ``http(s)``/``ftp`` URL at a known host gives its id; a paper host without an
    id gives ``paper_url``; anything else ``none``. If the URL is malformed (bad scheme, bogus
    host, no scheme) but a known id host appears inside it, the id is returned with the flag
    ``malformed_link``.
    """
    text = url.strip()
    if not text or len(text) > 4096:
        return _NONE
    nested = _NESTED_TARGET_RE.match(text)
    if nested:
        # "[Paper]([https://arxiv.org/abs/...](https://arxiv.org/abs/...))": a target that is
        # itself a markdown link; its own target is the link meant.
        inner = parse_link(nested.group("target"))
        if inner.kind is IdKind.NONE:
            return inner
        return inner.model_copy(update={"flags": (MALFORMED_LINK, *inner.flags)})
    parts = _URL_RE.match(text)
    if parts:
        host = parts.group("host").lower()
        parsed = _parse_well_formed(host, parts.group("path"), parts.group("query") or "", ())
        if parsed.kind is not IdKind.NONE or _host_is_id_host(host):
            return parsed
        wrapped = _wrapped_url(text)
        if wrapped is not None:
            inner = parse_link(wrapped)
            if inner.id is not None:
                return inner
    recovered = _recover(text)
    return recovered or _NONE


_WRAPPED_URL_RE = re.compile(r"(?<=[=/])(https?(?::|%3A)(?:/|%2F){2}.+)$", re.IGNORECASE)


def _wrapped_url(text: str) -> str | None:
    """The URL a redirect or archive link wraps: ``google.com/url?...&url=https%3A%2F%2F...``,
    ``web.archive.org/web/2022.../https://...``."""
    match = _WRAPPED_URL_RE.search(text, 8)
    if not match:
        return None
    inner = match.group(1)
    if "%3A" in inner[:8].upper():
        inner = unquote(inner.split("&", 1)[0])
    return inner


def _host_is_id_host(host: str) -> bool:
    return _host_matches(host, _ARXIV_HOSTS + _DOI_HOSTS + _OPENREVIEW_HOSTS + _ACL_HOSTS)


def _recover(text: str) -> ParsedLink | None:
    """Find a known id host inside a malformed link (``https:/FFD/arxiv.org/abs/...``)."""
    match = _EMBEDDED_HOST_RE.search(text)
    if not match:
        return None
    rest = match.group("rest")
    path, _, query = rest.partition("?")
    path = path.split("#", 1)[0]
    query = query.split("#", 1)[0]
    parsed = _parse_well_formed(match.group("host"), path, query, (MALFORMED_LINK,))
    return parsed if parsed.id is not None else None


# --------------------------------------------------------------------------- normalize_id
_PREFIX_RE = re.compile(
    r"^(?P<prefix>arxiv|doi|openreview|acl)\s*:\s*(?P<value>.+)$", re.IGNORECASE
)


def normalize_id(text: str) -> str | None:
    """The prefixed canonical paper id for a URL or an id in any accepted form, else None.

    Accepted: URLs (see :func:`parse_link`), prefixed ids (``arXiv:2401.04088v2``,
    ``DOI:10.1145/...``, ``openreview:...``, ``ACL:P19-1103``, any case), bare arXiv ids
    (``2401.04088``, ``hep-th/9901001``) and bare DOIs (``10.1145/...``). Versions are dropped.
    Idempotent: ``normalize_id(normalize_id(x)) == normalize_id(x)``. Never raises.
    """
    value = text.strip() if isinstance(text, str) else ""
    if not value or len(value) > 4096:
        return None
    prefixed = _PREFIX_RE.match(value)
    if prefixed:
        return _normalize_prefixed(
            prefixed.group("prefix").lower(), prefixed.group("value").strip()
        )
    if "://" in value or _EMBEDDED_HOST_RE.search(value):
        return parse_link(value).paper_id
    return _normalize_bare(value)


def _normalize_prefixed(prefix: str, value: str) -> str | None:
    if prefix == "arxiv":
        match = _ARXIV_ID_FULL_RE.match(value)
        parsed = _arxiv_from_match(match) if match else None
        return f"arxiv:{parsed[0]}" if parsed else None
    if prefix == "doi":
        link = _from_doi_text(value, ())
        return link.paper_id
    if prefix == "openreview":
        return f"openreview:{value}" if _OPENREVIEW_ID_RE.match(value) else None
    acl = _normalize_acl(value)
    return f"acl:{acl}" if acl else None


def _normalize_bare(value: str) -> str | None:
    match = _ARXIV_ID_FULL_RE.match(value)
    if match:
        parsed = _arxiv_from_match(match)
        return f"arxiv:{parsed[0]}" if parsed else None
    if _DOI_FULL_RE.match(value):
        return _from_doi_text(value, ()).paper_id
    return None


def split_paper_id(paper_id: str) -> tuple[IdKind, str] | None:
    """``"arxiv:2401.04088"`` -> ``(IdKind.ARXIV, "2401.04088")``; None if not a canonical id."""
    kind, sep, bare = paper_id.partition(":")
    if not sep or kind not in {k.value for k in ID_KINDS}:
        return None
    return IdKind(kind), bare
