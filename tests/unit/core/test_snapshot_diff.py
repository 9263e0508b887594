"""The diff between two submitted versions, on plain JSON values."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from grants.core.snapshot_diff import diff_snapshots


def snapshot(**content: Any) -> dict[str, Any]:
    attachments = content.pop("attachments", [])
    return {"content": content, "attachments": attachments}


def line(category: str, description: str, amount: str) -> dict[str, str]:
    return {"category": category, "description": description, "amount": amount}


def test_equal_snapshots_have_an_empty_diff() -> None:
    one = snapshot(title="A", cost_lines=[line("equipment", "Drucker", "10.00")])
    assert diff_snapshots(one, one).empty


def test_nested_fields_are_named_by_their_path() -> None:
    diff = diff_snapshots(
        snapshot(concept={"goals": "alt", "measures": "gleich"}, title="T"),
        snapshot(concept={"goals": "neu", "measures": "gleich"}, title="T"),
    )
    assert [(c.path, c.before, c.after) for c in diff.fields] == [("concept.goals", "alt", "neu")]


def test_cost_lines_pair_up_by_category_and_description() -> None:
    before = snapshot(
        cost_lines=[line("equipment", "Drucker", "10.00"), line("material", "Filament", "5.00")]
    )
    after = snapshot(
        cost_lines=[
            line("material", "Filament", "5.00"),
            line("equipment", "Drucker", "12.00"),
            line("rent", "Miete", "3.00"),
        ]
    )
    diff = diff_snapshots(before, after)
    assert [(c.kind, c.key) for c in diff.items] == [
        ("added", "rent: Miete"),
        ("changed", "equipment: Drucker"),
    ]
    assert not diff.fields  # reordering alone is no change


def test_duplicate_lines_still_pair_up() -> None:
    twice = [line("material", "Filament", "5.00"), line("material", "Filament", "5.00")]
    diff = diff_snapshots(snapshot(cost_lines=twice), snapshot(cost_lines=twice[:1]))
    assert [(c.kind, c.key) for c in diff.items] == [("removed", "material: Filament #2")]


def test_attachments_added_and_removed_by_content_and_name() -> None:
    a = {"id": "1", "filename": "konzept.pdf", "sha256": "aa"}
    b = {"id": "2", "filename": "konzept.pdf", "sha256": "bb"}
    diff = diff_snapshots(snapshot(attachments=[a]), snapshot(attachments=[b]))
    assert diff.attachments_added == [b]
    assert diff.attachments_removed == [a]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(min_size=1, max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from(["title", "summary", "concept", "x"]), json_values))
def test_a_snapshot_never_differs_from_itself(content: dict[str, Any]) -> None:
    assert diff_snapshots({"content": content}, {"content": content}).empty


@given(
    st.dictionaries(st.sampled_from(["title", "summary", "x"]), st.text(max_size=4)),
    st.dictionaries(st.sampled_from(["title", "summary", "x"]), st.text(max_size=4)),
)
def test_every_changed_top_level_field_is_reported(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    reported = {c.path for c in diff_snapshots({"content": old}, {"content": new}).fields}
    assert reported == {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
