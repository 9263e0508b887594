"""LEP 2013 area categories: the verdichtete Bereiche belong to the ländlicher Raum."""

import ast
from pathlib import Path

import pytest

from grants.core import areas
from grants.core.areas import AreaCategory, is_rural


@pytest.mark.parametrize(
    ("category", "rural"),
    [
        (AreaCategory.VERDICHTUNGSRAUM, False),
        (AreaCategory.VERDICHTETER_BEREICH_IM_LAENDLICHEN_RAUM, True),
        (AreaCategory.LAENDLICHER_RAUM, True),
    ],
)
def test_is_rural(category: AreaCategory, rural: bool) -> None:
    assert is_rural(category) is rural


def test_stored_values_and_labels() -> None:
    assert [c.value for c in AreaCategory] == [
        "verdichtungsraum",
        "verdichteter_bereich_im_laendlichen_raum",
        "laendlicher_raum",
    ]
    assert AreaCategory.LAENDLICHER_RAUM.label == "ländlicher Raum"
    assert all(c.label for c in AreaCategory)


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(areas.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"enum"}
