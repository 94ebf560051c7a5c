"""The markdown parser of :mod:`enrich.lists.blocks`: markdown-it-py, configured for speed.

Every setting here leaves the tokens the walk reads exactly as markdown-it-py's CommonMark
parser (plus GFM tables and strikethrough) gives them; they only skip work:

- setext headings, inline content, ``text_join`` and link normalization are off or replaced
  (see :func:`parser`);
- the ``text`` rule stops only at characters that an enabled inline rule starts at (the
  default set also stops at ``:``, ``-``, ``#``, ... for plugins, each stop costing a call of
  every rule);
- the ``link`` rule reads the common ``[label](target)`` and ``[[label]](target)`` at once
  (:func:`_link`) and leaves everything else to markdown-it-py's own rule.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import link as markdown_it_link

__all__ = ["parser"]

#: Characters at which an enabled inline rule may start: newline (line breaks), ``!`` (image),
#: ``&`` (entity), ``*``/``_`` (emphasis), ``<`` (autolink, inline HTML), ``[``/``]`` (links;
#: the label parser looks for ``]`` between tokens), ``\`` (escape), backtick (code), ``~``
#: (strikethrough). The text rule runs on to the next of them.
_RULE_CHARS = "\n!&*<[\\]_`~"
_TERMINATOR_RE = re.compile("[" + re.escape(_RULE_CHARS) + "]")
#: ``[label](target)`` whose parts need no parsing: a label without any character a rule starts
#: at (so it is one text token), a target without spaces, control characters, parentheses,
#: ``<``, escapes or entities (so it is taken as written), right after ``(`` and right before
#: ``)`` (so there is no title).
_SIMPLE_LINK_RE = re.compile(
    r"\[([^" + re.escape(_RULE_CHARS) + r"]+)\]\(([^\x00-\x20\x7f()<\\&]+)\)"
)
#: ``[[label]](target)`` (``[[pdf]](url)``), label and target as above: without link reference
#: definitions in the document, the inner ``[label]`` is no link and the link's text is
#: ``[label]``, one text token.
_BRACKETED_LINK_RE = re.compile(
    r"\[(\[[^" + re.escape(_RULE_CHARS) + r"]+\])\]\(([^\x00-\x20\x7f()<\\&]+)\)"
)
#: Below this inline nesting level the label parser always runs its rules (markdown-it skips
#: to the end of the text when the nesting limit is reached, which the shortcut does not do).
_SHORTCUT_MAX_LEVEL = 20


def _link(state: StateInline, silent: bool) -> bool:
    """markdown-it-py's ``link`` rule, with the simple inline link read by one regex.

    For ``[label](target)`` as :data:`_SIMPLE_LINK_RE` matches it, markdown-it-py finds the
    label's end at the first ``]``, reads the target as written, finds no title, and tokenizes
    the label into one text token: the same tokens are pushed here directly. Likewise for
    ``[[label]](target)`` (:data:`_BRACKETED_LINK_RE`) when no reference could make the inner
    ``[label]`` a link.
    """
    if state.level < _SHORTCUT_MAX_LEVEL:
        match = _SIMPLE_LINK_RE.match(state.src, state.pos, state.posMax)
        if match is None and not state.env.get("references"):
            match = _BRACKETED_LINK_RE.match(state.src, state.pos, state.posMax)
        if match is not None and _unscanned(state, match) and state.md.validateLink(match.group(2)):
            if not silent:
                token = state.push("link_open", "a", 1)
                token.attrs = {"href": match.group(2)}
                state.append_pending(match.group(1))
                state.push("link_close", "a", -1)
            state.pos = match.end()
            return True
    return markdown_it_link(state, silent)


def _unscanned(state: StateInline, match: re.Match[str]) -> bool:
    """No earlier look-ahead scanned the label: markdown-it-py's own rule would then reuse what
    that scan cached, which differs from a fresh reading where the scan hit the nesting limit
    (``[[[...[[a](b)``: the text after the 40th bracket is skipped to the end)."""
    cache = state.cache
    return not cache or not any(p in cache for p in range(state.pos + 1, match.end(1) + 1))


def parser(max_nesting: int) -> MarkdownIt:
    """The parser of list texts: block structure only (inline content is parsed on demand)."""
    md = MarkdownIt("commonmark", {"maxNesting": max_nesting}).enable(["table", "strikethrough"])
    # Setext headings ("Title" over "===" or "---") are recognized by the walk instead: the
    # lheading rule re-scans every paragraph and costs a quarter of the parse time.
    md.disable("lheading")
    # Inline content is parsed block by block during the walk (memory, see blocks); text_join
    # only merges escaped characters into text, which the walk reads as text anyway.
    md.disable(["inline", "text_join"])
    # Keep link targets exactly as written (no percent-encoding): ids are read from them, and
    # skipping the normalization is a large share of parse time on big lists.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    md.inline.terminator_re = _TERMINATOR_RE
    md.inline.ruler.at("link", _link)
    return md
