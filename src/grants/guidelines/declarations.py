"""The declarations an applicant makes and the granting authority, as versioned programme
data: a texts file beside each guideline file (``frl-lifd-2023.yaml`` →
``frl-lifd-2023.texts.yaml``), parsed and checked here into ``core.guideline.Declaration``
and ``core.guideline.Authority``. ``loader`` attaches them to the loaded ``Guideline``; a
guideline without a texts file has none (the shipped one must have all four, a test says so).

Which draft checkbox confirms which text (``CONFIRMATION_FIELDS``; the API shows it with each
declaration as ``confirmation_field``, the path in the draft's content):

=========================  ====================================================
declaration ``key``        draft field (``applications.schemas.DraftContent``)
=========================  ====================================================
``subsidy_relevant_facts``  ``declarations.subsidy_relevant_facts_acknowledged``
``de_minimis``              ``declarations.de_minimis_declared``
``data_protection``         ``declarations.data_protection_acknowledged``
``not_started``             ``declarations.not_started_declared``
=========================  ====================================================

A texts file must define each of these keys exactly once, so that no checkbox confirms
nothing, and no others (no checkbox would confirm them).

Versions. What was declared must be provable years later, so a declaration's text never
changes under the same ``version``. Each declaration records ``sha256``, the hash of its
current version (``Declaration.sha256``: key, version, title, text and items); a file whose
text no longer matches is refused with the new hash in the message, so an edit forces the
editor to look at the version. ``tests/unit/guidelines/test_declarations.py`` keeps the
ledger of every released (key, version, sha256), which also catches a hash re-recorded for
an old version number.

Assumptions. The text or an item whose content is not verified against a source is written
with ``assumption: true``. The loader then appends ``ASSUMPTION_MARK`` to it (German and
English), so the mark is part of the text and its hash and travels wherever the text is shown
or frozen (the submission snapshot, a receipt); ``is_assumption`` reads the flag back from
the text alone, and a mark written into the text by hand is refused. The authority has one
flag (``Authority.assumption``) for the whole record: its values go into addresses and
letters, where a mark inside a street name would do harm.
"""

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grants.core.guideline import CODE_PATTERN, Authority, Declaration, Guideline, Text

TEXTS_SUFFIX = ".texts.yaml"

CONFIRMATION_FIELDS: dict[str, str] = {
    "subsidy_relevant_facts": "declarations.subsidy_relevant_facts_acknowledged",
    "de_minimis": "declarations.de_minimis_declared",
    "data_protection": "declarations.data_protection_acknowledged",
    "not_started": "declarations.not_started_declared",
}

# Appended to a part written with ``assumption: true``; the leading space separates it from
# the sentence it qualifies.
ASSUMPTION_MARK = Text(de=" [Angabe ungeprüft]", en=" [not verified]")

_SHA256 = r"^[0-9a-f]{64}$"


