"""Reading a list's text from a file, an http(s) URL or a ``github:OWNER/REPO[@REF][:PATH]`` spec.

Every way a source can be unusable (missing, a directory, binary, UTF-16 or UTF-32, not UTF-8,
empty, too large, unreachable, HTTP error, malformed spec, unsupported URL scheme) raises
:class:`enrich.errors.InputError` whose message names the source and the problem in one line.
The size limit is checked before the whole text is read (file size from ``stat``,
``Content-Length``, then bytes as they stream in). :func:`check_readable` finds the sources
that can never be read without touching the network, so a run can refuse them before it starts.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from enrich.errors import InputError
from enrich.models import ListInfo, Model
from enrich.settings import Settings

#: Largest list text accepted, in bytes. The biggest real awesome lists are well under 1 MB.
MAX_LIST_BYTES = 20 * 1024 * 1024
#: Bytes inspected for NUL bytes when deciding whether a file is binary.
_BINARY_SNIFF_BYTES = 8192
#: The file read when a github: spec names no path.
DEFAULT_README = "README.md"

_GITHUB_SPEC_RE = re.compile(
    r"^github:(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<repo>[A-Za-z0-9._-]{1,100})"
    r"(?:@(?P<ref>[^\s:@]{1,250}))?(?::(?P<path>[^\s]{1,500}))?$"
)
# https://github.com/OWNER/REPO and https://github.com/OWNER/REPO/blob/REF/PATH
_GITHUB_PAGE_RE = re.compile(
    r"^https?://(?:www\.)?github\.com/(?P<owner>[^/\s]+)/(?P<repo>[^/\s#?]+?)(?:\.git)?/?"
    r"(?:/(?:blob|raw)/(?P<ref>[^/\s]+)/(?P<path>[^\s#?]+))?(?:[?#].*)?$"
)


class ListText(Model):
    """A list's raw text and where it came from (``info.version`` is the text's sha256)."""

    info: ListInfo
    text: str


class GithubSpec(Model):
    """A parsed ``github:OWNER/REPO[@REF][:PATH]`` source."""

    owner: str
    repo: str
    ref: str = "HEAD"
    path: str = DEFAULT_README

    def raw_url(self, root: str) -> str:
        return f"{root.rstrip('/')}/{self.owner}/{self.repo}/{self.ref}/{self.path.lstrip('/')}"


def parse_github_spec(source: str) -> GithubSpec:
    """Parse ``github:OWNER/REPO[@REF][:PATH]``; raise InputError naming the source if malformed."""
    match = _GITHUB_SPEC_RE.match(source.strip())
    if not match:
        raise InputError(
            f"{source}: not a valid github source; expected github:OWNER/REPO[@REF][:PATH]"
        )
    path = match.group("path")
    if path is not None and (".." in path.split("/") or not path.strip("/")):
        raise InputError(f"{source}: invalid path in github source")
    return GithubSpec(
        owner=match.group("owner"),
        repo=match.group("repo"),
        ref=match.group("ref") or "HEAD",
        path=(path or DEFAULT_README).strip("/"),
    )


def _slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "list"


def list_slug(source: str) -> str:
    """A stable slug naming the list of ``source``.

    ``github:SuperBruceJia/Awesome-Mixture-of-Experts`` -> ``superbrucejia-awesome-mixture-of-
    experts`` (a non-default PATH adds its stem); GitHub page and raw URLs give the same slug as
    their github: spec; other URLs give host and path stem; file paths give the file's stem.
    """
    text = source.strip()
    if text.startswith("github:"):
        match = _GITHUB_SPEC_RE.match(text)
        if match:
            return _github_slug(match.group("owner"), match.group("repo"), match.group("path"))
        return _slugify(text.removeprefix("github:"))
    if re.match(r"^https?://", text, re.IGNORECASE):
        page = _GITHUB_PAGE_RE.match(text)
        if page:
            return _github_slug(page.group("owner"), page.group("repo"), page.group("path"))
        parts = urlsplit(text)
        segments = [s for s in parts.path.split("/") if s]
        host = (parts.hostname or "").lower()
        if host == "raw.githubusercontent.com" and len(segments) >= 3:
            return _github_slug(segments[0], segments[1], "/".join(segments[3:]) or None)
        stem = Path(segments[-1]).stem if segments else ""
        return _slugify(f"{host}-{stem}" if stem else host)
    return _slugify(Path(text).stem)


def _github_slug(owner: str, repo: str, path: str | None) -> str:
    slug = f"{owner}-{repo}"
    if path and Path(path).name.lower() not in ("readme.md", "readme"):
        slug += f"-{Path(path).stem}"
    return _slugify(slug)


def read_list(source: str, settings: Settings, *, client: httpx.Client | None = None) -> ListText:
    """Read the list text of ``source``: a file path, an http(s) URL, or a github: spec.

    ``github:OWNER/REPO[@REF][:PATH]`` reads ``PATH`` (default README.md) at ``REF`` (default
    HEAD) under ``settings.github_raw_url``; github.com page URLs are read the same way. ``client``
    is used for HTTP when given (tests pass one with a mock transport); otherwise a client with
    ``settings.request_timeout_seconds`` is created for the call. Raises InputError.
    """
    text = source.strip()
    if not text:
        raise InputError("empty source: give a file path, an http(s) URL or github:OWNER/REPO")
    if text.startswith("github:"):
        spec = parse_github_spec(text)
        url = spec.raw_url(settings.github_raw_url)
        body = _fetch(source, url, settings, client)
    elif re.match(r"^https?://", text, re.IGNORECASE):
        page = _GITHUB_PAGE_RE.match(text)
        if page:
            url = GithubSpec(
                owner=page.group("owner"),
                repo=page.group("repo"),
                ref=page.group("ref") or "HEAD",
                path=page.group("path") or DEFAULT_README,
            ).raw_url(settings.github_raw_url)
        else:
            url = text
        body = _fetch(source, url, settings, client)
    elif re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        raise InputError(f"{source}: unsupported URL scheme (only http and https are read)")
    else:
        url = None
        body = _read_file(source, Path(text))
    decoded = _decode(source, body)
    info = ListInfo(
        source=source,
        name=list_slug(source),
        url=url,
        version=hashlib.sha256(decoded.encode("utf-8")).hexdigest(),
    )
    return ListText(info=info, text=decoded)


def _read_file(source: str, path: Path) -> bytes:
    try:
        if not path.exists():
            raise InputError(f"{source}: no such file")
        if path.is_dir():
            raise InputError(f"{source}: is a directory, not a list file")
        if not path.is_file():
            raise InputError(f"{source}: not a regular file")
        size = path.stat().st_size
        if size > MAX_LIST_BYTES:
            raise InputError(
                f"{source}: file is too large ({size} bytes; the limit is {MAX_LIST_BYTES})"
            )
        with path.open("rb") as handle:
            # Read one byte past the limit so a file that grew since stat() is still caught.
            data = handle.read(MAX_LIST_BYTES + 1)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(
            f"{source}: cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    if len(data) > MAX_LIST_BYTES:
        raise InputError(f"{source}: file is too large (the limit is {MAX_LIST_BYTES} bytes)")
    return data


def _fetch(source: str, url: str, settings: Settings, client: httpx.Client | None) -> bytes:
    own_client = client is None
    http = client or httpx.Client(timeout=settings.request_timeout_seconds, follow_redirects=True)
    try:
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                reason = response.reason_phrase or "error"
                raise InputError(
                    f"{source}: HTTP {response.status_code} {reason}",
                    url=url,
                    status=response.status_code,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_LIST_BYTES:
                raise InputError(
                    f"{source}: too large ({declared} bytes; the limit is {MAX_LIST_BYTES})",
                    url=url,
                    permanent=True,
                )
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > MAX_LIST_BYTES:
                    raise InputError(
                        f"{source}: too large (more than {MAX_LIST_BYTES} bytes)",
                        url=url,
                        permanent=True,
                    )
                chunks.append(chunk)
    except httpx.InvalidURL as exc:  # not an httpx.HTTPError: it would escape as a traceback
        raise InputError(f"{source}: not a valid URL ({exc})") from None
    except httpx.TimeoutException:
        raise InputError(f"{source}: timed out", url=url) from None
    except httpx.HTTPError as exc:
        raise InputError(f"{source}: cannot be reached ({type(exc).__name__})", url=url) from None
    finally:
        if own_client:
            http.close()
    return b"".join(chunks)


#: Byte-order marks of encodings other than UTF-8 (UTF-32 first: its LE mark starts like UTF-16's).
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _utf16_without_bom(head: bytes) -> bool:
    """Mostly-ASCII text in UTF-16 has a NUL at nearly every other byte, and few elsewhere."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return False
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    return max(nul_even, nul_odd) >= 0.7 and min(nul_even, nul_odd) <= 0.1


