"""The kind of an entry, from its section, what it names, and what its links point at."""

from __future__ import annotations

from enrich.lists.kinds import LinkEvidence, entry_kind
from enrich.models import EntryKind, Link, LinkRole, TitleSource

PAPER = LinkEvidence(has_paper=True)
CODE = LinkEvidence(has_code=True)
NOTHING = LinkEvidence()


def kind(
    section: list[str],
    links: LinkEvidence,
    source: TitleSource = TitleSource.LINK_TEXT,
    *,
    name_header: str | None = None,
    titled_like_a_paper: bool = False,
) -> EntryKind:
    return entry_kind(
        section,
        "My List",
        links,
        title_source=source,
        name_header=name_header,
        titled_like_a_paper=titled_like_a_paper,
    )


def test_sections_that_type_every_entry() -> None:
    assert kind(["My List", "Courses"], PAPER) is EntryKind.COURSE
    assert kind(["Books"], PAPER) is EntryKind.BOOK
    assert kind(["Talks and Slides"], NOTHING) is EntryKind.PRESENTATION
    # ... unless the heading also says papers
    assert kind(["Tutorial papers"], PAPER) is EntryKind.PAPER
    # the list's own title says nothing about one entry; a shortcode emoji is no word
    assert entry_kind(["Books of X"], "Books of X", PAPER, title_source=TitleSource.TEXT) is (
        EntryKind.PAPER
    )
    assert kind([":books: Learning Resources"], CODE) is EntryKind.LIBRARY


def test_rows_that_give_only_a_name_are_models_tools_or_datasets() -> None:
    name_only = TitleSource.NAME_ONLY
    assert kind(["Open LLM", "DeepSeek"], PAPER, name_only) is EntryKind.MODEL
    assert kind(["Benchmarks"], PAPER, name_only) is EntryKind.DATASET
    assert kind(["Agents"], PAPER, name_only, name_header="tool") is EntryKind.LIBRARY
    # a named paper row elsewhere is a paper
    assert kind(["Top ML Papers of the Week"], PAPER, name_only) is EntryKind.PAPER
    # a full title under a models section names a paper
    assert kind(["Open LLM"], PAPER) is EntryKind.PAPER


def test_without_a_paper_link() -> None:
    assert kind(["Tools"], CODE) is EntryKind.LIBRARY
    assert kind(["Datasets"], CODE) is EntryKind.DATASET  # datasets are often on GitHub
    assert kind(["Misc"], CODE) is EntryKind.LIBRARY
    assert kind(["Misc"], LinkEvidence(hf_model=True)) is EntryKind.MODEL
    assert kind(["Misc"], LinkEvidence(hf_dataset=True)) is EntryKind.DATASET
    assert kind(["Industry Security Reports"], NOTHING) is EntryKind.OTHER
    assert kind(["Misc"], NOTHING) is EntryKind.OTHER


def test_a_paper_whose_row_links_only_its_code() -> None:
    assert kind(["Backbone"], CODE, TitleSource.BOLD, titled_like_a_paper=True) is EntryKind.PAPER
    # not when the title is itself the link to the repository, nor under a tools section
    code_title = LinkEvidence(has_code=True, title_links_code=True)
    assert kind(["Measuring"], code_title, titled_like_a_paper=True) is EntryKind.LIBRARY
    tools = kind(["Open-Source System"], CODE, TitleSource.BOLD, titled_like_a_paper=True)
    assert tools is EntryKind.LIBRARY


def test_link_evidence_reads_hosts() -> None:
    links = [
        Link(url="https://huggingface.co/google/t5_11b", role=LinkRole.OTHER),
        Link(url="https://huggingface.co/datasets/x/y", role=LinkRole.OTHER),
        Link(url="https://huggingface.co/papers/2510.04849", role=LinkRole.PAPER),
        Link(url="https://github.com/a/b", role=LinkRole.CODE),
    ]
    evidence = LinkEvidence.of(links, has_paper=False, title_link=links[3])
    assert evidence == LinkEvidence(
        has_paper=False, has_code=True, hf_model=True, hf_dataset=True, title_links_code=True
    )
