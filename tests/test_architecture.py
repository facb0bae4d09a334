"""The shape of the code (STYLE.md, "Where a rule lives"), read from the source with `ast`.

- No import cycle between portal modules, nor between its packages.
- Dependencies point one way: routes -> services -> models; jobs -> services. Services and
  models import no Flask request state, no job module and no blueprint; a service names
  background work by key through the outbox (portal/jobs/outbox.py).
- An import inside a function hides a dependency: allowed only for the reasons listed here.
- No module over MAX_LINES lines, except the data tables listed here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 450

# Modules over MAX_LINES that are data, not code: the cue lists of the sentiment model.
DATA_TABLES = {"portal.sentiment.english_cues"}

# Imports inside a function, each for a reason that is not a cycle: (module, function) -> why.
LOCAL_IMPORTS_ALLOWED = {
    ("portal", "create_app"): "the factory: importing portal.* must not load every blueprint",
    ("portal", "_init_extensions"): "the factory (see portal/__init__.py)",
    ("portal", "_register_blueprints"): "the factory (see portal/__init__.py)",
    ("portal.jobs", "init_app"): "fakeredis, loaded only when there is no Redis",
    ("portal.jobs.triage", "_analyze"): "the sentiment model (TextBlob) is heavy",
    ("portal.cli", "score_command"): "the sentiment model (TextBlob) is heavy",
    ("portal.cli", "train_sentiment_command"): "the sentiment model (TextBlob) is heavy",
    ("portal.cli", "_training_sources"): "the sentiment model (TextBlob) is heavy",
    ("portal.sentiment.training", "fit"): "NumPy, SciPy, scikit-learn: training only (dev extra)",
    ("portal.sentiment.training", "english_lexicon"): "vaderSentiment: optional, training only",
}

# The queue layer: how work is named, stored and enqueued. Services may use it; the job
# modules (every other module of portal.jobs) are above the services.
QUEUE_LAYER = {"portal.jobs", "portal.jobs.outbox", "portal.jobs.registry"}
BLUEPRINTS = (
    "portal.admin",
    "portal.api",
    "portal.auth",
    "portal.cases",
    "portal.complaints",
    "portal.dashboard",
    "portal.main",
    "portal.survey",
)
# What only a request has: services and models get the acting user and the time as arguments.
REQUEST_STATE = {
    "flask": {"request", "session", "g", "flash", "redirect", "url_for", "render_template",
              "abort", "make_response", "has_request_context"},
    "flask_login": {"current_user", "login_user", "logout_user", "login_required"},
}  # fmt: skip


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported portal module
    names: tuple[str, ...]  # the names taken from it ("from x import a, b")
    line: int
    function: str | None  # the enclosing function, for an import inside one
    external: str | None = None  # a non-portal module ("flask"), for the request-state rule


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((ROOT / "portal").rglob("*.py"))}


def _imports_of(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, names: tuple[str, ...], node, function) -> None:
        if target.split(".")[0] != "portal":
            found.append(Import(name, "", names, node.lineno, function, external=target))
            return
        rest = tuple(n for n in names if f"{target}.{n}" not in MODULES)
        for imported in names:  # "from portal.services import rules": the module rules
            if imported not in rest:
                found.append(Import(name, f"{target}.{imported}", (), node.lineno, function))
        if rest or (not names and target in MODULES):
            found.append(Import(name, target, rest, node.lineno, function))

    def visit(node, function, type_checking=False) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # for annotations only: not a runtime dependency
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, (), child, function)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - child.level + 1], base]
                    ).strip(".")
                add(base, tuple(a.name for a in child.names), child, function)
            visit(child, function or inner)

    visit(tree, None)
    return found


IMPORTS = [imp for name, path in MODULES.items() for imp in _imports_of(name, path)]
PORTAL_IMPORTS = [imp for imp in IMPORTS if imp.target]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each as a cycle to print."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(_a_cycle(sorted(group), edges))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def _a_cycle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One closed path through a strongly connected group, to show which imports to cut."""
    members, start = set(group), group[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(n for n in edges[path[-1]] if n in members)
        back = [n for n in nxt if n in seen]
        if back:
            return [*path[path.index(back[0]) :], back[0]]
        path.append(nxt[0])
        seen.add(nxt[0])


def _area(module: str) -> str:
    """The package a module belongs to, for the package-level graph. The queue layer of
    portal.jobs is its own area; so is each module directly in portal/ or portal/services/."""
    if module in QUEUE_LAYER:
        return "portal.jobs (queue layer)"
    parts = module.split(".")
    if parts[:2] == ["portal", "services"] and len(parts) > 3:
        return ".".join(parts[:3])
    if len(parts) > 2 and parts[1] != "services":
        return ".".join(parts[:2])
    return module


def _is_job_module(module: str) -> bool:
    return module.startswith("portal.jobs.") and module not in QUEUE_LAYER


def _is_blueprint(module: str) -> bool:
    return any(module == bp or module.startswith(bp + ".") for bp in BLUEPRINTS)


def _where(imp: Import) -> str:
    return f"{MODULES[imp.source].relative_to(ROOT)}:{imp.line}"


def test_no_import_cycle_between_modules():
    edges: dict[str, set[str]] = {}
    for imp in PORTAL_IMPORTS:
        if imp.target != imp.source:
            edges.setdefault(imp.source, set()).add(imp.target)
    cycles = [" -> ".join(cycle) for cycle in _cycles(edges)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_no_import_cycle_between_packages():
    edges: dict[str, set[str]] = {}
    for imp in PORTAL_IMPORTS:
        if imp.source == "portal":
            continue  # the factory wires every package together; nothing imports it back
        source, target = _area(imp.source), _area(imp.target)
        if source != target:
            edges.setdefault(source, set()).add(target)
    cycles = [" -> ".join(cycle) for cycle in _cycles(edges)]
    assert cycles == [], "package cycles:\n" + "\n".join(cycles)


def test_imports_inside_functions_are_only_the_documented_ones():
    local = sorted(
        f"{_where(imp)} in {imp.function}(): {imp.target or imp.external}"
        for imp in IMPORTS
        if imp.function is not None and (imp.source, imp.function) not in LOCAL_IMPORTS_ALLOWED
    )
    assert local == [], (
        "imports inside functions hide dependencies (and often dodge a cycle): move them to "
        "the top of the module, or document the reason in LOCAL_IMPORTS_ALLOWED:\n"
        + "\n".join(local)
    )


@pytest.mark.parametrize("layer", ["portal.services", "portal.models"])
def test_services_and_models_know_no_request_jobs_or_blueprints(layer):
    wrong = []
    for imp in IMPORTS:
        if not (imp.source == layer or imp.source.startswith(layer + ".")):
            continue
        if imp.external in REQUEST_STATE:
            taken = sorted(set(imp.names) & REQUEST_STATE[imp.external])
            if taken or not imp.names:
                wrong.append(f"{_where(imp)}: request state {imp.external} {taken}")
        elif (
            imp.external
            and imp.external.split(".")[0] in ("rq", "redis")
            and layer.endswith("models")
        ):
            wrong.append(f"{_where(imp)}: models import {imp.external}")
        elif imp.target and _is_job_module(imp.target):
            wrong.append(f"{_where(imp)}: job module {imp.target} (name the work by key)")
        elif imp.target and _is_blueprint(imp.target):
            wrong.append(f"{_where(imp)}: blueprint {imp.target}")
        elif imp.target in QUEUE_LAYER and layer.endswith("models"):
            wrong.append(f"{_where(imp)}: models queue no work ({imp.target})")
    assert wrong == [], "\n".join(wrong)


def test_job_modules_import_no_blueprint():
    wrong = [
        f"{_where(imp)}: {imp.target}"
        for imp in PORTAL_IMPORTS
        if _is_job_module(imp.source) and _is_blueprint(imp.target)
    ]
    assert wrong == [], "\n".join(wrong)


def test_no_module_is_over_the_size_limit_outside_data_tables():
    long = sorted(
        f"{path.relative_to(ROOT)}: {lines} lines"
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES and name not in DATA_TABLES
    )
    assert long == [], f"split these (over {MAX_LINES} lines, STYLE.md):\n" + "\n".join(long)


def test_private_names_stay_in_their_module():
    crossing = sorted(
        f"{_where(imp)}: {name} from {imp.target}"
        for imp in PORTAL_IMPORTS
        for name in imp.names
        if name.startswith("_") and not name.startswith("__")
    )
    assert crossing == [], "promote these to public names:\n" + "\n".join(crossing)


def test_the_checks_see_a_cycle_and_a_hidden_import(tmp_path):
    """The graph code itself: a planted cycle is reported with its path."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    module = tmp_path / "planted.py"
    module.write_text("def f():\n    from portal.jobs import outbox\n    return outbox\n")
    MODULES["portal.planted"] = module
    try:
        [imp] = _imports_of("portal.planted", module)
    finally:
        del MODULES["portal.planted"]
    assert (imp.target, imp.function) == ("portal.jobs.outbox", "f")
