"""The package's layout holds: layers import downwards only, no import circles, kernels are
pure (no Mesa, no model), no module over 400 lines, and imports inside functions only where
a comment says why (to keep `frontline --help` fast, or for an optional package)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest
from conftest import REPO

PKG = REPO / "sim"
#: layer of each part of the package, bottom (0) to top
LAYERS = {"errors": 0, "records": 0, "provenance": 0, "libm": 0, "inputs": 1, "core.kernels": 2,
          "core": 3, "analysis": 4, "views": 5, "cli": 6, "__main__": 7, "__init__": 7}
MAX_LINES = 400


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer(mod: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if mod == prefix or mod.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"module sim.{mod} is in no layer")


def imports(path: Path, typing_only: bool = False) -> list[tuple[str, int, bool]]:
    """(imported sim module, line, inside a function) for each import of a sim module;
    imports under ``if TYPE_CHECKING:`` only with ``typing_only``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path).split(".")
    pkg = me if path.name == "__init__.py" else me[:-1]
    out = []
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    inside = {id(n) for f in funcs for n in ast.walk(f)}
    guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in guarded and not typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg[: len(pkg) - node.level + 1] if node.level > 1 else pkg
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [target] if node.module else [f"{target}.{a.name}".strip(".")
                                                   for a in node.names]
            for t in names:
                out.append((t.strip("."), node.lineno, id(node) in inside))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
            out.append((node.module.removeprefix("sim").strip("."), node.lineno,
                        id(node) in inside))
    return out


SOURCES = sorted(PKG.rglob("*.py"))


def graph() -> nx.DiGraph:
    """The import graph, type-only imports included (a circle a reader must follow is a
    circle, whether or not Python runs it)."""
    g = nx.DiGraph()
    for p in SOURCES:
        me = module_name(p)
        g.add_node(me)
        for target, _line, _inside in imports(p, typing_only=True):
            if target and target != me and (PKG / (target.replace(".", "/") + ".py")).exists() \
                    or (PKG / target.replace(".", "/") / "__init__.py").exists():
                g.add_edge(me, target)
    return g


def test_no_import_circles():
    cycles = list(nx.simple_cycles(graph()))
    assert not cycles, cycles


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_imports_run_downwards(path):
    me = module_name(path)
    for target, line, _inside in imports(path):
        if not target:
            continue
        assert layer(target) <= layer(me), f"sim.{me}:{line} imports sim.{target} (a higher layer)"


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_module_size_and_function_imports(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{path.name}: over {MAX_LINES} lines"
    lines = text.splitlines()
    tree = ast.parse(text)
    for f in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        for node in ast.walk(f):
            if isinstance(node, ast.Import | ast.ImportFrom):
                assert _explained(lines, node.lineno - 1), \
                    f"sim.{module_name(path)}:{node.lineno}: an import inside a function " \
                    "needs a comment saying why (# ... here ...)"


def _explained(lines: list[str], i: int) -> bool:
    """A comment with 'here' on the import's line or on the block of imports and comments
    just above it."""
    while i >= 0:
        line = lines[i].strip()
        if "#" in line and "here" in line:
            return True
        if not (line.startswith(("import ", "from ", "#", ")")) or line.endswith(",")
                or line == ""):
            return False
        i -= 1
    return False


def test_kernels_are_pure():
    for p in (PKG / "core" / "kernels").glob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "mesa" not in text.lower().replace("no mesa", "")
        for target, line, _ in imports(p):
            # sim.libm: the C library's exp and friends, numeric and Mesa-free like a kernel
            assert target.startswith("core.kernels") or target == "libm", \
                f"{p.name}:{line} imports sim.{target}"
