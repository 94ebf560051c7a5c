"""enrich.lists.pieces: an entry's text cut into pieces, each with its style, kind, lines and
the separator before it."""

from __future__ import annotations

from enrich.lists.blocks import read_document
from enrich.lists.classify import PieceKind
from enrich.lists.inline import Unit
from enrich.lists.pieces import Style, pieces


def first_unit(text: str) -> Unit:
    return read_document(text).units[0]


def test_pieces_carry_their_style_kind_and_separator() -> None:
    unit = first_unit("* CycleGAN - [Unpaired Translation](https://arxiv.org/abs/1703.10593)\n")
    found = [(p.text, p.style, p.kind, p.sep) for p in pieces(unit)]
    assert found == [
        ("CycleGAN", Style.PLAIN, PieceKind.NAME, ""),
        ("Unpaired Translation", Style.LINK, PieceKind.TITLE, "-"),
    ]


def test_a_title_rejoined_across_a_separator_keeps_the_separator_as_written() -> None:
    unit = first_unit("- Just Talk — An Agent That Meta-Learns and Evolves, arXiv 2023\n")
    titles = [p for p in pieces(unit) if p.kind is PieceKind.TITLE]
    assert titles and titles[0].written.startswith("Just Talk — An Agent")


def test_a_bracketed_venue_tag_is_its_own_piece_not_part_of_the_title() -> None:
    unit = first_unit("- [ECCV] Learning to Segment Every Thing in Point Clouds\n")
    found = [(p.text, p.bracketed) for p in pieces(unit)]
    assert ("ECCV", True) in found
    assert any(text.startswith("Learning to Segment") for text, _ in found)