class TextsError(Exception):
    """A texts file that must not be used; the message names file, key and reason. The
    loader re-raises it as its ``GuidelineError``."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class _Text(_Model):
    de: NonEmpty
    en: NonEmpty


class _Part(_Text):
    """A text or an item: may be marked as an assumption."""

    assumption: bool = False

    def core(self) -> Text:
        if not self.assumption:
            return Text(self.de, self.en)
        return Text(self.de + ASSUMPTION_MARK.de, self.en + ASSUMPTION_MARK.en)


class _Declaration(_Model):
    key: Annotated[str, Field(min_length=1, max_length=40, pattern=CODE_PATTERN)]
    version: Annotated[str, Field(min_length=1, max_length=40, pattern=CODE_PATTERN)]
    sha256: Annotated[str, Field(pattern=_SHA256)]
    title: _Text
    text: _Part
    items: list[_Part] = []

    def core(self) -> Declaration:
        return Declaration(
            key=self.key,
            version=self.version,
            title=Text(self.title.de, self.title.en),
            text=self.text.core(),
            items=tuple(item.core() for item in self.items),
        )


class _Authority(_Model):
    name: NonEmpty
    unit: NonEmpty
    street: NonEmpty
    postal_code: Annotated[str, Field(pattern=r"^[0-9]{5}$")]
    city: NonEmpty
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    website: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    on_behalf_of: NonEmpty | None = None
    # Required, not defaulted: whoever enters an authority says whether it is verified.
    assumption: bool

    def core(self) -> Authority:
        return Authority(**self.model_dump())


class _Texts(_Model):
    guideline: Annotated[str, Field(min_length=1, pattern=CODE_PATTERN)]
    authority: _Authority | None = None
    declarations: list[_Declaration]


@dataclasses.dataclass(frozen=True, slots=True)
class Texts:
    declarations: tuple[Declaration, ...]
    authority: Authority | None


def texts_path(guideline_path: Path) -> Path:
    """The texts file that belongs to a guideline file: same folder, same stem."""
    return guideline_path.with_name(guideline_path.name.removesuffix(".yaml") + TEXTS_SUFFIX)


def is_texts_file(path: Path) -> bool:
    """Whether ``path`` is a texts file, not a guideline: the registry skips these."""
    return path.name.endswith(TEXTS_SUFFIX)


def is_assumption(text: Text) -> bool:
    """Whether this text (a declaration's text or item) was marked as an assumption."""
    return text.de.endswith(ASSUMPTION_MARK.de) and text.en.endswith(ASSUMPTION_MARK.en)


def confirmation_field(declaration: Declaration) -> str:
    """The draft field whose checkbox confirms this declaration."""
    return CONFIRMATION_FIELDS[declaration.key]


def _parts(document: _Texts) -> Iterable[tuple[str, _Text]]:
    for index, declaration in enumerate(document.declarations):
        yield f"declarations.{index}.title", declaration.title
        yield f"declarations.{index}.text", declaration.text
        for position, item in enumerate(declaration.items):
            yield f"declarations.{index}.items.{position}", item


def _problems_of(document: _Texts, guideline_id: str) -> Iterable[tuple[str, str]]:
    """(key, reason) for everything the schema cannot see."""
    if document.guideline != guideline_id:
        yield "guideline", f"names {document.guideline!r}, but belongs to {guideline_id!r}"
    seen: set[str] = set()
    for index, declaration in enumerate(document.declarations):
        if declaration.key in seen:
            yield f"declarations.{index}.key", f"duplicate key {declaration.key!r}"
        elif declaration.key not in CONFIRMATION_FIELDS:
            known = ", ".join(CONFIRMATION_FIELDS)
            yield (
                f"declarations.{index}.key",
                f"unknown declaration {declaration.key!r} (no draft field confirms it); "
                f"known: {known}",
            )
        seen.add(declaration.key)
        if declaration.key == "subsidy_relevant_facts" and not declaration.items:
            yield (
                f"declarations.{index}.items",
                "name the subsidy-relevant facts one by one: a general wording is not a "
                "designation under § 2 SubvG",
            )
        computed = declaration.core().sha256
        if computed != declaration.sha256:
            yield (
                f"declarations.{index}.sha256",
                f"does not match {declaration.key!r} version {declaration.version!r} "
                f"(computed {computed}): a changed text needs a new version; "
                f"then record its sha256",
            )
    for key, field in CONFIRMATION_FIELDS.items():
        if key not in seen:
            yield "declarations", f"missing {key!r} (the text that {field} confirms)"
    for where, part in _parts(document):
        for language in ("de", "en"):
            text: str = getattr(part, language)
            if getattr(ASSUMPTION_MARK, language).strip() in text:
                yield (
                    f"{where}.{language}",
                    "write `assumption: true` instead of the mark (the loader appends it)",
                )
            if "\x00" in text:
                yield f"{where}.{language}", "contains a NUL character"


def parse_texts(text: str, *, source: str, guideline_id: str) -> Texts:
    """The declarations and authority of a texts file's content, checked for the guideline
    ``guideline_id``; ``TextsError`` lists every problem as ``source: key: reason``."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TextsError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise TextsError(f"{source}: the top level must be a mapping")
    try:
        document = _Texts.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise TextsError("\n".join(lines)) from None
    problems = [
        f"{source}: {key}: {reason}" for key, reason in _problems_of(document, guideline_id)
    ]
    if problems:
        raise TextsError("\n".join(problems))
    return Texts(
        declarations=tuple(d.core() for d in document.declarations),
        authority=document.authority.core() if document.authority else None,
    )


def load_texts(path: Path, *, guideline_id: str) -> Texts:
    return parse_texts(path.read_text("utf-8"), source=str(path), guideline_id=guideline_id)


def with_texts(guideline: Guideline, guideline_path: Path) -> Guideline:
    """``guideline`` with the declarations and the authority of the texts file beside
    ``guideline_path``; unchanged when there is none."""
    path = texts_path(guideline_path)
    if not path.is_file():
        return guideline
    texts = load_texts(path, guideline_id=guideline.id)
    # replace() runs __post_init__ again, which rebuilds the lookup indexes.
    return dataclasses.replace(
        guideline, declarations=texts.declarations, authority=texts.authority
    )
