"""What a piece of an entry's text is: a title, a name, or one of the things a title never is.

A row of a paper list packs several things besides its title: link labels (``[pdf]``,
``[Code]``, ``📄 Paper``), venue and date tags (``NeurIPS20``, ``[ECCV]``, ``CVPR 2023``,
``7th Mar, 2021``), running numbers and emoji, author lists, affiliations, field labels
(``Paper:``) and one-paragraph descriptions. :func:`classify` tells them apart by what they are,
not by where a layout puts them, so that the title can be found wherever a list writes it
(:mod:`enrich.lists.fields`). :func:`is_title_like` is the audit's and the benchmark's test of a
read title.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum, StrEnum
from functools import lru_cache

__all__ = [
    "PieceKind",
    "classify",
    "is_title_like",
    "not_title_reason",
    "reads_as_sentence",
    "reads_like_a_paper_title",
    "tidy",
    "trim_ends",
    "trim_markup_text",
]


class PieceKind(StrEnum):
    TITLE = "title"
    NAME = "name"  # a short name: a model, method, dataset or nickname
    LINK_LABEL = "link_label"  # paper, pdf, code, project page, PyTorch, ...
    TAG = "tag"  # a venue and/or date
    NOTE = "note"  # oral, spotlight, best paper, new, ...
    NUMBER = "number"  # no letter at all: running numbers, emoji, punctuation
    AUTHORS = "authors"
    AFFILIATION = "affiliation"
    DESCRIPTION = "description"  # a sentence about the paper, not its title


#: Kinds a title may be.
TITLE_KINDS = frozenset({PieceKind.TITLE, PieceKind.NAME})

_REASONS = {
    PieceKind.LINK_LABEL: "a link label",
    PieceKind.TAG: "a venue or date tag",
    PieceKind.NOTE: "a note (oral, spotlight, ...)",
    PieceKind.NUMBER: "a number or emoji",
    PieceKind.AUTHORS: "an author list",
    PieceKind.AFFILIATION: "an affiliation",
    PieceKind.DESCRIPTION: "a description",
}

# Words of link labels: what a link is (paper, code, ...), never what the paper is called.
_LINK_WORDS = frozenset(
    """paper papers pdf pdfs arxiv code codes github gitlab link links project projects page
    here available click
    website site homepage home blog post video videos short long presentation presentations
    slide slides poster demo demos data dataset datasets model models weights checkpoint
    checkpoints hugging face huggingface hf doi openreview acl bib bibtex supp supplementary
    material materials appendix abs abstract html talk youtube bilibili docs doc documentation
    tweet twitter x thread colab notebook leaderboard repo repository implementation
    implementations official unofficial source sources reproduction reproduced third party
    author authors pytorch tensorflow tf jax keras caffe caffe2 mxnet paddle paddlepaddle matlab
    torch chainer theano python julia cpp cuda mindspore oneflow pub publication full text
    fulltext preprint download read more here view online web zhihu medium english chinese en zh
    cn version pre print review reviews openaccess open access report technical tech press
    release news media chat api playground try it live space spaces summary tldr note notes ieee
    acm springer arxiv.org pwc papers-with-code paperswithcode dblp scholar google semantic
    semanticscholar citation citations cite
    """.split()  # noqa: SIM905
)

_VENUES = frozenset(
    """arxiv corr biorxiv medrxiv ssrn openreview neurips nips icml iclr acl emnlp naacl eacl aacl
    coling tacl conll lrec semeval wmt iwslt interspeech icassp taslp aaai ijcai cvpr iccv eccv
    wacv bmvc accv 3dv icra iros corl rss kdd sigkdd sigir www wsdm recsys cikm icdm sdm icde
    vldb sigmod pakdd ecml pkdd ecmlpkdd jmlr tmlr pmlr tpami pami tip tnnls tkde tist tois tog
    tvcg tcsvt tmm tits tcyb tsp tac tro ral ijcv siggraph eurographics osdi sosp nsdi mlsys
    sysml ppopp sc eurosys atc isca micro asplos hpca dac uai aistats colt alt findings miccai
    isbi midl tmi media jbhi ipmi nature science pnas cell lancet jama nejm neurocomputing ase
    icse fse issta ccs ndss usenix oakland aied chi uist cscw jair aij mlj kbs icml-w iclr-w
    neurips-w icmlw iclrw ai4science ictai icann iconip ijcnn mm acmmm wacv-w cvprw iccvw eccvw
    icpr icip icme tnsre ecir ecai aamas ijcnlp cl cvpr-w icassp-w sigmetrics infocom mobicom
    sensys nips-w tsmc tfs tevc gecco ppsn cec ieee-tpami arxiv.org ieee acm springer elsevier
    """.split()  # noqa: SIM905
)

_VENUE_QUALIFIERS = frozenset(
    """oral spotlight poster workshop workshops findings short long main track preprint journal
    conference conf proceedings proc in of the on and international intl annual symposium
    transactions trans letters magazine best paper award accepted submitted under review
    highlight demo student abstract extended volume vol no pp special issue tutorial camera
    ready version online virtual edition open access early session sessions paper's w ws
    """.split()  # noqa: SIM905
)
_NOTE_WORDS = frozenset(
    """oral spotlight highlight best paper award honorable mention outstanding new hot recommended
    must read classic milestone seminal survey sota top selected featured accepted under review
    submitted withdrawn rejected preprint
    """.split()  # noqa: SIM905
)
_MONTHS = frozenset(
    """jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july
    august september october november december spring summer fall autumn winter
    """.split()  # noqa: SIM905
)
_ORG_WORDS = frozenset(
    """university univ universität universite université universidad institute institut institution
    laboratory laboratories lab labs college school academy inc corp corporation ltd llc gmbh
    department dept faculty
    """.split()  # noqa: SIM905
)
_ORGS = frozenset(
    """google deepmind openai microsoft msr meta facebook fair amazon aws apple nvidia ibm intel
    baidu alibaba tencent bytedance huawei salesforce anthropic mistral cohere adobe samsung
    sony uber linkedin yahoo qualcomm xiaomi sensetime megvii kuaishou meituan jd netease mit
    cmu stanford berkeley ucb ucla harvard oxford cambridge tsinghua pku sjtu zju ustc nus ntu
    eth ethz epfl kaist mila inria allen ai2 hkust cuhk hku
    """.split()  # noqa: SIM905
)

_ORG_SUFFIXES = frozenset(
    """ai research labs lab brain asia x cloud team""".split()  # noqa: SIM905
)
_CONNECTORS = frozenset(
    """of and & the for at in a an on to with by from via""".split()  # noqa: SIM905
)

_PARENTHESIS_RE = re.compile(r"\([^()]*\)")
_SHORTCODE_RE = re.compile(r":[a-z0-9_+\-]+:")
_LETTER_RE = re.compile(r"[^\W\d_]")
_WORD_SPLIT_RE = re.compile(r"[\s,;/|()\[\]{}]+")
_YEAR_RE = re.compile(r"^(?:19[5-9]\d|20\d\d)$")
_SHORT_YEAR_RE = re.compile(r"^['’]\d\d$")
_DATE_TOKEN_RE = re.compile(
    r"^(?:(?:19|20)\d\d[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)?\d\d|"
    r"\d{1,2}(?:st|nd|rd|th)?|(?:19|20)\d\d\.\d{1,2})$",
    re.IGNORECASE,
)
_GLUED_VENUE_RE = re.compile(r"^([a-z][a-z&\-]*?)['’]?(\d{2}|\d{4})$")
_ID_TOKEN_RE = re.compile(r"^(?:arxiv|doi|abs)[:/]\S+$")
_JOURNAL_WORDS = frozenset(
    """transactions journal proceedings communications letters magazine annals ieee acm
    international""".split()  # noqa: SIM905
)
_GLUED_YEAR_RE = re.compile(r"^[a-z][a-z&\-]*['’]?(?:19|20)\d\d$")
_ACRONYM_RE = re.compile(r"^[A-Z][A-Z0-9&\-]{1,9}$")
# A name word: capitalized with lower-case letters ("LeCun", "Jean-Paul"), or an initial ("E.");
# all-capital words ("AI", "GPU") are not names.
_NAME_WORD_RE = re.compile(
    r"^(?:[A-Z](?=[^\W\d_]*[a-z])[^\W\d_]*(?:[-'’][A-Z]?[^\W\d_]+)*\.?|[A-Z]\.?(?:-?[A-Z]\.)*)$"
)
_PARTICLES = frozenset(
    """van von de der den di da del della du le la al bin ben dos das y""".split()  # noqa: SIM905
)
_ET_AL_RE = re.compile(r"\bet\.? al\b", re.IGNORECASE)
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&)\s*")
_SENTENCES_RE = re.compile(r"(?<![A-Z])[.;]\s+\S")
# Words frequent in titles and (almost) never part of a name: "Towards Effective and Economic
# Models" is no author list.
_TITLE_WORDS = frozenset(
    """towards toward learning learned model models network networks neural deep efficient
    effective large language languages scaling training via using based survey review analysis
    approach approaches method methods system systems framework frameworks data generation
    detection recognition segmentation classification attention transformer transformers image
    images video videos vision visual graph graphs reinforcement representation representations
    estimation prediction optimization inference retrieval generative adversarial self
    supervised unsupervised semi benchmark benchmarks dataset datasets multi multimodal robust
    robustness fast faster better improving improved understanding beyond rethinking revisiting
    sparse dense mixture experts expert economic more less new novel simple unified general
    universal scalable interpretable knowledge reasoning agents agent task tasks tuning fine pre
    """.split()  # noqa: SIM905
)
_TIDY_EDGES = " \t.,;:|*_~-–—•·>#"
_MARKUP_EDGES = _TIDY_EDGES.replace(".", "")


class _Keep(Enum):
    """What :func:`_tidy` keeps at the ends of a text besides its words."""

    NOTHING = "nothing"  # tidy: a piece to classify
    QUOTES = "quotes"  # quotes around all of it: one part of a title rejoined with the next
    MARKUP = "markup"  # what a title's markup holds: its period and quotes


@lru_cache(maxsize=1 << 14)
def tidy(text: str) -> str:
    """``text`` without emoji, ``:shortcodes:`` and separators at its ends.

    Closing ``?``, ``!``, ``)`` and quotes that belong to a title stay; unmatched brackets at the
    ends go, and so do brackets and quotes around all of it. Linear in the length of ``text`` (a
    few passes, each stripping in bulk).
    """
    return _tidy(text, _Keep.NOTHING)


def trim_ends(text: str) -> str:
    """:func:`tidy`, except that quotes around all of ``text`` stay: a part of a title
    (``"Elementary, My Dear Watson"`` before `` — Detecting ...``)."""
    return _tidy(text, _Keep.QUOTES)


def trim_markup_text(text: str) -> str:
    """The title a link's text or a bold or italic run holds, as written: like :func:`tidy`
    (emoji, ``:shortcodes:``, separators and unmatched or enclosing brackets at the ends go),
    but a period and quotes that the markup holds stay (``**Title.**``, ``**“Title**``)."""
    return _tidy(text, _Keep.MARKUP)


def _tidy(text: str, keep: _Keep) -> str:
    text = _SHORTCODE_RE.sub(" ", text) if ":" in text else text
    text = " ".join(text.split())
    if text and text[0].isalnum() and text[-1].isalnum():
        return text  # nothing to strip at either end
    edges = _MARKUP_EDGES if keep is _Keep.MARKUP else _TIDY_EDGES
    for _ in range(4):
        previous = text
        text = _strip_symbols(text.strip(edges))
        for opening, closing in ("()", "[]", "{}"):
            text = _strip_brackets(text, opening, closing)
        if keep is not _Keep.MARKUP:
            for quote in ('"', "“", "”", "'"):
                if text.count(quote) == 1 and (text.startswith(quote) or text.endswith(quote)):
                    text = text.strip(quote)
            enclosed = text.startswith(("“", '"')) and text.endswith(("”", '"')) and len(text) > 2
            if keep is _Keep.NOTHING and enclosed:
                text = text[1:-1]
        if text == previous:
            break
    return text


def _strip_symbols(text: str) -> str:
    start, end = 0, len(text)
    while start < end and (_is_symbol(text[start]) or text[start].isspace()):
        start += 1
    while end > start and (_is_symbol(text[end - 1]) or text[end - 1].isspace()):
        end -= 1
    return text[start:end]


def _strip_brackets(text: str, opening: str, closing: str) -> str:
    """Enclosing pairs and unmatched brackets at the ends removed."""
    leading = len(text) - len(text.lstrip(opening))
    trailing = len(text) - len(text.rstrip(closing))
    pairs = min(leading, trailing)
    if pairs and pairs * 2 < len(text):
        inner = text[pairs:-pairs]
        if opening not in inner and closing not in inner:
            text = inner
    text = text.rstrip(opening).lstrip(closing)
    surplus = text.count(closing) - text.count(opening)
    if surplus > 0:
        trailing = len(text) - len(text.rstrip(closing))
        text = text[: len(text) - min(surplus, trailing)]
    elif surplus < 0:
        leading = len(text) - len(text.lstrip(opening))
        text = text[min(-surplus, leading) :]
    return text


def _is_symbol(char: str) -> bool:
    """Emoji and other pictographs (Unicode So/Sk/Cf, variation selectors) and stars."""
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Cf", "Mn", "Co") or char in "★☆✓✔✗✘"


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT_RE.split(text) if w]


@lru_cache(maxsize=1 << 16)
def classify(text: str, *, bracketed: bool = False) -> PieceKind:
    """What ``text`` (one piece of an entry, already :func:`tidy`) is.

    ``bracketed``: the piece was written in brackets (``[ECCV]``, ``[[ICML2018]](url)``), which
    makes a lone acronym a tag.
    """
    lowered = text.lower()
    words = _words(lowered)
    if _is_tag(text, words, bracketed=bracketed):
        return PieceKind.TAG
    if not _LETTER_RE.search(_SHORTCODE_RE.sub("", text)):
        return PieceKind.NUMBER
    if _is_link_label(words) or (
        "(" in lowered and _is_link_label(_words(_PARENTHESIS_RE.sub(" ", lowered)))
    ):  # "Code (not yet)", "Paper (arXiv)"
        return PieceKind.LINK_LABEL
    if all(w.strip(".:!'’") in _NOTE_WORDS for w in words):
        return PieceKind.NOTE
    if looks_like_authors(text):
        return PieceKind.AUTHORS
    if _looks_like_affiliation(text, words):
        return PieceKind.AFFILIATION
    if looks_like_description(text):
        return PieceKind.DESCRIPTION
    if looks_like_name(text):
        return PieceKind.NAME
    return PieceKind.TITLE


def _is_link_label(words: list[str]) -> bool:
    if not words or len(words) > 5:
        return False
    for word in words:
        word = word.strip(".:!'’-_\"")
        if not word:
            continue
        base = word.rstrip("0123456789")  # "Link1", "v2"
        if word.isdigit() or word in _LINK_WORDS or base in _LINK_WORDS or base in ("v", ""):
            continue
        if "-" in word and all(part in _LINK_WORDS for part in word.split("-") if part):
            continue
        return False
    return True


def _is_tag(text: str, words: list[str], *, bracketed: bool) -> bool:
    """A venue and/or date: every word is a venue, year, month, day or venue qualifier."""
    if not words or len(words) > 10:
        return False
    if bracketed and len(words) == 1 and _GLUED_YEAR_RE.match(words[0]):
        return True  # [[TrustNLP2023]](url), [Sensors2022]
    if len(words) <= 7 and words[0] in _JOURNAL_WORDS and _YEAR_RE.match(words[-1].strip(".:")):
        return True  # "IEEE Transactions on Neural Networks 2006", "Communications in ... 2017"
    anchored = False  # at least one venue, year or date word
    acronyms = 0
    original: list[str] | None = None  # the words as written, split when an acronym is asked
    for index, word in enumerate(words):
        word = word.strip(".:!\"-'’")
        if not word:
            continue
        if word in _VENUES or _YEAR_RE.match(word) or _SHORT_YEAR_RE.match(word):
            anchored = True
        elif _DATE_TOKEN_RE.match(word) or word.rstrip(".") in _MONTHS:
            anchored = anchored or not word.isdigit() or len(word) >= 4
        elif (glued := _GLUED_VENUE_RE.match(word)) and glued.group(1) in _VENUES:
            anchored = True
        elif word in _VENUE_QUALIFIERS:
            continue
        elif _ID_TOKEN_RE.match(word):
            anchored = True  # "arXiv preprint arXiv:1703.06870"
        else:
            if original is None:
                original = _words(text)
            raw = original[index].strip(".:!\"-'’") if index < len(original) else word
            if not _ACRONYM_RE.match(raw.rstrip("0123456789'’") or raw):
                return False
            acronyms += 1
    if acronyms:
        # An unknown acronym is a venue only next to a year ("ASE 2026"), or alone in brackets.
        has_year = any(_YEAR_RE.match(w) or _SHORT_YEAR_RE.match(w) for w in words)
        return has_year or (bracketed and len(words) == 1)
    return anchored


def looks_like_authors(text: str) -> bool:
    """``Hinton, Geoffrey E., et al.``, ``Kaiming He, Xiangyu Zhang and Jian Sun``."""
    if _ET_AL_RE.search(text):
        before = _ET_AL_RE.split(text, maxsplit=1)[0]
        return len(before.split()) <= 8
    parts = [p.strip(" .") for p in _AUTHOR_SPLIT_RE.split(text.strip(" .")) if p.strip(" .")]
    if len(parts) < 2 or ("," not in text and ";" not in text and len(parts) < 3):
        return False  # "Risky Instruction Sharing and Norm Enforcement" is a title
    multiword = 0
    for part in parts:
        tokens = part.split()
        if not 1 <= len(tokens) <= 4:
            return False
        if not all(_NAME_WORD_RE.match(t) or t.lower() in _PARTICLES for t in tokens):
            return False
        if any(t.lower().strip(".") in _TITLE_WORDS for t in tokens):
            return False
        if all(t.lower() in _PARTICLES for t in tokens):
            return False
        multiword += len(tokens) >= 2
    return multiword >= 2 or len(parts) >= 3


def _looks_like_affiliation(text: str, words: list[str]) -> bool:
    """``Stanford University``, ``Google Research``, ``Meta AI``, ``Institute of Automation``."""
    if not words or len(words) > 6:
        return False
    bare = [w.strip(".,'’") for w in words]
    bare = [w[:-2] if w.endswith("'s") else w for w in bare]
    if any(w in _ORG_WORDS for w in bare) and not any(w in _TITLE_WORDS for w in bare):
        original = _words(text)
        others = [w for w in original if w.lower() not in _CONNECTORS]
        return all(w[:1].isupper() or w[:1].isdigit() for w in others)
    # company or university names alone, with suffixes such as "AI" or "Research"
    return any(w in _ORGS for w in bare) and all(
        w in _ORGS or w in _ORG_SUFFIXES or w in _CONNECTORS for w in bare
    )


def looks_like_description(text: str) -> bool:
    """A paragraph about a paper: very long, or long with several sentences or clauses."""
    words = text.split()
    if len(words) > 40:
        return True
    return len(words) >= 12 and _SENTENCES_RE.search(text.rstrip(".!? ")) is not None


def reads_as_sentence(text: str) -> bool:
    """Text that reads as a sentence about something (``presents a ...``, ``Unified data format
    for visual localization``), not as a title in Title Case.

    Used for the text after a name (``**Audiobox** - Meta's new model for ...``); titles written
    in sentence case are not told apart by this alone, so it is not part of :func:`classify`.
    """
    words = text.split()
    if len(words) < 2:
        return False
    first = words[0]
    if first.isalpha() and first.islower():
        return True
    content = [
        w for w in words[1:] if len(w) > 3 and w[:1].isalpha() and w.lower() not in _CONNECTORS
    ]
    if len(content) < 2:
        return False
    capitalized = sum(w[:1].isupper() for w in content)
    return capitalized / len(content) < 0.6


def looks_like_name(text: str) -> bool:
    """A short name (``CycleGAN``, ``DeepSeek-V2``, ``Llama 2``), not a title of words."""
    words = text.split()
    if len(words) == 1:
        return True
    if len(words) == 2:
        return any(
            any(c.isdigit() for c in w) or (w.isupper() and len(w) > 1) or _camel(w) for w in words
        )
    return False


def _camel(word: str) -> bool:
    """``DeepSeek``, ``CycleGAN`` (but not ``Multi-Head``: each part of it is capitalized)."""
    return any(
        any(c.isupper() for c in part[1:]) and any(c.islower() for c in part)
        for part in word.split("-")
    )


#: A paper's title has at least this many words; names of tools and models have fewer.
PAPER_TITLE_WORDS = 5


def reads_like_a_paper_title(title: str) -> bool:
    """A title (not a name, tag or label) of at least :data:`PAPER_TITLE_WORDS` words."""
    text = tidy(title)
    return len(text.split()) >= PAPER_TITLE_WORDS and classify(text) is PieceKind.TITLE


def is_title_like(title: str) -> bool:
    """True for a title or a name; False for empty text and for what a title never is."""
    return not_title_reason(title) is None


def not_title_reason(title: str) -> str | None:
    """Why ``title`` is not title-like (``"a link label"``, ``"empty"``, ...), else None."""
    text = tidy(title)
    if not text:
        return "a number or emoji" if title.strip() else "empty"
    kind = classify(text)
    return None if kind in TITLE_KINDS else _REASONS[kind]
