"""Import layers of arize_mcp: api ← follow ← server ← service/cli, each importing only what is below it, no cycles."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import arize_mcp

PACKAGE = "arize_mcp"
ANYTHING = "*"

# Each area, and the internal areas (or single modules) it may import. Every area may also import the
# root package `arize_mcp` (whose __init__ only holds __version__) and itself.
LAYERS: dict[str, frozenset[str] | str] = {
    "arize_mcp": frozenset(),
    "arize_mcp.grammar": frozenset(),
    "arize_mcp.asgi": frozenset(),
    "arize_mcp.redaction": frozenset(),
    "arize_mcp.logs": frozenset({"arize_mcp.redaction"}),
    "arize_mcp.telemetry": frozenset({"arize_mcp.config", "arize_mcp.redaction"}),
    "arize_mcp.api": frozenset(),
    "arize_mcp.follow": frozenset({"arize_mcp.api"}),
    "arize_mcp.config": frozenset({"arize_mcp.api", "arize_mcp.follow", "arize_mcp.grammar"}),
    "arize_mcp.emulator": frozenset({"arize_mcp.api.models", "arize_mcp.asgi", "arize_mcp.grammar"}),
    "arize_mcp.server": frozenset(
        {"arize_mcp.api", "arize_mcp.follow", "arize_mcp.config", "arize_mcp.grammar", "arize_mcp.redaction"}
    ),
    "arize_mcp.service": frozenset(
        {
            "arize_mcp.server",
            "arize_mcp.api",
            "arize_mcp.follow",
            "arize_mcp.config",
            "arize_mcp.asgi",
            "arize_mcp.grammar",
            "arize_mcp.redaction",
            "arize_mcp.logs",
        }
    ),
    "arize_mcp.sandbox": frozenset({"arize_mcp.config", "arize_mcp.emulator", "arize_mcp.api", "arize_mcp.grammar"}),
    "arize_mcp.docs": frozenset({"arize_mcp.server", "arize_mcp.config"}),
    "arize_mcp.doctor": frozenset({"arize_mcp.api", "arize_mcp.config"}),
    "arize_mcp.demo": frozenset({"arize_mcp.emulator"}),
    "arize_mcp.cli": ANYTHING,
    "arize_mcp.__main__": ANYTHING,
}

# Third-party top-level packages an area must not import: the lower layers stay free of the MCP SDK and
# the HTTP stack, and the emulator (a fake Arize API) of the MCP SDK.
HTTP_AND_MCP = frozenset({"mcp", "starlette", "uvicorn"})
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "arize_mcp.api": HTTP_AND_MCP,
    "arize_mcp.follow": HTTP_AND_MCP,
    "arize_mcp.config": HTTP_AND_MCP,
    "arize_mcp.grammar": HTTP_AND_MCP,
    "arize_mcp.emulator": frozenset({"mcp"}),
}


# --- the checker -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One imported name: `importer` (a module of the package) imports `target` at `file:line`."""

    importer: str
    file: str
    line: int
    statement: str
    target: str  # a module of the package when internal, else the imported module's dotted name
    internal: bool

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}: `{self.statement}`"


