"""Reading an entry's fields: the title found by what it is, wherever the layout puts it."""

from __future__ import annotations

import pytest

from enrich.lists.blocks import read_document
from enrich.lists.fields import Fields, column, read_fields
from enrich.lists.inline import Unit
from enrich.models import TitleSource


def first_unit(text: str) -> Unit:
    doc = read_document(text)
    return doc.units[0]


def fields_of(text: str) -> Fields:
    return read_fields(first_unit(text))


@pytest.mark.parametrize(
    ("row", "title", "source"),
    [
        # plain title, then a link labelled with a venue, then a code link
        (
            "- Deep Ensembles Work [[ICML2018]](<https://x.org/p.pdf>) - [[PyTorch]](<https://github.com/a/b>)",
            "Deep Ensembles Work",
            TitleSource.TEXT,
        ),
        (
            "* Dissecting Neural ODEs (oral): [NeurIPS20](https://arxiv.org/abs/2002.08071)",
            "Dissecting Neural ODEs",
            TitleSource.TEXT,
        ),
        (
            "* A Survey on Time-Series Pre-Trained Models, in *arXiv* 2023. [\\[paper\\]](https://arxiv.org/abs/2305.10716)",
            "A Survey on Time-Series Pre-Trained Models",
            TitleSource.TEXT,
        ),
        # a venue tag before the title
        (
            "- [[ECCV](https://x.org/a.pdf)] PCN: Point Completion Network. "
            "[[code](https://github.com/a/b)] [__`cls.`__ __`seg.`__]",
            "PCN: Point Completion Network",
            TitleSource.TEXT,
        ),
        # a name, a dash and the title as the link
        (
            "* CycleGAN - [Unpaired Image-to-Image Translation](https://arxiv.org/abs/1703.10593) ([github](https://github.com/a/b))",
            "Unpaired Image-to-Image Translation",
            TitleSource.LINK_TEXT,
        ),
        # authors first, a quoted bold title, a venue and a note
        (
            '**[14]** Hinton, Geoffrey E., et al. "**Improving neural networks**." arXiv preprint '
            "arXiv:1207.0580 (2012). [[pdf]](https://arxiv.org/pdf/1207.0580.pdf) **(Dropout)** "
            ":star::star:",
            "Improving neural networks",
            TitleSource.QUOTED,
        ),
        # a bold title with trailing link labels
        (
            "- **Go Wider Instead of Deeper** [[pdf]](https://arxiv.org/abs/2107.11817) AAAI 2022",
            "Go Wider Instead of Deeper",
            TitleSource.BOLD,
        ),
        # a title cut by an em dash is one title
        (
            "- MetaClaw: Just Talk — An Agent That Learns [paper](https://arxiv.org/abs/2603.17187)",
            "MetaClaw: Just Talk — An Agent That Learns",
            TitleSource.TEXT,
        ),
        # a nickname and a sentence about the paper: only a name
        (
            "- **Audiobox** - Meta's new foundation model for audio generation [Paper](https://arxiv.org/abs/2312.15821)",
            "Audiobox",
            TitleSource.NAME_ONLY,
        ),
        (
            "- [TinyZero](https://github.com/a/b) - a reproduction",
            "TinyZero",
            TitleSource.NAME_ONLY,
        ),
    ],
)
def test_titles_across_layouts(row: str, title: str, source: TitleSource) -> None:
    fields = fields_of(row + "\n")
    assert (fields.title, fields.source) == (title, source)


@pytest.mark.parametrize(
    ("row", "title"),
    [
        # punctuation the title's markup holds stays; the sentence's after it goes
        (
            "1. **GPT understands, too.** Preprint. [[pdf]](https://arxiv.org/abs/2103.10385)",
            "GPT understands, too.",
        ),
        (
            "- **Title of the Work?.** [[pdf]](https://arxiv.org/abs/2202.12837)",
            "Title of the Work?.",
        ),
        (
            '**[1]** A. Author, et al. "**Learning Things.**" In: NIPS. 2015. [[pdf]](https://x.org/a.pdf)',
            "Learning Things.",
        ),
        (
            '**[3]** A. Author, et al. "**“Stray Quote Kept**." ANIPS(2014) [[pdf]](https://x.org/a.pdf)',
            "“Stray Quote Kept",
        ),
        (
            '**[2]** A. Author, et al. "**Learning Things**." arXiv (2015). [[pdf]](https://x.org/a.pdf)',
            "Learning Things",
        ),
        (
            "- [Let's build GPT: from scratch, in code, spelled out.](https://youtu.be/x)",
            "Let's build GPT: from scratch, in code, spelled out.",
        ),
        (
            "- **Some Title Here:** a sentence about it [pdf](https://arxiv.org/abs/2101.00001)",
            "Some Title Here",
        ),
        # plain quotes are a citation's: the period inside them is the sentence's
        (
            '**[20]** Chen, Tianqi, et al. "Net2net: Accelerating learning." arXiv (2015). [[pdf]](https://arxiv.org/abs/1511.05641)',
            "Net2net: Accelerating learning",
        ),
        # plain text: no markup to hold a period; separators inside a title as written
        (
            "- Some Plain Title Here. [[pdf]](https://arxiv.org/abs/2101.00001)",
            "Some Plain Title Here",
        ),
        (
            '| "Elementary, My Dear Watson" — Detecting Skills (MalSkills) '
            "| [Paper](https://arxiv.org/abs/1) |",
            '"Elementary, My Dear Watson" — Detecting Skills (MalSkills)',
        ),
        # emoji around a title are decoration, also inside its markup
        (
            "### [♟️FactCheckmate: Detecting Hallucinations in LMs](https://arxiv.org/abs/2410.02899)",
            "FactCheckmate: Detecting Hallucinations in LMs",
        ),
    ],
)
def test_titles_keep_what_their_markup_holds(row: str, title: str) -> None:
    if row.startswith("|"):
        row = "| Title | Link |\n|---|---|\n" + row
    assert fields_of(row + "\n").title == title


