"""The layers, checked on the source (parsed with ``ast``, nothing imported): ``core`` is pure,
features meet only through the public faces their ``__init__`` declares in ``__all__``,
services stay out of HTTP, and ``http`` is the shared edge that knows no feature."""

import ast
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
FILES = sorted((SRC / "grants").rglob("*.py"))
SHARED_PACKAGES = {"core", "db", "http"}
FEATURES = {p.parent.name for p in (SRC / "grants").glob("*/__init__.py")} - SHARED_PACKAGES
# Composition roots wire the features together and may reach any of their modules. demo.py
# is one too: it seeds demonstration data the way the features' own tests would.
ROOTS = {"grants.app", "grants.cli", "grants.demo", "grants.demo_scenario", "grants.db.tables"}
# Pure third-party libraries core may use: zxcvbn rates a password from the password alone;
# holidays knows Saxony's public holidays, schwifty checks an IBAN, both from shipped data.
CORE_THIRD_PARTY = {"zxcvbn", "holidays", "schwifty"}
NEVER_PUBLIC = {"tables", "routes"}
# forms.py: the portal's HTML forms read into the API's request models (request parameters
# in, the same validation messages out), as edge as a route; pages.py and cookies.py: the
# portal's rendering, error pages and session cookie. Any ``*_routes.py`` is routes too, and
# any ``*_forms.py`` a form like forms.py.
HTTP_EDGE_FILES = {
    "routes.py",
    "dependencies.py",
    "middleware.py",
    "forms.py",
    "pages.py",
    "cookies.py",
}
# Modules every service may use, so they must not depend on the web framework either.
HTTP_FREE_SHARED = {"core", "db", "context"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p) for p in FILES}


def public_face(init: Path) -> list[str] | None:
    """The names in a package's ``__all__``, or None if it declares none."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return [str(name) for name in ast.literal_eval(node.value)]
    return None


FACES = {module_name(p): public_face(p) for p in FILES if p.name == "__init__.py"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    path: str  # its file, for the report
    line: int
    target: str  # the absolute module imported

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: import {self.target}"


def imports_of(module: str, source: str, path: str, *, package: bool = False) -> list[Import]:
    """Every module ``source`` imports, anywhere in it; relative imports made absolute and
    ``from package import submodule`` read as the submodule."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: None if package else -1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.append(Import(module, path, node.lineno, name if name in MODULES else base))
    return list(dict.fromkeys(found))  # ``from m import a, b`` counts once


def imports_in(path: Path) -> list[Import]:
    source, where = path.read_text(encoding="utf-8"), str(path.relative_to(SRC.parent))
    return imports_of(module_name(path), source, where, package=path.name == "__init__.py")


IMPORTS = [imp for p in FILES for imp in imports_in(p)]


def top(module: str) -> str:
    """``grants.<top>.…``: the feature or shared package (or module) a name belongs to."""
    parts = module.split(".")
    return parts[1] if parts[0] == "grants" and len(parts) > 1 else ""


def leaves_core(imp: Import) -> bool:
    root = imp.target.partition(".")[0]
    if top(imp.module) != "core" or top(imp.target) == "core":
        return False
    return root == "grants" or root not in sys.stdlib_module_names | CORE_THIRD_PARTY


def bypasses_a_face(imp: Import) -> bool:
    """Into another feature past its ``__all__``: every step below the feature package must
    be listed by the package above it, and ``tables`` or ``routes`` never are."""
    feature = top(imp.target)
    if feature not in FEATURES or feature == top(imp.module) or imp.module in ROOTS:
        return False
    parts = imp.target.split(".")
    return any(
        name in NEVER_PUBLIC or name not in (FACES.get(".".join(parts[:i])) or [])
        for i, name in enumerate(parts[2:], start=2)
    )


