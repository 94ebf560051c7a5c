"""Identifier recognition and normalization: every URL form of the issue, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.lists.identifiers import IdKind, ParsedLink, normalize_id, parse_link, split_paper_id

# (link as written, expected canonical paper id)
URL_FORMS = [
    # arXiv new style, 4 and 5 digits, abs/pdf/.pdf, hosts, versions
    ("https://arxiv.org/abs/2401.04088", "arxiv:2401.04088"),
    ("https://arxiv.org/abs/2401.04088v2", "arxiv:2401.04088"),
    ("https://arxiv.org/pdf/2401.04088", "arxiv:2401.04088"),
    ("https://arxiv.org/pdf/2401.04088v3.pdf", "arxiv:2401.04088"),
    ("http://www.arxiv.org/abs/1706.03762", "arxiv:1706.03762"),
    ("https://export.arxiv.org/abs/0704.0001", "arxiv:0704.0001"),
    ("https://arxiv.org/abs/1412.6980", "arxiv:1412.6980"),
    ("https://arxiv.org/abs/2206.04674#", "arxiv:2206.04674"),
    ("https://arxiv.org/html/2402.00838v1", "arxiv:2402.00838"),
    # arXiv old style, with and without subject class
    ("https://arxiv.org/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
    ("https://arxiv.org/abs/math.GT/0309136", "arxiv:math/0309136"),
    ("https://arxiv.org/pdf/cond-mat/0207270v2.pdf", "arxiv:cond-mat/0207270"),
    # legacy FTP paths
    ("https://arxiv.org/ftp/arxiv/papers/1502/1502.01852.pdf", "arxiv:1502.01852"),
    ("https://arxiv.org/ftp/hep-th/papers/9901/9901001.pdf", "arxiv:hep-th/9901001"),
    # arXiv's own DOI
    ("https://doi.org/10.48550/arXiv.2401.04088", "arxiv:2401.04088"),
    # DOIs
    ("https://doi.org/10.1145/3219819.3220007", "doi:10.1145/3219819.3220007"),
    ("https://dx.doi.org/10.1038/NATURE14539", "doi:10.1038/nature14539"),
    ("https://dl.acm.org/doi/10.1145/3627703.3650083", "doi:10.1145/3627703.3650083"),
    ("https://dl.acm.org/doi/abs/10.1145/3503221.3508417", "doi:10.1145/3503221.3508417"),
    ("https://dl.acm.org/doi/pdf/10.1145/3219819.3220007", "doi:10.1145/3219819.3220007"),
    ("https://dl.acm.org/doi/full/10.1145/3383313.3412236", "doi:10.1145/3383313.3412236"),
    ("https://link.springer.com/book/10.1007/978-3-031-23190-2", "doi:10.1007/978-3-031-23190-2"),
    (
        "https://link.springer.com/content/pdf/10.1007/s11263-020-01.pdf",
        "doi:10.1007/s11263-020-01",
    ),
    (
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456",
        "doi:10.1371/journal.pone.0123456",
    ),
    (
        "https://pubs.aip.org/aip/jcp/article/10.1063/5.0012345/19984173/file.pdf",
        "doi:10.1063/5.0012345",
    ),
    (
        "https://royalsocietypublishing.org/doi/pdf/10.1098/rsta.2019.0059",
        "doi:10.1098/rsta.2019.0059",
    ),
    # OpenReview
    ("https://openreview.net/forum?id=PQ2zoIZqvm", "openreview:PQ2zoIZqvm"),
    ("https://openreview.net/pdf?id=qrwe7XHTmYb", "openreview:qrwe7XHTmYb"),
    ("https://openreview.net/forum?id=rJl-b3RcF7&noteId=abc", "openreview:rJl-b3RcF7"),
    ("https://openreview.net/forum?id=Bkg6RiCqY7_", "openreview:Bkg6RiCqY7_"),
    # ACL Anthology, new and old hosts and layouts
    ("https://aclanthology.org/N19-1423.pdf", "acl:N19-1423"),
    ("https://aclanthology.org/2023.findings-acl.251/", "acl:2023.findings-acl.251"),
    ("https://aclanthology.org/2021.naacl-main.321.pdf", "acl:2021.naacl-main.321"),
    ("https://www.aclweb.org/anthology/P19-1103", "acl:P19-1103"),
    ("https://www.aclweb.org/anthology/papers/P/P19/P19-1103/", "acl:P19-1103"),
    ("https://aclweb.org/anthology/papers/Q/Q19/Q19-1004/", "acl:Q19-1004"),
    # forms seen in real lists
    ("https://huggingface.co/papers/2510.04849", "arxiv:2510.04849"),
    ("http://arxiv.org/pdf/1112.6209.pdf&embed", "arxiv:1112.6209"),
    (
        "http://arxiv.org/pdf/1506.05869.pdf%20(http://arxiv.org/pdf/1506.05869.pdf)",
        "arxiv:1506.05869",
    ),
    ("https://openreview.net/pdf?id=WOFspd4lq5/", "openreview:WOFspd4lq5"),
    (
        "https://iopscience.iop.org/article/10.1088/1742-6596/2010/1/012175/pdf",
        "doi:10.1088/1742-6596/2010/1/012175",
    ),
    (
        "https://direct.mit.edu/tacl/article/doi/10.1162/tacl_a_00529/114373/FaithDial",
        "doi:10.1162/tacl_a_00529",
    ),
    (
        "https://www.google.com/url?sa=t&url=https%3A%2F%2Fopenreview.net%2Fpdf%3Fid%3DGgikq6Tdxch&usg=A",
        "openreview:Ggikq6Tdxch",
    ),
    (
        "https://web.archive.org/web/20220426115606id_/https://dl.acm.org/doi/pdf/10.1145/3485447.3512056",
        "doi:10.1145/3485447.3512056",
    ),
]


def test_a_target_that_is_itself_a_markdown_link_gives_the_inner_id() -> None:
    parsed = parse_link("[https://arxiv.org/abs/2401.04088](https://arxiv.org/abs/2401.04088)")
    assert parsed.paper_id == "arxiv:2401.04088" and "malformed_link" in parsed.flags


@pytest.mark.parametrize(("url", "expected"), URL_FORMS)
def test_every_url_form_normalizes(url: str, expected: str) -> None:
    assert normalize_id(url) == expected
    assert normalize_id(expected) == expected


def test_version_is_kept_as_information_and_flagged() -> None:
    link = parse_link("https://arxiv.org/abs/2401.04088v2")
    assert link == ParsedLink(
        kind=IdKind.ARXIV, id="2401.04088", version=2, flags=("arxiv_version:2401.04088v2",)
    )
    assert link.paper_id == "arxiv:2401.04088"


@pytest.mark.parametrize(
    "url",
    [
        "https:/FFD/arxiv.org/abs/2404.08452",  # the seed's broken scheme and bogus host
        "arxiv.org/abs/2404.08452",  # no scheme: a relative link on GitHub
        "https//arxiv.org/abs/2404.08452",
    ],
)
def test_malformed_but_recoverable_links_yield_id_and_flag(url: str) -> None:
    link = parse_link(url)
    assert link.kind is IdKind.ARXIV
    assert link.id == "2404.08452"
    assert "malformed_link" in link.flags


@pytest.mark.parametrize(
    "url",
    [
        "https://openaccess.thecvf.com/content/ICCV2023/papers/Chen_AdaMV-MoE_paper.pdf",
        "https://papers.nips.cc/paper/2020/file/1457c0d6bfcb4967418bfb8ac142f64a-Paper.pdf",
        "https://proceedings.neurips.cc/paper/2021/hash/abc-Abstract.html",
        "http://proceedings.mlr.press/v139/lewis21a/lewis21a.pdf",
        "https://jmlr.org/papers/v21/20-074.html",
        "https://ieeexplore.ieee.org/abstract/document/6797059",
        "https://www.cs.toronto.edu/~hinton/absps/hme.pdf",
    ],
)
def test_other_paper_hosts_stay_paper_urls(url: str) -> None:
    link = parse_link(url)
    assert link.kind is IdKind.PAPER_URL
    assert link.id is None
    assert normalize_id(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/PKU-YuanGroup/MoE-LLaVA",
        "https://huggingface.co/Qwen/Qwen-VL",
        "https://arxiv.org/abs/1501.1234",  # 2015 ids have 5 digits
        "https://arxiv.org/abs/2413.01234",  # month 13
        "https://arxiv.org/list/cs.CL/recent",
        "https://openreview.net/group?id=ICLR.cc/2024/Conference",
        "https://aclanthology.org/volumes/2023.findings-acl/",
        "#contents",
        "",
        "not a url at all",
    ],
)
def test_links_without_ids(url: str) -> None:
    assert parse_link(url).id is None
    assert normalize_id(url) is None


def test_parsed_links_hold_valid_typed_values() -> None:
    # parse_link builds its results without validation: each must equal its validated copy
    urls = [
        "https://arxiv.org/abs/2401.04088v2",
        "https:/FFD/arxiv.org/abs/2404.08452",
        "https://doi.org/10.1145/3219819.3220007",
        "https://dl.acm.org/doi/pdf/10.1145/3219819.3220007",
        "https://openreview.net/forum?id=PQ2zoIZqvm",
        "https://aclanthology.org/P19-1103/",
        "https://huggingface.co/papers/2510.04849",
        "https://openaccess.thecvf.com/content/ICCV2023/papers/Chen_AdaMV-MoE_paper.pdf",
        "https://arxiv.org/list/cs.CL/recent",
        "https://github.com/o/r",
        "[x](https://arxiv.org/abs/2401.04088)",
    ]
    for url in urls:
        link = parse_link(url)
        again = ParsedLink.model_validate(link.model_dump())
        assert again == link, url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv:2401.04088v3", "arxiv:2401.04088"),
        ("2401.04088", "arxiv:2401.04088"),
        ("hep-th/9901001v1", "arxiv:hep-th/9901001"),
        ("10.1145/3219819.3220007", "doi:10.1145/3219819.3220007"),
        ("DOI:10.1145/ABC.DEF", "doi:10.1145/abc.def"),
        ("doi:10.1145/3219819.3220007.pdf", "doi:10.1145/3219819.3220007"),
        ("ACL:p19-1103", "acl:P19-1103"),
        ("acl:2021.NAACL-main.321", "acl:2021.naacl-main.321"),
        ("openreview:PQ2zoIZqvm", "openreview:PQ2zoIZqvm"),
        ("  arxiv:2401.04088  ", "arxiv:2401.04088"),
        ("arxiv:not-an-id", None),
        ("openreview:has space", None),
        ("s2:abc", None),
    ],
)
def test_ids_in_any_accepted_form(text: str, expected: str | None) -> None:
    assert normalize_id(text) == expected


def test_split_paper_id() -> None:
    assert split_paper_id("doi:10.1145/x") == (IdKind.DOI, "10.1145/x")
    assert split_paper_id("url:https://x") is None


# --------------------------------------------------------------------------- properties

_new_arxiv = st.builds(
    lambda year, month, number: (
        f"{year:02d}{month:02d}." + (f"{number % 10000:04d}" if year < 15 else f"{number:05d}")
    ),
    st.integers(8, 29),
    st.integers(1, 12),
    st.integers(1, 99999),
)
_old_arxiv = st.builds(
    lambda archive, year, month, number: f"{archive}/{year:02d}{month:02d}{number:03d}",
    st.sampled_from(["hep-th", "math", "cond-mat", "astro-ph", "cs", "quant-ph"]),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(1, 999),
)
_arxiv_ids = st.one_of(_new_arxiv, _old_arxiv)
_doi_suffix = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._", min_size=1, max_size=20
).filter(lambda s: s[-1] not in "._" and not s.endswith(".pdf") and s[0] not in "._")
_dois = st.builds(lambda p, s: f"10.{p}/{s}", st.integers(1000, 99999), _doi_suffix)
_openreview_ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    min_size=8,
    max_size=12,
)
_acl_ids = st.one_of(
    st.builds(
        lambda v, y, n: f"{v}{y:02d}-{n:04d}",
        st.sampled_from("PNDEQWC"),
        st.integers(0, 99),
        st.integers(1, 9999),
    ),
    st.builds(
        lambda y, venue, n: f"{y}.{venue}.{n}",
        st.integers(2020, 2025),
        st.sampled_from(["acl-long", "naacl-main", "findings-emnlp", "emnlp-main"]),
        st.integers(1, 999),
    ),
)

_ARXIV_TEMPLATES = [
    "https://arxiv.org/abs/{id}",
    "https://arxiv.org/abs/{id}v{v}",
    "https://arxiv.org/pdf/{id}",
    "https://arxiv.org/pdf/{id}.pdf",
    "https://arxiv.org/pdf/{id}v{v}.pdf",
    "http://www.arxiv.org/abs/{id}",
    "https://export.arxiv.org/abs/{id}v{v}",
    "arXiv:{id}v{v}",
    "{id}",
]
_DOI_TEMPLATES = [
    "https://doi.org/{id}",
    "https://dx.doi.org/{id}",
    "https://dl.acm.org/doi/abs/{id}",
    "https://dl.acm.org/doi/pdf/{id}",
    "https://dl.acm.org/doi/full/{id}",
    "https://dl.acm.org/doi/{id}",
    "https://link.springer.com/article/{id}",
    "https://journals.plos.org/plosone/article?id={id}",
    "https://pubs.acs.org/doi/pdf/{id}.pdf",
    "doi:{id}",
    "{id}",
]
_OPENREVIEW_TEMPLATES = [
    "https://openreview.net/forum?id={id}",
    "https://openreview.net/pdf?id={id}",
    "https://openreview.net/forum?id={id}&noteId=xyz",
    "openreview:{id}",
]
_ACL_TEMPLATES = [
    "https://aclanthology.org/{id}",
    "https://aclanthology.org/{id}/",
    "https://aclanthology.org/{id}.pdf",
    "https://www.aclweb.org/anthology/{id}",
    "acl:{id}",
]


@given(st.sampled_from(_ARXIV_TEMPLATES), _arxiv_ids, st.integers(1, 20))
def test_arxiv_forms_round_trip(template: str, arxiv_id: str, version: int) -> None:
    text = template.format(id=arxiv_id, v=version)
    assert normalize_id(text) == f"arxiv:{arxiv_id}"


@given(_arxiv_ids)
def test_old_style_ftp_and_new_style_ftp_round_trip(arxiv_id: str) -> None:
    if "/" in arxiv_id:
        archive, number = arxiv_id.split("/")
        url = f"https://arxiv.org/ftp/{archive}/papers/{number[:4]}/{number}.pdf"
    else:
        url = f"https://arxiv.org/ftp/arxiv/papers/{arxiv_id[:4]}/{arxiv_id}.pdf"
    assert normalize_id(url) == f"arxiv:{arxiv_id}"


@given(st.sampled_from(_DOI_TEMPLATES), _dois)
def test_doi_forms_round_trip(template: str, doi: str) -> None:
    assert normalize_id(template.format(id=doi)) == f"doi:{doi}"
    assert normalize_id(template.format(id=doi.upper())) == f"doi:{doi}"


@given(st.sampled_from(_OPENREVIEW_TEMPLATES), _openreview_ids)
def test_openreview_forms_round_trip(template: str, note_id: str) -> None:
    assert normalize_id(template.format(id=note_id)) == f"openreview:{note_id}"


@given(st.sampled_from(_ACL_TEMPLATES), _acl_ids)
def test_acl_forms_round_trip(template: str, acl_id: str) -> None:
    assert normalize_id(template.format(id=acl_id)) == f"acl:{acl_id}"


_url_like = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda host, path: f"https://{host}/{path}",
        st.sampled_from(
            ["arxiv.org", "doi.org", "openreview.net", "aclanthology.org", "dl.acm.org", "x.org"]
        ),
        st.text(max_size=80),
    ),
    st.builds(
        lambda prefix, rest: f"{prefix}:{rest}",
        st.sampled_from(["arxiv", "doi", "acl", "openreview"]),
        st.text(max_size=40),
    ),
)


@settings(max_examples=400)
@given(_url_like)
def test_never_raises_and_is_idempotent(text: str) -> None:
    parsed = parse_link(text)
    assert (parsed.id is None) == (
        parsed.kind not in (IdKind.ARXIV, IdKind.DOI, IdKind.OPENREVIEW, IdKind.ACL)
    )
    canonical = normalize_id(text)
    if canonical is not None:
        assert normalize_id(canonical) == canonical
        assert split_paper_id(canonical) is not None
