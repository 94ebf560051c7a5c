"""Venue labels (enrich.papers.venues): preprint labels read in their form, and the label a
list would write for a venue."""

from __future__ import annotations

import pytest

from enrich.papers.venues import PreprintLabel, VenueLabels, names_venue

NEURIPS = "Neural Information Processing Systems"
ICLR = "International Conference on Learning Representations"


def preprint(written: str) -> PreprintLabel:
    label = PreprintLabel.read(written)
    assert label is not None
    return label


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("arXiv", ("arXiv", "", None)),
        ("arXiv 2022", ("arXiv", " ", "2022")),
        ("arXiv2022", ("arXiv", "", "2022")),
        ("arXiv19", ("arXiv", "", "19")),
        ("arXiv, 2021", ("arXiv", ", ", "2021")),
        ("Preprint 2022", ("Preprint", " ", "2022")),
        ("CoRR", ("CoRR", "", None)),
        ("arXiv'23", ("arXiv", "'", "23")),
    ],
)
def test_plain_preprint_labels_are_read_in_their_form(
    written: str, parts: tuple[str, str, str | None]
) -> None:
    label = PreprintLabel.read(written)
    assert label is not None and (label.label, label.sep, label.year) == parts


@pytest.mark.parametrize(
    "written",
    [
        None,
        "",
        "ICLR 2023",
        "arXiv:1709.07809",
        "arXiv preprint arXiv:1409.1556",
        "arXiv, [[Paper]",
    ],
)
def test_other_venue_text_is_not_a_plain_preprint_label(written: str | None) -> None:
    assert PreprintLabel.read(written) is None


def test_a_new_label_keeps_the_year_form_with_the_year_of_the_venue() -> None:
    plain = VenueLabels()
    assert preprint("arXiv 2022").relabeled("ICML", 2023, plain) == "ICML 2023"
    assert preprint("arXiv19").relabeled("ICML", 2020, plain) == "ICML20"
    assert preprint("arXiv").relabeled("ICML", 2020, plain) == "ICML"
    assert preprint("arXiv 2022").relabeled("ICML", None, plain) is None


def test_labels_are_learned_from_the_list_when_they_can_name_the_venue() -> None:
    labels = VenueLabels.learn(
        [
            ("NIPS'21", NEURIPS),
            ("NIPS 2020", NEURIPS),
            ("NeurIPS 2019", NEURIPS),
            ("ACM", "Knowledge Discovery and Data Mining"),  # not a name of the venue
            ("arXiv", NEURIPS),
            ("Journal of Things", None),
        ]
    )
    assert labels.label(NEURIPS) == "NIPS"
    assert labels.label("Knowledge Discovery and Data Mining") == "KDD"  # the usual abbreviation
    assert labels.label("IEEE Transactions on Multimedia") == "IEEE Transactions on Multimedia"
    # most labels carry a year: a bare "arXiv" gets one in the list's most common form
    assert (labels.year_sep, labels.year_digits) == (" ", 4)
    assert preprint("arXiv").relabeled("ICLR", 2024, labels) == "ICLR 2024"


def test_a_list_whose_labels_carry_no_year_gets_none_added() -> None:
    labels = VenueLabels.learn([("ICLR", ICLR), ("CVPR", None), ("NeurIPS 2020", NEURIPS)])
    assert labels.year_sep is None
    assert labels.label(ICLR) == "ICLR"


@pytest.mark.parametrize(
    ("label", "venue", "names"),
    [
        ("NeurIPS", NEURIPS, True),
        ("NIPS", NEURIPS, True),
        ("ICLR", ICLR, True),
        ("Multimedia", "IEEE Transactions on Multimedia", True),
        ("CVPR", "IEEE International Conference on Computer Vision", False),
        ("ACM", "Knowledge Discovery and Data Mining", False),
    ],
)
def test_names_venue(label: str, venue: str, names: bool) -> None:
    assert names_venue(label, venue) is names
