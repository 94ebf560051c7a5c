"""Title normalization: what counts as the same title."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrich.titles import _normalize_unicode, normalize_title, titles_agree


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Mixtral of Experts", "mixtral of experts"),
        ("  MIXTRAL   of\texperts!  ", "mixtral of experts"),
        (
            "Mixture-of-Experts Meets Instruction Tuning:A Winning Combination",
            "mixture of experts meets instruction tuning a winning combination",
        ),
        (
            "M³ViT: Mixture-of-Experts Vision Transformer",
            "m3vit mixture of experts vision transformer",
        ),
        ("Lélio Renard Lavaud", "lelio renard lavaud"),
        ("Straße", "strasse"),
        ("ﬁne-tuning", "fine tuning"),
        ("“Quoted” & 'single' (parens) [brackets]?", "quoted single parens brackets"),
        ("C++ & R&D", "c++ r d"),
        ("", ""),
        (" -:- ", ""),
    ],
)
def test_normalize_title(title: str, expected: str) -> None:
    assert normalize_title(title) == expected


def test_symbols_are_kept_so_that_cpp_and_c_stay_different_titles() -> None:
    assert not titles_agree("C++ Programming", "C Programming")
    assert not titles_agree("A + B", "A B")


def test_titles_agree_on_cosmetic_differences_only() -> None:
    assert titles_agree("MoE-LLaVA: Mixture of Experts", "moe llava  mixture of experts")
    assert not titles_agree("Mixtral of Experts", "Mixtral of Expert")
    assert not titles_agree("", "")  # nothing to compare is not agreement
    assert not titles_agree("?!", "...")


@given(st.text())
def test_normalize_title_is_idempotent_and_has_no_outer_or_double_spaces(title: str) -> None:
    once = normalize_title(title)
    assert normalize_title(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_fast_path_gives_what_the_unicode_rules_give(title: str) -> None:
    assert normalize_title(title) == _normalize_unicode(title)


def test_every_ascii_character_is_normalized_by_the_unicode_rules() -> None:
    every = "".join(chr(code) for code in range(128))
    assert normalize_title(every) == _normalize_unicode(every)
    assert normalize_title(f"a{every}b") == _normalize_unicode(f"a{every}b")
