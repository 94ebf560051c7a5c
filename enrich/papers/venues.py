"""Venue labels as lists write them: preprint labels, and the label a list would give a venue.

A fix that updates a row's ``arXiv`` to the venue where the paper was published writes the venue
the way the list writes venues (:class:`VenueLabels`): the label the list itself uses for that
venue on other rows (``ICLR`` for "International Conference on Learning Representations" when
its rows say ``ICLR 2017``), else the venue's usual abbreviation (:data:`ABBREVIATIONS`), else
the venue's name as Semantic Scholar gives it. A year written with the preprint label is kept
in its form (``arXiv 2022`` -> ``NeurIPS 2022``, ``arXiv19`` -> ``ICML19``), with the year of
the published version; a bare ``arXiv`` gets the year too when most of the list's venue labels
carry one (``arXiv,`` -> ``ACL 2024,`` where the list writes ``ICLR 2017,``), in their form.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import Field

from enrich.models import Model
from enrich.papers.checks import is_acronym, is_preprint_venue
from enrich.titles import normalize_title

#: Usual abbreviations of venues, keyed by the venue's name as Semantic Scholar writes it
#: (normalized with :func:`venue_key`). Names from Semantic Scholar's venue strings; the
#: abbreviations are the venues' own.
ABBREVIATIONS: dict[str, str] = {
    "neural information processing systems": "NeurIPS",
    "international conference on machine learning": "ICML",
    "international conference on learning representations": "ICLR",
    "computer vision and pattern recognition": "CVPR",
    "ieee international conference on computer vision": "ICCV",
    "international conference on computer vision": "ICCV",
    "european conference on computer vision": "ECCV",
    "british machine vision conference": "BMVC",
    "ieee workshop winter conference on applications of computer vision": "WACV",
    "annual meeting of the association for computational linguistics": "ACL",
    "conference on empirical methods in natural language processing": "EMNLP",
    "north american chapter of the association for computational linguistics": "NAACL",
    "conference of the european chapter of the association for computational linguistics": "EACL",
    "international conference on computational linguistics": "COLING",
    "aaai conference on artificial intelligence": "AAAI",
    "international joint conference on artificial intelligence": "IJCAI",
    "knowledge discovery and data mining": "KDD",
    "the web conference": "WWW",
    "annual international acm sigir conference on research and development in information "
    "retrieval": "SIGIR",
    "conference on machine learning and systems": "MLSys",
    "trans mach learn res": "TMLR",
    "transactions on machine learning research": "TMLR",
    "journal of machine learning research": "JMLR",
    "ieee transactions on pattern analysis and machine intelligence": "TPAMI",
    "international conference on artificial intelligence and statistics": "AISTATS",
    "conference on uncertainty in artificial intelligence": "UAI",
    "annual conference computational learning theory": "COLT",
    "ieee international conference on acoustics speech and signal processing": "ICASSP",
    "ieee international conference on robotics and automation": "ICRA",
    "conference on robot learning": "CoRL",
    "robotics science and systems": "RSS",
    "medical image computing and computer assisted intervention": "MICCAI",
    "acm multimedia": "ACM MM",
}

#: A venue written as a preprint label, optionally with a year: ``arXiv``, ``arXiv 2022``,
#: ``arXiv2022``, ``arXiv19``, ``arXiv, 2021``, ``Preprint 2022``, ``CoRR``, ``arXiv'23``.
_PREPRINT_LABEL = re.compile(
    r"(?P<label>arxiv(?: preprint)?|corr|preprint)(?P<sep>[ ,'’]*)(?P<year>(?:19|20)\d\d|\d\d)?",
    re.IGNORECASE,
)
#: A venue label of the list: a name, then optionally a year (``ICLR 2017``, ``CVPR'23``).
_LABEL_WITH_YEAR = re.compile(r"(?P<name>.*?\S)(?P<sep>[ ,'’]*)(?P<year>(?:19|20)\d\d|\d\d)?")


class PreprintLabel(Model):
    """A venue written as a preprint label: its parts, so a new label keeps the row's form."""

    label: str
    sep: str
    year: str | None

    @classmethod
    def read(cls, venue: str | None) -> PreprintLabel | None:
        """The parts of ``venue`` when it is a plain preprint label, else None."""
        match = _PREPRINT_LABEL.fullmatch(venue.strip()) if venue else None
        if match is None or (match.group("year") is None and match.group("sep").strip()):
            return None
        return cls(label=match.group("label"), sep=match.group("sep"), year=match.group("year"))

    def relabeled(self, name: str, year: int | None, labels: VenueLabels) -> str | None:
        """``name`` written the way this label is, with ``year`` in place of its year (in the
        same number of digits), or added the way ``labels`` says the list writes years; None
        when a year is to be written and ``year`` is unknown."""
        if self.year is not None:
            sep, digits = self.sep, len(self.year)
        elif labels.year_sep is not None:
            sep, digits = labels.year_sep, labels.year_digits
        else:
            return name
        if year is None:
            return None
        written = str(year) if digits == 4 else f"{year % 100:02d}"
        return f"{name}{sep}{written}"


