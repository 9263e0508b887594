"""A readable diff between two submitted versions of an application: which fields changed,
which cost lines were added, removed or changed, which attachments came and went.

Pure and on plain JSON values (the stored snapshots), so an old pair of versions diffs the
same way forever."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Lists whose items are matched by identity rather than compared as a whole.
_KEYED_LISTS = {"cost_lines", "partners"}


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class ItemChange:
    """An item of a keyed list: ``kind`` is added, removed or changed."""

    list: str
    kind: str
    key: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class SnapshotDiff:
    fields: list[FieldChange] = field(default_factory=list)
    items: list[ItemChange] = field(default_factory=list)
    attachments_added: list[Mapping[str, Any]] = field(default_factory=list)
    attachments_removed: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.fields or self.items or self.attachments_added or self.attachments_removed)


def _walk(path: str, before: Any, after: Any, out: list[FieldChange]) -> None:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after)):
            _walk(f"{path}.{key}" if path else key, before.get(key), after.get(key), out)
    elif before != after:
        out.append(FieldChange(path, before, after))


def _item_key(list_name: str, item: Mapping[str, Any]) -> str:
    if list_name == "cost_lines":
        return f"{item.get('category')}: {item.get('description', '')}"
    return str(item.get("name", ""))


def _keyed(list_name: str, items: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Items by key; a repeated key gets a counter so that duplicates still pair up."""
    keyed: dict[str, Mapping[str, Any]] = {}
    for item in items:
        key = base = _item_key(list_name, item)
        n = 2
        while key in keyed:
            key, n = f"{base} #{n}", n + 1
        keyed[key] = item
    return keyed


def _diff_items(name: str, before: Sequence[Any], after: Sequence[Any]) -> list[ItemChange]:
    old, new = _keyed(name, before or ()), _keyed(name, after or ())
    changes = []
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        if a is None:
            changes.append(ItemChange(name, "added", key, None, b))
        elif b is None:
            changes.append(ItemChange(name, "removed", key, a, None))
        elif a != b:
            changes.append(ItemChange(name, "changed", key, a, b))
    return sorted(changes, key=lambda c: (c.kind, c.key))


def diff_snapshots(before: Mapping[str, Any], after: Mapping[str, Any]) -> SnapshotDiff:
    """Compare the ``content`` and ``attachments`` of two snapshots."""
    old_content, new_content = before.get("content", {}), after.get("content", {})
    fields: list[FieldChange] = []
    items: list[ItemChange] = []
    for key in sorted(set(old_content) | set(new_content)):
        if key in _KEYED_LISTS:
            items.extend(_diff_items(key, old_content.get(key, []), new_content.get(key, [])))
        else:
            _walk(key, old_content.get(key), new_content.get(key), fields)
    old_files = {a["sha256"] + a["filename"]: a for a in before.get("attachments", [])}
    new_files = {a["sha256"] + a["filename"]: a for a in after.get("attachments", [])}
    return SnapshotDiff(
        fields=fields,
        items=items,
        attachments_added=[new_files[k] for k in sorted(new_files.keys() - old_files.keys())],
        attachments_removed=[old_files[k] for k in sorted(old_files.keys() - new_files.keys())],
    )