def test_what_a_row_packs_goes_into_its_fields() -> None:
    fields = fields_of(
        "* CycleGAN - [Unpaired Image-to-Image Translation](https://arxiv.org/abs/1703.10593)\n"
    )
    assert fields.name == "CycleGAN"
    ensta = fields_of("- Some Title Here [[ICML2018]](<https://x.org/p.pdf>)\n")
    assert (ensta.venue, ensta.year) == ("ICML2018", "2018")
    block = fields_of(
        "**A Survey on Mixture of Experts**\\\n_Weilin Cai, Juyong Jiang_\\\n"
        "arXiv, [[Paper](https://arxiv.org/abs/2407.06204)]\\\n8 Aug 2024\n"
    )
    assert (block.title, block.source) == ("A Survey on Mixture of Experts", TitleSource.BOLD)
    assert (block.authors, block.venue, block.date, block.year) == (
        "Weilin Cai, Juyong Jiang",
        "arXiv",
        "8 Aug 2024",
        "2024",
    )
    tagged = fields_of(
        "* Missing Value Imputation on Multidimensional Time Series, VLDB'21. "
        "[\\[paper\\]](http://vldb.org/p.pdf)\n"
    )
    assert (tagged.title, tagged.venue, tagged.year) == (
        "Missing Value Imputation on Multidimensional Time Series",
        "VLDB'21",
        "2021",
    )


def test_a_paren_after_a_title_is_its_short_name_unless_it_is_a_tag() -> None:
    kept = fields_of("- From Assistant to Double Agent (PASB) [paper](https://arxiv.org/abs/1)\n")
    assert kept.title == "From Assistant to Double Agent (PASB)"
    cut = fields_of("- Learning Things (ICML 2019) [paper](https://arxiv.org/abs/1)\n")
    assert (cut.title, cut.venue) == ("Learning Things", "ICML 2019")


def test_table_rows_read_their_columns() -> None:
    text = (
        "| Name | Paper | Venue | Year |\n|---|---|---|---|\n"
        "| MLLMs | [MoE-FFD: Mixture of Experts](https://arxiv.org/abs/2404.08452) "
        "| arXiv | 2024 |\n"
    )
    fields = read_fields(read_document(text).units[0])
    assert (fields.title, fields.source, fields.name) == (
        "MoE-FFD: Mixture of Experts",
        TitleSource.LINK_TEXT,
        "MLLMs",
    )
    assert (fields.venue, fields.year, fields.paper_column) == ("arXiv", "2024", True)


def test_a_cell_that_packs_a_number_a_nickname_and_a_summary() -> None:
    text = (
        "| **Paper** | **Links** |\n|---|---|\n"
        "| 3) **Audiobox** - a unified audio generation model; supports natural language "
        "prompts and shows gains on several benchmarks of speech and sound | "
        "[Paper](https://arxiv.org/abs/2312.15821), [Tweet](https://x.com/a) |\n"
    )
    fields = read_fields(read_document(text).units[0])
    assert (fields.title, fields.source, fields.name) == (
        "Audiobox",
        TitleSource.NAME_ONLY,
        "Audiobox",
    )


def test_rows_without_a_title_column_use_their_name_column() -> None:
    text = (
        "| Benchmark | Focus | Scale | Key finding | Paper |\n|---|---|---|---|---|\n"
        "| Skill Fortify Bench | lifecycle model | 540 Skills | formal guarantees | "
        "[Paper](https://arxiv.org/abs/2603.00195) |\n"
    )
    fields = read_fields(read_document(text).units[0])
    assert (fields.title, fields.source, fields.name_header) == (
        "Skill Fortify Bench",
        TitleSource.NAME_ONLY,
        "benchmark",
    )
    organizations = (
        "| Organization | Report | Date |\n|---|---|---|\n"
        "| **Trend Micro** | [Viral AI, Invisible Risks](https://x.com/r) | Feb 2026 |\n"
    )
    report = read_fields(read_document(organizations).units[0])
    assert report.title == "Viral AI, Invisible Risks"  # never the organization column


def test_columns_are_found_by_their_header() -> None:
    header = ["**name**", "paper title", "conference/journal", "pub. & date", "first author"]
    header = [h.lower() for h in header]
    assert [column(header, role) for role in ("name", "title", "venue", "date", "authors")] == [
        0,
        1,
        2,
        3,
        4,
    ]
    assert column(None, "title") is None


def test_a_title_wrapped_onto_two_lines_is_one_piece() -> None:
    fields = fields_of(
        "- **Retrieval-Augmented Generation for Natural Language\nProcessing: A Survey**\n"
        "[`Paper`](https://arxiv.org/abs/2407.13193) `arXiv`\n"
    )
    assert (
        fields.title == "Retrieval-Augmented Generation for Natural Language Processing: A Survey"
    )
    assert fields.title_spans_lines and fields.title_line == 1
    assert fields.venue == "arXiv"
