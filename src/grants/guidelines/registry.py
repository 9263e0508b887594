"""The guidelines this installation knows: the shipped files, loaded once at start."""

from collections.abc import Iterable
from pathlib import Path

from grants.core.guideline import Call, Guideline
from grants.guidelines.declarations import is_texts_file
from grants.guidelines.loader import (
    SHIPPED,
    GuidelineError,
    LoadedGuideline,
    load_guideline_document,
)


class GuidelineRegistry:
    def __init__(self, loaded: Iterable[LoadedGuideline]) -> None:
        self._by_id: dict[str, LoadedGuideline] = {}
        for item in loaded:
            if item.guideline.id in self._by_id:
                raise GuidelineError(f"two files define guideline {item.guideline.id!r}")
            self._by_id[item.guideline.id] = item

    def all(self) -> list[Guideline]:
        return [item.guideline for item in self._by_id.values()]

    def loaded(self) -> list[LoadedGuideline]:
        return list(self._by_id.values())

    def get(self, guideline_id: str) -> Guideline | None:
        item = self._by_id.get(guideline_id)
        return item.guideline if item else None

    def calls(self) -> list[tuple[Guideline, Call]]:
        return [(g, call) for g in self.all() for call in g.calls]


def load_registry(directory: Path = SHIPPED) -> GuidelineRegistry:
    # A texts file (declarations, authority) belongs to the guideline file of its stem.
    paths = sorted(p for p in directory.glob("*.yaml") if not is_texts_file(p))
    if not paths:
        raise GuidelineError(f"{directory}: no guideline files (*.yaml)")
    return GuidelineRegistry(load_guideline_document(path) for path in paths)