def reaches_into_http(imp: Import) -> bool:
    if imp.target.partition(".")[0] != "litestar" and top(imp.target) != "http":
        return False
    if top(imp.module) in HTTP_FREE_SHARED:
        return True
    file = Path(imp.path).name
    if (
        top(imp.module) not in FEATURES
        or file in HTTP_EDGE_FILES
        or file.endswith(("_routes.py", "_forms.py"))
    ):
        return False
    # The shared field types are shapes, not HTTP machinery (see the test below).
    return imp.target != "grants.http.fields"


def http_knows_a_feature(imp: Import) -> bool:
    return top(imp.module) == "http" and top(imp.target) in FEATURES


Rule = Callable[[Import], bool]


def offences(rule: Rule, imports: Iterable[Import]) -> str:
    return "\n".join(str(imp) for imp in imports if rule(imp))


def test_core_is_pure() -> None:
    assert not (found := offences(leaves_core, IMPORTS)), f"core imports:\n{found}"


def test_features_use_each_other_only_through_their_public_face() -> None:
    found = offences(bypasses_a_face, IMPORTS)
    assert not found, f"past another feature's __all__:\n{found}"


def test_services_stay_out_of_http() -> None:
    assert not (found := offences(reaches_into_http, IMPORTS)), f"HTTP outside the edge:\n{found}"


def test_shared_field_types_carry_no_http() -> None:
    """Services may use ``grants.http.fields`` (Page, Amount, …) only because it holds plain
    Pydantic shapes: no Litestar, nothing of the request."""
    found = [str(imp) for imp in IMPORTS if imp.module == "grants.http.fields"]
    assert found and not [f for f in found if "litestar" in f or "grants.http." in f], found


def test_http_is_the_shared_edge() -> None:
    assert not (found := offences(http_knows_a_feature, IMPORTS)), f"http imports:\n{found}"


def test_every_feature_declares_a_face_of_real_public_modules() -> None:
    packages = [m for m in FACES if top(m) in FEATURES]
    assert {top(m) for m in packages} == FEATURES
    missing = [m for m in packages if FACES[m] is None]
    assert not missing, f"no __all__ in: {missing}"
    wrong = [f"{m}.{n}" for m in packages for n in FACES[m] or [] if n in NEVER_PUBLIC]
    wrong += [f"{m}.{n}" for m in packages for n in FACES[m] or [] if f"{m}.{n}" not in MODULES]
    assert not wrong, f"not a public submodule: {wrong}"


@pytest.mark.parametrize(
    ("rule", "module", "source", "offending"),
    [
        (leaves_core, "grants.core.x", "import sqlalchemy, json\nimport zxcvbn", 1),
        (leaves_core, "grants.core.x", "from grants.db.base import x\nfrom . import money", 1),
        (bypasses_a_face, "grants.evaluation.x", "from grants.applications import tables", 1),
        (bypasses_a_face, "grants.evaluation.x", "from grants.accounts.passwords import x", 1),
        (bypasses_a_face, "grants.evaluation.x", "from grants.applications.queries import x", 0),
        (bypasses_a_face, "grants.evaluation.scoring.x", "from ..tables import x", 0),
        (bypasses_a_face, "grants.app", "from grants.applications import routes", 0),
        (reaches_into_http, "grants.accounts.service", "from grants.http.fields import x", 0),
        (reaches_into_http, "grants.accounts.service", "from grants.http.params import x", 1),
        (reaches_into_http, "grants.guidelines.schemas", "from grants.http import fields", 0),
        (reaches_into_http, "grants.guidelines.routes", "from litestar import get", 0),
        (reaches_into_http, "grants.db.x", "from litestar import Request", 1),
        (http_knows_a_feature, "grants.http.x", "from ..applications.access import x", 1),
    ],
)
def test_the_rules_catch_what_they_should(
    rule: Rule, module: str, source: str, offending: int
) -> None:
    path = f"src/{module.replace('.', '/')}.py"
    found = offences(rule, imports_of(module, source, path))
    assert len(found.splitlines()) == offending, found


def test_the_checker_sees_the_code() -> None:
    assert len(FILES) > 50
    assert len(IMPORTS) > 500
