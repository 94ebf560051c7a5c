"""Which lists a run reads: the ``lists.toml`` file and the bundled fallback copies.

``lists.toml`` holds one ``[[list]]`` table per list::

    [[list]]
    source = "github:SuperBruceJia/Awesome-Mixture-of-Experts"
    bundled = "SuperBruceJia__Awesome-Mixture-of-Experts.md"

``source`` is anything :func:`enrich.lists.read_list` accepts (``github:OWNER/REPO``, an http(s)
URL, a file path; a relative path is taken relative to the ``lists.toml`` file). ``bundled``
optionally names a copy shipped in ``enrich/data/lists/``, read instead when the source cannot
be; the run then records ``ListInfo.fallback=True`` so that a stale copy is never mistaken for
upstream.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from enrich.errors import InputError
from enrich.lists.read import list_slug
from enrich.models import Model

#: The file ``enrich run`` reads when no list is named on the command line.
DEFAULT_LISTS_FILE = Path("lists.toml")


class ListSpec(Model):
    """One list to read: its source and, optionally, the bundled copy to fall back to."""

    source: str = Field(description="github:OWNER/REPO, an http(s) URL, or a file path.")
    bundled: str | None = Field(
        default=None, description="File name in enrich/data/lists/ used when the source fails."
    )

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("source must not be empty")
        return value.strip()

    @field_validator("bundled")
    @classmethod
    def _bundled_is_a_shipped_file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "/" in value or "\\" in value or value in {"", ".", ".."}:
            raise ValueError(f"bundled must be a plain file name, got {value!r}")
        if not bundled_list_path(value).is_file():
            raise ValueError(
                f"no bundled copy named {value!r}; shipped copies: {', '.join(bundled_names())}"
            )
        return value

    def bundled_path(self) -> Path | None:
        """Path of the bundled copy, or None when the list has none."""
        return None if self.bundled is None else bundled_list_path(self.bundled)


class ListsFile(Model):
    """The parsed ``lists.toml``: at least one list, no source twice."""

    lists: list[ListSpec] = Field(alias="list", min_length=1)

    @field_validator("lists")
    @classmethod
    def _sources_unique(cls, specs: list[ListSpec]) -> list[ListSpec]:
        seen: set[str] = set()
        for spec in specs:
            if spec.source in seen:
                raise ValueError(f"list source {spec.source!r} is given twice")
            seen.add(spec.source)
        return specs


def _bundled_dir() -> Path:
    return Path(str(resources.files("enrich") / "data" / "lists"))


def bundled_list_path(name: str) -> Path:
    """Where the bundled copy called ``name`` lives (it may not exist)."""
    return _bundled_dir() / name


def bundled_names() -> list[str]:
    """File names of every bundled list copy, sorted."""
    return sorted(path.name for path in _bundled_dir().iterdir() if path.is_file())


#: The default lists when no ``lists.toml`` exists (kept equal to the repository's lists.toml).
DEFAULT_LISTS: tuple[ListSpec, ...] = (
    ListSpec(
        source="github:SuperBruceJia/Awesome-Mixture-of-Experts",
        bundled="SuperBruceJia__Awesome-Mixture-of-Experts.md",
    ),
    ListSpec(
        source="github:arpita8/Mixture-of-Experts-Papers",
        bundled="arpita8__Mixture-of-Experts-Papers.md",
    ),
)


def _is_relative_path(source: str) -> bool:
    if ":" in source.split("/", 1)[0]:  # github:..., https://..., C:\ is not a concern here
        return False
    return not Path(source).is_absolute()


def load_lists_file(path: Path) -> list[ListSpec]:
    """Read the list specs of ``path``.

    Relative path sources are resolved against the file's directory. Raises :class:`InputError`
    naming the file when it is missing, not TOML, or not of the documented shape.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"lists file {path} does not exist") from None
    except OSError as error:
        raise InputError(f"lists file {path} cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"lists file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"lists file {path} is not valid TOML: {error}") from None
    try:
        parsed = ListsFile.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'file'}: "
            f"{str(issue['msg']).removeprefix('Value error, ')}"
            for issue in error.errors()
        )
        raise InputError(f"lists file {path} is invalid: {problems}") from None
    base = path.parent
    return [
        spec.model_copy(update={"source": str(base / spec.source)})
        if _is_relative_path(spec.source)
        else spec
        for spec in parsed.lists
    ]


def resolve_list_specs(
    sources: Sequence[str] | None = None, lists_file: Path | None = None
) -> list[ListSpec]:
    """The lists a run reads.

    - ``sources`` given: exactly those, each keeping the bundled copy of the configured list
      with the same source (so ``enrich run github:...`` still falls back).
    - no ``sources``: every list of ``lists_file``; when ``lists_file`` is None, the default
      ``lists.toml`` if it exists in the working directory, else :data:`DEFAULT_LISTS`.

    An explicitly named ``lists_file`` that is missing is an :class:`InputError`, and so are two
    lists that would get one slug (``a/README.md`` and ``b/README.md``): their snapshot files
    would collide, so this is refused before anything is read.
    """
    if lists_file is not None:
        configured = load_lists_file(lists_file)
    elif DEFAULT_LISTS_FILE.is_file():
        configured = load_lists_file(DEFAULT_LISTS_FILE)
    else:
        configured = list(DEFAULT_LISTS)
    if not sources:
        return require_distinct_slugs(configured)
    by_source = {spec.source: spec for spec in configured}
    specs: list[ListSpec] = []
    for source in dict.fromkeys(source.strip() for source in sources):
        if not source:
            raise InputError(
                "an empty list source was given: name a file, an http(s) URL or github:OWNER/REPO"
            )
        specs.append(by_source.get(source) or ListSpec(source=source))
    return require_distinct_slugs(specs)


def require_distinct_slugs(specs: Sequence[ListSpec]) -> list[ListSpec]:
    """``specs`` as a list; raises :class:`InputError` naming both sources when two lists would
    get one slug (:func:`enrich.lists.list_slug`), which names their snapshot file."""
    first_by_slug: dict[str, str] = {}
    for spec in specs:
        slug = list_slug(spec.source)
        if slug in first_by_slug:
            raise InputError(
                f"lists {first_by_slug[slug]} and {spec.source} would both be named {slug!r}; "
                "list names (slugs) must be unique: read one of them from another file name"
            )
        first_by_slug[slug] = spec.source
    return list(specs)
