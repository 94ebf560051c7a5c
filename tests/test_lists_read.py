"""Reading list sources: files, URLs, github: specs, and every kind of bad input."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from enrich.errors import InputError
from enrich.lists.read import (
    MAX_LIST_BYTES,
    check_readable,
    list_slug,
    parse_github_spec,
    read_list,
)
from enrich.settings import Settings

SEED = Path(__file__).parent / "data" / "lists" / "000_9cd65308fa97601f.txt"
TEXT = "# Awesome Things\n\n- [Paper](https://arxiv.org/abs/2401.04088)\n"


@pytest.fixture
def offline_settings() -> Settings:
    return Settings.from_env({}, github_raw_url="https://raw.example.test")


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_reads_a_file(offline_settings: Settings) -> None:
    listed = read_list(str(SEED), offline_settings)
    raw = SEED.read_bytes()
    assert listed.text == raw.decode("utf-8")
    assert listed.info.source == str(SEED)
    assert listed.info.name == "000-9cd65308fa97601f"
    assert listed.info.version == hashlib.sha256(raw).hexdigest()
    assert listed.info.url is None


def test_reads_github_spec_default_readme_and_ref(offline_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text=TEXT)

    source = "github:SuperBruceJia/Awesome-Mixture-of-Experts"
    listed = read_list(source, offline_settings, client=_client(handler))
    expected_url = (
        "https://raw.example.test/SuperBruceJia/Awesome-Mixture-of-Experts/HEAD/README.md"
    )
    assert seen == [expected_url]
    assert listed.info.url == expected_url
    assert listed.info.name == "superbrucejia-awesome-mixture-of-experts"
    assert listed.text == TEXT


def test_reads_github_spec_with_ref_and_path(offline_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text=TEXT)

    listed = read_list(
        "github:o/r@c8f75dd:docs/papers.md", offline_settings, client=_client(handler)
    )
    assert seen == ["https://raw.example.test/o/r/c8f75dd/docs/papers.md"]
    assert listed.info.name == "o-r-papers"


def test_github_page_url_is_read_raw(offline_settings: Settings) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text=TEXT)

    url = "https://github.com/coree/awesome-rag/blob/main/README.md"
    listed = read_list(url, offline_settings, client=_client(handler))
    assert seen == ["https://raw.example.test/coree/awesome-rag/main/README.md"]
    assert listed.info.name == "coree-awesome-rag"


def test_reads_plain_url(offline_settings: Settings) -> None:
    listed = read_list(
        "https://example.org/lists/papers.md",
        offline_settings,
        client=_client(lambda request: httpx.Response(200, text=TEXT)),
    )
    assert listed.info.url == "https://example.org/lists/papers.md"
    assert listed.info.name == "example-org-papers"


@pytest.mark.parametrize(
    ("source", "slug"),
    [
        (
            "github:SuperBruceJia/Awesome-Mixture-of-Experts",
            "superbrucejia-awesome-mixture-of-experts",
        ),
        (
            "github:SuperBruceJia/Awesome-Mixture-of-Experts@v1:README.md",
            "superbrucejia-awesome-mixture-of-experts",
        ),
        ("https://raw.githubusercontent.com/coree/awesome-rag/main/README.md", "coree-awesome-rag"),
        (
            "tests/data/lists/SuperBruceJia__Awesome-Mixture-of-Experts.md",
            "superbrucejia-awesome-mixture-of-experts",
        ),
        ("/tmp/My List (2024).md", "my-list-2024"),
    ],
)
def test_list_slug(source: str, slug: str) -> None:
    assert list_slug(source) == slug


# --------------------------------------------------------------------------- bad input


def _expect_error(
    source: str, settings: Settings, fragment: str, client: httpx.Client | None = None
) -> str:
    with pytest.raises(InputError) as info:
        read_list(source, settings, client=client)
    message = str(info.value)
    assert source in message, message
    assert fragment in message, message
    assert "\n" not in message
    return message


def test_missing_file(offline_settings: Settings, tmp_path: Path) -> None:
    _expect_error(str(tmp_path / "nope.md"), offline_settings, "no such file")


def test_directory(offline_settings: Settings, tmp_path: Path) -> None:
    _expect_error(str(tmp_path), offline_settings, "is a directory")


def test_binary_file(offline_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _expect_error(str(path), offline_settings, "binary")


@pytest.mark.parametrize(
    ("encoding", "fragment"),
    [
        ("utf-16", "is UTF-16 text; lists are read as UTF-8 (save it as UTF-8)"),  # with a BOM
        ("utf-16-be", "looks like UTF-16 text (without a byte-order mark)"),
        ("utf-16-le", "looks like UTF-16 text (without a byte-order mark)"),
        ("utf-32", "is UTF-32 text"),
    ],
)
def test_utf16_and_utf32_are_named_not_called_binary(
    offline_settings: Settings, tmp_path: Path, encoding: str, fragment: str
) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(TEXT.encode(encoding))
    message = _expect_error(str(path), offline_settings, fragment)
    assert "binary" not in message


def test_invalid_utf8(offline_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("# Liste\n\n- Gödel".encode("latin-1"))
    _expect_error(str(path), offline_settings, "not valid UTF-8")


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file(offline_settings: Settings, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    _expect_error(str(path), offline_settings, "is empty")


def test_50_mb_file_is_refused_before_reading(offline_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:  # sparse: costs no disk and no time
        handle.truncate(50 * 1024 * 1024)
    _expect_error(str(path), offline_settings, "too large")


def test_unreadable_file(offline_settings: Settings, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read files without read permission")
    path = tmp_path / "secret.md"
    path.write_text(TEXT)
    path.chmod(0)
    _expect_error(str(path), offline_settings, "permission denied")


def test_unreachable_url(offline_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    _expect_error(
        "https://example.org/list.md",
        offline_settings,
        "cannot be reached",
        client=_client(handler),
    )


def test_url_timeout(offline_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    _expect_error(
        "https://example.org/list.md", offline_settings, "timed out", client=_client(handler)
    )


def test_http_error_status(offline_settings: Settings) -> None:
    message = _expect_error(
        "github:o/missing",
        offline_settings,
        "HTTP 404",
        client=_client(lambda request: httpx.Response(404, text="404: Not Found")),
    )
    assert "url=https://raw.example.test/o/missing/HEAD/README.md" in message


def test_too_large_download(offline_settings: Settings) -> None:
    big = b"x" * (MAX_LIST_BYTES + 1)
    _expect_error(
        "https://example.org/big.md",
        offline_settings,
        "too large",
        client=_client(lambda request: httpx.Response(200, content=big)),
    )


@pytest.mark.parametrize(
    ("respond", "permanent"),
    [
        # Content-Length over the limit: refused before the body is read.
        (lambda request: httpx.Response(200, content=b"x" * (MAX_LIST_BYTES + 1)), True),
        # No Content-Length (chunked): refused while streaming.
        (
            lambda request: httpx.Response(200, content=iter([b"x" * MAX_LIST_BYTES, b"x"])),
            True,
        ),
        (lambda request: httpx.Response(503, text="busy"), False),
    ],
    ids=["declared-too-large", "streamed-too-large", "http-503"],
)
def test_a_too_large_download_is_a_permanent_error_a_503_is_not(
    offline_settings: Settings,
    respond: Callable[[httpx.Request], httpx.Response],
    permanent: bool,
) -> None:
    with pytest.raises(InputError) as info:
        read_list("https://example.org/big.md", offline_settings, client=_client(respond))
    assert info.value.url == "https://example.org/big.md"
    assert info.value.permanent is permanent


def test_an_unreachable_url_is_not_a_permanent_error(offline_settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(InputError) as info:
        read_list("https://example.org/list.md", offline_settings, client=_client(handler))
    assert info.value.permanent is False


@pytest.mark.parametrize(
    "source",
    ["github:", "github:owner", "github:o/r:../../etc/passwd", "github:o/r@:x", "github:a b/c"],
)
def test_malformed_github_spec(offline_settings: Settings, source: str) -> None:
    _expect_error(source, offline_settings, "github")


def test_unsupported_scheme(offline_settings: Settings) -> None:
    _expect_error("ftp://example.org/list.md", offline_settings, "unsupported URL scheme")


def test_invalid_url(offline_settings: Settings) -> None:
    _expect_error("http://[::1", offline_settings, "not a valid URL")


def test_parse_github_spec() -> None:
    spec = parse_github_spec("github:Hannibal046/Awesome-LLM@538eed0:README.md")
    assert (spec.owner, spec.repo, spec.ref, spec.path) == (
        "Hannibal046",
        "Awesome-LLM",
        "538eed0",
        "README.md",
    )


# --------------------------------------------------------------------------- check_readable


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("ftp://example.org/list.md", "unsupported URL scheme"),
        ("file:///etc/hosts", "unsupported URL scheme"),
        ("https://", "not a valid URL (no host)"),
        ("github:owner", "not a valid github source"),
        ("   ", "empty source"),
    ],
)
def test_check_readable_refuses_sources_that_can_never_be_read(
    offline_settings: Settings, source: str, fragment: str
) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        check_readable(source, offline_settings)


def test_check_readable_reads_local_files_in_full_but_never_the_network(
    offline_settings: Settings, tmp_path: Path
) -> None:
    good = tmp_path / "good.md"
    good.write_text(TEXT, encoding="utf-8")
    check_readable(str(good), offline_settings)
    # Unreachable hosts pass: the run retries them and may use a bundled copy.
    check_readable("https://unreachable.invalid/list.md", offline_settings)
    check_readable("github:owner/repo", offline_settings)
    for name, content in [("u16.md", TEXT.encode("utf-16")), ("bad.md", b"\xff\xfe\xfa\x00x")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InputError) as info:
            check_readable(str(tmp_path / name), offline_settings)
        assert info.value.permanent
    huge = tmp_path / "huge.md"
    with huge.open("wb") as handle:
        handle.truncate(MAX_LIST_BYTES + 1)
    with pytest.raises(InputError, match="too large"):
        check_readable(str(huge), offline_settings)