def discover(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of `package` (found in `root`), by dotted name; a package is named by its __init__."""
    modules: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _known_prefix(name: str, modules: Mapping[str, Path]) -> str:
    """The longest module of the package that `name` is, or is inside of."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return name


def imports_of(
    module: str, path: Path, modules: Mapping[str, Path], root: Path, package: str = PACKAGE
) -> list[Import]:
    """Every import statement anywhere in the module (functions, `if TYPE_CHECKING:` and all)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    is_package = path.name == "__init__.py"
    file = path.relative_to(root).as_posix()
    found: list[Import] = []

    def add(node: ast.stmt, name: str) -> None:
        internal = name == package or name.startswith(package + ".")
        target = _known_prefix(name, modules) if internal else name
        found.append(Import(module, file, node.lineno, ast.unparse(node), target, internal))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = here[: len(here) - (node.level - 1)]
                if node.module:
                    base_parts = [*base_parts, node.module]
                base = ".".join(base_parts)
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                add(node, submodule if submodule in modules else base)
    return sorted(found, key=lambda imp: imp.line)


def scan(root: Path, package: str = PACKAGE) -> list[Import]:
    """Every import of every module of `package` under `root`."""
    modules = discover(root, package)
    return [imp for module, path in modules.items() for imp in imports_of(module, path, modules, root, package)]


def area_of(module: str, layers: Mapping[str, object] = LAYERS) -> str | None:
    """The layer rule a module falls under: the longest area naming it or a package above it. The root
    package's rule covers only its own __init__, so a new top-level module has no rule until given one."""
    best: str | None = None
    for area in layers:
        inside = module.startswith(area + ".") and area != PACKAGE
        if (module == area or inside) and (best is None or len(area) > len(best)):
            best = area
    return best


def _covers(entry: str, module: str) -> bool:
    return module == entry or module.startswith(entry + ".")


def layer_violations(imports: Iterable[Import], layers: Mapping[str, frozenset[str] | str] = LAYERS) -> list[str]:
    """An internal import the importer's area may not make (see `unruled` for modules without an area)."""
    problems: list[str] = []
    for imp in imports:
        area = area_of(imp.importer, layers)
        if area is None or not imp.internal:
            continue
        allowed = layers[area]
        if allowed == ANYTHING or imp.target == PACKAGE or _covers(area, imp.target):
            continue
        if any(_covers(entry, imp.target) for entry in allowed):
            continue
        may = ", ".join(sorted(allowed)) or "nothing internal"
        problems.append(f"{imp.where} imports {imp.target}, but {area} may import only: {may}")
    return problems


def unruled(modules: Mapping[str, Path], root: Path, layers: Mapping[str, object] = LAYERS) -> list[str]:
    """A module no area of the layers covers, so nothing would check its imports."""
    return [
        f"{path.relative_to(root).as_posix()}: module {module} is in no area of LAYERS; give it a rule"
        for module, path in modules.items()
        if area_of(module, layers) is None
    ]


def third_party_violations(
    imports: Iterable[Import],
    forbidden: Mapping[str, frozenset[str]] = FORBIDDEN_THIRD_PARTY,
    layers: Mapping[str, object] = LAYERS,
) -> list[str]:
    """An import of a third-party package the importer's area must stay free of."""
    problems: list[str] = []
    for imp in imports:
        area = area_of(imp.importer, layers)
        if imp.internal or area not in forbidden:
            continue
        top = imp.target.split(".")[0]
        if top in forbidden[area]:
            problems.append(f"{imp.where} imports {top}, which {area} must not depend on")
    return problems


def find_cycles(imports: Iterable[Import]) -> list[str]:
    """One chain per strongly connected group of modules that import each other (Tarjan's algorithm),
    each link naming the file, line and statement that makes it."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        edges.setdefault(imp.importer, {})
        if imp.internal and imp.target != imp.importer:
            edges[imp.importer].setdefault(imp.target, imp)

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:  # recursion depth is bounded by the package's size
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(edges.get(node, {})):
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)

    chains: list[str] = []
    for group in groups:
        members = set(group)
        start = group[0]
        # Shortest way back to `start` inside the group (breadth-first), so the chain is a simple cycle.
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in previous:
            following: list[str] = []
            for node in frontier:
                for succ in sorted(edges.get(node, {})):
                    if succ in members and succ not in previous:
                        previous[succ] = node
                        following.append(succ)
            frontier = following
        path = [start]
        while True:
            path.append(previous[path[-1]])
            if path[-1] == start:
                break
        path.reverse()
        links = "\n".join(f"    {a} -> {b}  ({edges[a][b].where})" for a, b in zip(path, path[1:], strict=False))
        chains.append(f"import cycle {' -> '.join(path)}:\n{links}")
    return chains


# --- the real package --------------------------------------------------------------------------------------

ROOT = Path(arize_mcp.__file__).resolve().parent.parent


def _report(problems: list[str]) -> str:
    return "\n".join(problems)


def test_the_scan_sees_the_package() -> None:
    """Guards the checks below against passing because the scan found nothing."""
    imports = scan(ROOT)
    edges = {(imp.importer, imp.target) for imp in imports if imp.internal}
    assert ("arize_mcp.server.subscriptions", "arize_mcp.server.seams") in edges
    assert ("arize_mcp.config", "arize_mcp.follow.schedule") in edges
    assert ("arize_mcp.cli", "arize_mcp.service") in edges  # imported inside a function
    assert ("arize_mcp.server.build", "mcp.server.mcpserver") in {(imp.importer, imp.target) for imp in imports}


def test_no_import_cycles() -> None:
    cycles = find_cycles(scan(ROOT))
    assert not cycles, "modules of arize_mcp import each other:\n" + _report(cycles)


def test_imports_respect_the_layers() -> None:
    problems = layer_violations(scan(ROOT))
    assert not problems, "upward imports (see LAYERS in tests/test_layers.py):\n" + _report(problems)


def test_every_module_has_an_area() -> None:
    problems = unruled(discover(ROOT), ROOT)
    assert not problems, _report(problems)


def test_lower_layers_stay_free_of_the_sdk_and_http_stack() -> None:
    problems = third_party_violations(scan(ROOT))
    assert not problems, "forbidden third-party imports (see FORBIDDEN_THIRD_PARTY):\n" + _report(problems)


def test_every_area_in_the_rules_exists() -> None:
    """A renamed or removed area must not leave a stale rule that silently checks nothing."""
    modules = discover(ROOT)
    missing = [area for area in LAYERS if not any(_covers(area, module) for module in modules)]
    missing += [
        entry
        for allowed in LAYERS.values()
        if allowed != ANYTHING
        for entry in allowed
        if not any(_covers(entry, module) for module in modules)
    ]
    assert not missing, f"LAYERS names what is not a module of arize_mcp: {missing}"


# --- the checker catches what it should --------------------------------------------------------------------

FAKE_PACKAGE = {
    "__init__.py": '__version__ = "0"\n',
    "grammar.py": "",
    "config.py": "",
    "api/__init__.py": "from .client import Client\n",
    "api/models.py": "",
    "api/client.py": "from arize_mcp import __version__\nfrom arize_mcp.config import Settings\n",
    "follow/__init__.py": "import mcp.types\n",
    "follow/feeds.py": "from arize_mcp.api import models\n",
    "server/__init__.py": "",
    "server/a.py": "from . import b\n",
    "server/b.py": """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from .c import C


        def late():
            from arize_mcp.server.a import thing
    """,
    "server/c.py": "import arize_mcp.grammar\n",
    "emulator/__init__.py": "from arize_mcp.api.models import Task\nfrom arize_mcp.api import ArizeClient\n",
    "newthing.py": "",
}


def _fake_package(tmp_path: Path) -> list[Import]:
    for name, source in FAKE_PACKAGE.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return scan(tmp_path)


def test_checker_resolves_imports(tmp_path: Path) -> None:
    edges = {(imp.importer, imp.target) for imp in _fake_package(tmp_path) if imp.internal}
    assert ("arize_mcp.api", "arize_mcp.api.client") in edges  # relative, from a package's __init__
    assert ("arize_mcp.follow.feeds", "arize_mcp.api.models") in edges  # `from package import submodule`
    assert ("arize_mcp.server.a", "arize_mcp.server.b") in edges  # `from . import submodule`
    assert ("arize_mcp.server.b", "arize_mcp.server.c") in edges  # relative, under `if TYPE_CHECKING:`
    assert ("arize_mcp.server.b", "arize_mcp.server.a") in edges  # inside a function
    assert ("arize_mcp.emulator", "arize_mcp.api") in edges  # a name, not a module: the package itself


def test_checker_reports_a_cycle(tmp_path: Path) -> None:
    cycles = find_cycles(_fake_package(tmp_path))
    assert len(cycles) == 1
    assert cycles[0].startswith("import cycle arize_mcp.server.a -> arize_mcp.server.b -> arize_mcp.server.a")
    assert "arize_mcp/server/a.py:1: `from . import b`" in cycles[0]
    assert "arize_mcp/server/b.py:8: `from arize_mcp.server.a import thing`" in cycles[0]


def test_checker_reports_an_upward_import(tmp_path: Path) -> None:
    problems = layer_violations(_fake_package(tmp_path))
    assert problems == [
        "arize_mcp/api/client.py:2: `from arize_mcp.config import Settings` imports arize_mcp.config, "
        "but arize_mcp.api may import only: nothing internal",
        "arize_mcp/emulator/__init__.py:2: `from arize_mcp.api import ArizeClient` imports arize_mcp.api, "
        "but arize_mcp.emulator may import only: arize_mcp.api.models, arize_mcp.asgi, arize_mcp.grammar",
    ]


def test_checker_reports_a_module_without_an_area(tmp_path: Path) -> None:
    _fake_package(tmp_path)
    assert unruled(discover(tmp_path), tmp_path) == [
        "arize_mcp/newthing.py: module arize_mcp.newthing is in no area of LAYERS; give it a rule"
    ]


def test_checker_reports_a_forbidden_third_party_import(tmp_path: Path) -> None:
    problems = third_party_violations(_fake_package(tmp_path))
    assert problems == [
        "arize_mcp/follow/__init__.py:1: `import mcp.types` imports mcp, which arize_mcp.follow must not depend on"
    ]
