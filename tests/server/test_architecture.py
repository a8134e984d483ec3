"""The layering docs/architecture.md draws: the shared machinery imports no domain, and only the
assembly modules name them all. Read from the source (imports inside functions included)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "redcore_server"
DOMAINS = (
    "orgs",
    "keys",
    "users",
    "sessions",
    "invitations",
    "accounts",
    "mail",
    "products",
    "events",
    "webhooks",
    "erasure",
    "me",
    "teams",
    "roles",
    "imports",
)
ASSEMBLY = {"app.py", "services.py", "background.py", "tables.py", "__main__.py", "cli"}  # modules and packages


def _imports(path: Path, *, module_level: bool = False) -> set[str]:
    """What a module imports: everywhere in it, or only what it imports when it is loaded
    (``module_level``: not inside functions, not for type checking only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body if module_level else ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _package_of(path: Path) -> str:
    """``kit`` for ``kit/routes.py``, ``app`` for ``app.py``."""
    relative = path.relative_to(SRC)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "redcore_server" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in DOMAINS else None


def _shared_modules() -> list[Path]:
    """Every module outside the domains and the assembly (Alembic's migration files excepted)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] in DOMAINS or relative.parts[0] in ASSEMBLY:
            continue
        if relative.parts[:2] == ("db", "migrations"):
            continue
        found.append(path)
    return found


@pytest.mark.parametrize("path", _shared_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_shared_machinery_imports_no_domain(path: Path) -> None:
    domains = sorted({d for module in _imports(path) if (d := _domain_of(module))})
    assert not domains, f"{path.relative_to(SRC)} imports the domain(s) {domains}"


def test_kit_is_where_the_shared_machinery_is() -> None:
    """The pieces every resource uses are in kit/, and nothing of theirs is left where they were."""
    kit = {p.name for p in (SRC / "kit").glob("*.py")}
    assert {"spec.py", "listing.py", "repository.py", "service.py", "routes.py", "outbox.py"} <= kit
    for gone in ("resources.py", "db/resources.py", "db/listing.py", "http/crud.py", "http/listing.py", "outbox"):
        assert not (SRC / gone).exists(), gone


ID_LITERAL = re.compile(r"""new_id\(\s*["']|startswith\(\s*["'][a-z]+_["']\)""")


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_names_its_ids_and_columns_once(domain: str) -> None:
    """An id prefix is one named constant beside its struct (a spec refers to it), never a literal
    beside ``new_id`` or in a ``startswith`` check; no column list is declared beside a spec."""
    for path in sorted((SRC / domain).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found = ID_LITERAL.search(text)
        assert found is None, f"{domain}/{path.name} spells an id prefix out: {found.group(0)!r}"
        assert "ListSpec(" not in text, f"{domain}/{path.name} declares a column list again"


def test_no_package_imports_one_that_imports_it_back() -> None:
    packages = {_package_of(p) for p in SRC.rglob("*.py")}
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for path in SRC.rglob("*.py"):
        if path.relative_to(SRC).parts[:2] == ("db", "migrations"):
            continue
        for module in _imports(path, module_level=True):
            parts = module.split(".")
            own = _package_of(path)
            if parts[0] == "redcore_server" and len(parts) > 1 and parts[1] in packages and parts[1] != own:
                edges[own].add(parts[1])

    def reaches(start: str, goal: str) -> bool:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in edges[todo.pop()] - seen:
                if nxt == goal:
                    return True
                seen.add(nxt)
                todo.append(nxt)
        return False

    cycles = sorted(f"{a} -> {b}" for a in edges for b in edges[a] if reaches(b, a))
    assert not cycles, f"imports that come back round: {cycles}"