def venue_key(venue: str) -> str:
    """A venue name compared without case and punctuation."""
    return normalize_title(venue)


def names_venue(label: str, venue: str) -> bool:
    """True when ``label`` can name ``venue``: its abbreviation, an acronym of its words, or
    words of its name (``NeurIPS``, ``NIPS``, ``ICLR``, ``Multimedia`` ...)."""
    key, name = venue_key(venue), venue_key(label)
    if not name:
        return False
    if ABBREVIATIONS.get(key, "").lower() == label.lower():
        return True
    words = key.split()
    compact = name.replace(" ", "")
    return is_acronym(compact, words) or f" {name} " in f" {key} "


class VenueLabels(Model):
    """The label to write for a venue in one list (see the module docstring)."""

    learned: dict[str, str] = Field(default_factory=dict)
    year_sep: str | None = Field(
        default=None,
        description="How most of the list's venue labels write their year after the name "
        "(' ' for 'ICLR 2017'); None when most carry no year.",
    )
    year_digits: int = 4

    @classmethod
    def learn(cls, written_and_found: Iterable[tuple[str | None, str | None]]) -> VenueLabels:
        """Learn the list's labels from its rows: pairs of (venue as written, venue Semantic
        Scholar gives for the row's paper, or None). A label counts when it can name the venue
        (:func:`names_venue`); the label most rows use wins (ties: the first in sort order).
        The year form is the one most of the list's labels (other than preprint labels) use."""
        votes: dict[str, Counter[str]] = {}
        forms: Counter[tuple[str, int] | None] = Counter()
        for written, found in written_and_found:
            if not written or is_preprint_venue(written):
                continue
            match = _LABEL_WITH_YEAR.fullmatch(written.strip())
            if match is None:
                continue
            year = match.group("year")
            forms[(match.group("sep"), len(year)) if year and match.group("sep") else None] += 1
            name = match.group("name").strip()
            if found and not is_preprint_venue(found) and names_venue(name, found):
                votes.setdefault(venue_key(found), Counter())[name] += 1
        learned = {
            key: min(counter.items(), key=lambda item: (-item[1], item[0]))[0]
            for key, counter in sorted(votes.items())
        }
        with_year = {form: n for form, n in forms.items() if form is not None}
        if sum(with_year.values()) * 2 <= sum(forms.values()):
            return cls(learned=learned)
        sep, digits = min(with_year.items(), key=lambda item: (-item[1], item[0]))[0]
        return cls(learned=learned, year_sep=sep, year_digits=digits)

    def label(self, venue: str) -> str:
        """The label for ``venue`` (a venue name as Semantic Scholar gives it)."""
        key = venue_key(venue)
        return self.learned.get(key) or ABBREVIATIONS.get(key) or venue.strip()