def check_readable(source: str, settings: Settings) -> None:
    """Raise :class:`InputError` when ``source`` can never be read, without any request.

    A local file is read and decoded in full (missing, binary, UTF-16, not UTF-8, empty, over
    the size limit); a ``github:`` spec must be well-formed; a URL must be http(s) with a host.
    Whether a URL or a ``github:`` source answers is left to the run (it retries, and may fall
    back to a bundled copy).
    """
    text = source.strip()
    if not text:
        raise InputError("empty source: give a file path, an http(s) URL or github:OWNER/REPO")
    if text.startswith("github:"):
        parse_github_spec(text)
    elif re.match(r"^https?://", text, re.IGNORECASE):
        if not urlsplit(text).hostname:
            raise InputError(f"{source}: not a valid URL (no host)")
    elif re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        raise InputError(f"{source}: unsupported URL scheme (only http and https are read)")
    else:
        read_list(source, settings)


def _decode(source: str, data: bytes) -> str:
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            raise InputError(
                f"{source}: is {encoding} text; lists are read as UTF-8 (save it as UTF-8)",
                permanent=True,
            )
    head = data[:_BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        if _utf16_without_bom(head[: len(head) - len(head) % 2]):
            raise InputError(
                f"{source}: looks like UTF-16 text (without a byte-order mark); lists are read "
                "as UTF-8 (save it as UTF-8)",
                permanent=True,
            )
        raise InputError(f"{source}: looks like a binary file, not a markdown list", permanent=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not valid UTF-8 (bad byte at offset {exc.start})", permanent=True
        ) from None
    if not text.strip():
        raise InputError(f"{source}: is empty")
    return text
