"""What a piece of entry text is: titles and names, and what a title never is."""

from __future__ import annotations

import time

import pytest

from enrich.lists.classify import (
    PieceKind,
    classify,
    is_title_like,
    looks_like_authors,
    not_title_reason,
    reads_as_sentence,
    reads_like_a_paper_title,
    tidy,
    trim_ends,
    trim_markup_text,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # titles and names
        ("Attention Is All You Need", PieceKind.TITLE),
        ("Mixtral of Experts", PieceKind.TITLE),
        ("From Gemini to Q-Star", PieceKind.TITLE),
        ("Multi-Head Mixture-of-Experts", PieceKind.TITLE),
        ("Risky Instruction Sharing and Norm Enforcement", PieceKind.TITLE),
        ("CycleGAN", PieceKind.NAME),
        ("DeepSeek-V2", PieceKind.NAME),
        ("Llama 2", PieceKind.NAME),
        # link labels
        ("Paper", PieceKind.LINK_LABEL),
        ("Project Page", PieceKind.LINK_LABEL),
        ("Link1", PieceKind.LINK_LABEL),
        ("PyTorch(Author)", PieceKind.LINK_LABEL),
        ("official code", PieceKind.LINK_LABEL),
        # venue and date tags
        ("NeurIPS2024", PieceKind.TAG),
        ("arXiv18", PieceKind.TAG),
        ("ICML 2018", PieceKind.TAG),
        ("CVPR'23", PieceKind.TAG),
        ("TKDE", PieceKind.TAG),
        ("ASE 2026", PieceKind.TAG),
        ("7th Mar, 2021", PieceKind.TAG),
        ("Nov., 2023", PieceKind.TAG),
        ("2023-06", PieceKind.TAG),
        ("IEEE Transactions on Neural Networks 2006", PieceKind.TAG),
        ("arXiv preprint arXiv:1703.06870", PieceKind.TAG),
        # notes, numbers and emoji
        ("oral", PieceKind.NOTE),
        ("best paper award", PieceKind.NOTE),
        ("14", PieceKind.NUMBER),
        ("🔥🔥", PieceKind.NUMBER),
        # people and places
        ("Hinton, Geoffrey E., et al", PieceKind.AUTHORS),
        ("Simonyan, Karen, and Andrew Zisserman", PieceKind.AUTHORS),
        ("W. Xiong, J. Droppo, X. Huang", PieceKind.AUTHORS),
        ("Stanford University", PieceKind.AFFILIATION),
        ("Google Research", PieceKind.AFFILIATION),
        # a paragraph about a paper
        (
            "presents an 18 billion parameter visual language model; supports high-resolution "
            "inputs and shows abilities in tasks such as visual Q&A and GUI navigation",
            PieceKind.DESCRIPTION,
        ),
    ],
)
def test_pieces_are_classified_by_what_they_are(text: str, kind: PieceKind) -> None:
    assert classify(tidy(text)) is kind


def test_an_acronym_alone_is_a_tag_only_in_square_brackets() -> None:
    assert classify("ITSC") is PieceKind.NAME  # could be a model's name
    assert classify("ITSC", bracketed=True) is PieceKind.TAG  # [[ITSC](url)]
    assert classify("Sensors2022", bracketed=True) is PieceKind.TAG


def test_author_lists_need_more_than_two_capitalized_phrases() -> None:
    # "X and Y" reads like two names but is a title; commas or "et al" make a list
    assert not looks_like_authors("Fine-grained and Shared Experts")
    assert not looks_like_authors("Viral AI, Invisible Risks")  # all-capital words are no names
    assert not looks_like_authors("Towards Effective and Economic Models, Sparse Experts")
    assert looks_like_authors("Kaiming He, Xiangyu Zhang, Jian Sun")


@pytest.mark.parametrize(
    ("raw", "tidied"),
    [
        ("📄 Paper", "Paper"),
        (":star::star: Title :fire:", "Title"),
        ('"Title."', "Title"),
        ("[ECCV]", "ECCV"),
        ("Title (", "Title"),
        ("(a) b (c)", "(a) b (c)"),
        (
            "What's Encoded in a Winning Ticket's Mask?",
            "What's Encoded in a Winning Ticket's Mask?",
        ),
        ("  Title:  ", "Title"),
    ],
)
def test_tidy_strips_decoration_at_the_ends_only(raw: str, tidied: str) -> None:
    assert tidy(raw) == tidied


@pytest.mark.parametrize(
    ("raw", "tidied", "trimmed", "markup"),
    [
        ("Title.", "Title", "Title", "Title."),
        ('"Part One"', "Part One", '"Part One"', '"Part One"'),
        ("“Stray", "Stray", "Stray", "“Stray"),
        ("📄 [Title?.] :fire:", "Title?", "Title?", "Title?."),
        ("  Title:  ", "Title", "Title", "Title"),
    ],
)
def test_the_ends_a_title_keeps(raw: str, tidied: str, trimmed: str, markup: str) -> None:
    """tidy for classifying; trim_ends for a part of a title rejoined with the next (its quotes
    stay); trim_markup_text for what a title's markup holds (its period and quotes stay)."""
    assert (tidy(raw), trim_ends(raw), trim_markup_text(raw)) == (tidied, trimmed, markup)


def test_tidy_is_linear_on_long_bracket_runs() -> None:
    text = "[" * 50_000 + "x" + "]" * 50_000
    start = time.perf_counter()
    assert tidy(text) == "x"
    assert time.perf_counter() - start < 2


def test_title_like_and_the_reason_when_not() -> None:
    assert is_title_like("Mixtral of Experts") and is_title_like("CycleGAN")
    assert not_title_reason("") == "empty"
    assert not_title_reason("[pdf]") == "a link label"
    assert not_title_reason("NeurIPS 2021") == "a venue or date tag"
    assert not_title_reason(":star::star:") == "a number or emoji"
    assert not_title_reason("Hinton, Geoffrey E., et al.") == "an author list"


def test_sentences_after_a_name_are_told_from_titles() -> None:
    assert reads_as_sentence("a reproduction")
    assert reads_as_sentence("Unified data format for visual localization")
    assert reads_as_sentence("Meta's new foundation model for audio generation")
    assert not reads_as_sentence("Scaling Giant Models with Conditional Computation")
    assert not reads_as_sentence("Title")


def test_paper_titles_are_long_titles_not_names() -> None:
    assert reads_like_a_paper_title("Vision Transformers are Parameter-Efficient Learners")
    assert not reads_like_a_paper_title("Point Cloud Editor")
    assert not reads_like_a_paper_title("torchdyn")
