"""The tuned parser gives exactly the tokens of markdown-it-py's own rules."""

from __future__ import annotations

import random
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from enrich.lists.markdown import parser


def _stock() -> MarkdownIt:
    """The same configuration with markdown-it-py's own text and link rules."""
    md = MarkdownIt("commonmark", {"maxNesting": 40}).enable(["table", "strikethrough"])
    md.disable(["lheading", "inline", "text_join"])
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    return md


_STOCK = _stock()
_TUNED = parser(40)
_REFERENCES = {"references": {"REF": {"href": "https://ref.example", "title": ""}}}
_NO_REFERENCES: dict[str, Any] = {"references": {}}  # as a chunked parse starts


def _inline(md: MarkdownIt, text: str, env: dict[str, Any]) -> list[tuple[Any, ...]]:
    tokens: list[Token] = md.inline.parse(text, md, dict(env), [])
    return [
        (t.type, t.tag, t.nesting, t.level, t.content, t.markup, dict(t.attrs), t.meta)
        for t in tokens
    ]


CASES = [
    "[Title: a study](https://arxiv.org/abs/2401.04088) - NeurIPS 2021",
    "M1 | [A - B # C](https://x.org/a?b=1#c) | arXiv",
    "**Title** [[pdf]](https://arxiv.org/abs/2401.04088) [[code]](https://github.com/o/r)",
    "[a](https://x.org/a_(b)) [a](<https://x.org/a b>) [a]( https://x.org ) [a](b 'title')",
    '[a](b "title") [a](b\\)c) [a](b&amp;c) [a](javascript:alert(1)) [a](data:x)',
    "[a *b*](c) [a `b`](c) [a\\]b](c) [a](c)[d](e) [](x) [a]() [a] (b)",
    "[![img](https://i.png)](https://x.org) ![a](b) [a [b](c)](d) [[a](b)](c)",
    "[REF] [x][REF] [REF][] [a](b) [ref](https://x.org)",
    "a:b-c#d$e%f+g=h>i@j^k{l}m ~~s~~ <https://a.b> <b>x</b> &copy; \\* line\nnext  \nhard",
    "[wrapped\nlabel](https://x.org) [a](b\n)",
    "[" * 45 + "a](b)" + "]" * 45,
    # the nesting limit: markdown-it-py skips the rest after the 40th open bracket, and the
    # label scans that met the limit are reused for the links that follow
    "[" * 40 + "[a](u) b",
    "[x" * 40 + "x [a](u)",
    "[" * 39 + "a [[x]](u) b",
    "![" * 39 + "[[p]](u) [a](u)](v)",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("env", [{}, _NO_REFERENCES, _REFERENCES], ids=["none", "empty", "refs"])
def test_same_tokens_as_markdown_it(text: str, env: dict[str, Any]) -> None:
    assert _inline(_TUNED, text, env) == _inline(_STOCK, text, env)


def test_simple_link_tokens() -> None:
    # the shortcut's own output, spelled out: link_open with the target, one text, link_close
    tokens = _inline(_TUNED, "see [Title: x](https://a.org/b) now", {})
    assert [(t[0], t[4], t[6]) for t in tokens] == [
        ("text", "see ", {}),
        ("link_open", "", {"href": "https://a.org/b"}),
        ("text", "Title: x", {}),
        ("link_close", "", {}),
        ("text", " now", {}),
    ]


def test_random_texts_same_tokens() -> None:
    atoms = [
        *"[]()<>\\&*_`~! \n:-|#\t\x7f",
        "&amp;",
        "**",
        "a",
        "Title",
        "](",
        "[x]",
        "[REF]",
        "[[pdf]](https://x.org)",
        "https://arxiv.org/abs/2401.00001",
        "javascript:x",
        '"t"',
        "\u00a0",
    ]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 20)))
        if rng.random() < 0.4:
            text = f"[{text}]({rng.choice(atoms)}){rng.choice(atoms)}"
        env = _REFERENCES if rng.random() < 0.3 else {}
        assert _inline(_TUNED, text, env) == _inline(_STOCK, text, env), text
