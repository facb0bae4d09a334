"""Rewrite imports from the flat services layout (issue 12) to the layout by domain.

    python tools/relayout_imports.py [paths...]   (default: portal tests bench worker.py migrations)

Rewrites `from OLD import a, b` statements, module imports `from portal.services import old`
(kept under their old local name with `as`), dotted names in strings, and file paths in
comments ("services/case_work.py"). Symbols of a module that was split are sent to the module
that defines them now (read from the new files). Prints what it could not rewrite by itself
(a split module imported as a module object): fix those by hand. Run `ruff check --fix` and
`ruff format` afterwards to sort the imports.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Whole modules that moved: old -> new.
MODULE_MOVES = {
    "portal.services.case_work": "portal.services.cases.work",
    "portal.services.case_queue": "portal.services.cases.queue",
    "portal.services.case_history": "portal.services.cases.history",
    "portal.services.customer_messages": "portal.services.cases.messages",
    "portal.services.escalation": "portal.services.cases.escalation",
    "portal.services.case_corrections": "portal.services.cases.corrections",
    "portal.services.case_links": "portal.services.status_links",
    "portal.services.overview": "portal.services.cases.overview",
    "portal.services.sla_admin": "portal.services.sla.admin",
    "portal.services.survey_schedule": "portal.services.surveys.schedule",
    "portal.services.survey_answers": "portal.services.surveys.answers",
    "portal.services.survey_admin": "portal.services.surveys.admin",
    "portal.services.sales_csv": "portal.services.sales.csv_format",
    "portal.services.sales_import": "portal.services.sales.file_import",
    "portal.services.sales_intake": "portal.services.sales.api_intake",
    "portal.services.api_keys": "portal.services.staff.api_keys",
    "portal.services.outbox": "portal.jobs.outbox",
    "portal.dashboard.goals": "portal.services.performance.goals",
    "portal.dashboard.digest": "portal.services.performance.digest",
    "portal.dashboard.records": "portal.services.performance.records",
    "portal.jobs.context": "portal.jobs.registry",  # NB: @job now takes the job's key
    "portal.form_errors": "portal.form_helpers",
}

# Modules that were split: old -> the new modules that took their names.
SPLITS = {
    "portal.services.case_triage": [
        "portal.services.cases.rules",
        "portal.services.cases.labels",
        "portal.services.cases.severity",
        "portal.services.cases.assignment",
        "portal.services.cases.corrections",
        "portal.services.sla.deadlines",
        "portal.services.rules",
    ],
    "portal.services.triage": [
        "portal.services.cases.routing",
        "portal.services.cases.severity",
        "portal.services.cases.opening",
    ],
    "portal.services.sla": ["portal.services.sla.calendar", "portal.services.sla.deadlines"],
    "portal.services.survey_dispatch": [
        "portal.services.surveys.sending",
        "portal.services.surveys.planning",
        "portal.services.surveys.budget",
        "portal.services.surveys.messages",
    ],
    "portal.services.followup": [
        "portal.services.cases.followup",
        "portal.services.surveys.followup",
    ],
    "portal.services.staff": [
        "portal.services.staff.accounts",
        "portal.services.staff.teams",
        "portal.services.rules",
    ],
    "portal.services.sla_admin": ["portal.services.sla.admin", "portal.services.rules"],
    "portal.services.survey_admin": ["portal.services.surveys.admin", "portal.services.rules"],
    "portal.services.customer_messages": [
        "portal.services.cases.messages",
        "portal.services.rules",
    ],
    "portal.dashboard.goals": ["portal.services.performance.goals", "portal.services.rules"],
    "portal.services.complaints": ["portal.services.complaints", "portal.services.addresses"],
    "portal.jobs.customer_mail": ["portal.jobs.customer_mail", "portal.jobs.followup"],
    "portal.admin.routes": ["portal.admin.routes", "portal.admin.common", "portal.form_helpers"],
    "portal.cases.common": ["portal.cases.common", "portal.form_helpers"],
    "portal.admin.forms": ["portal.admin.forms", "portal.form_helpers"],
    "portal.cases.forms": ["portal.cases.forms"],
    "portal.services.demo": [
        "portal.services.demo.seeding",
        "portal.services.demo.content",
        "portal.services.demo.plans",
    ],
    "portal.auth.services": [
        "portal.services.staff.accounts",
        "portal.services.staff.passwords",
        "portal.services.addresses",
        "portal.urls",
    ],
}

# Names that changed on the way (old module, old name) -> new name.
RENAMES = {
    ("portal.services.case_triage", "CaseRuleError"): "RuleError",
    ("portal.services.case_triage", "_saving"): "saving",
    ("portal.services.case_triage", "_check_version"): "check_version",
    ("portal.services.case_triage", "_required"): "required",
    ("portal.services.case_triage", "_when"): "when",
    ("portal.services.case_work", "CaseRuleError"): "RuleError",
    ("portal.services.staff", "StaffRuleError"): "RuleError",
    ("portal.services.sla_admin", "SlaRuleError"): "RuleError",
    ("portal.services.survey_admin", "PolicyRuleError"): "RuleError",
    ("portal.services.customer_messages", "MessageError"): "RuleError",
    ("portal.dashboard.goals", "GoalError"): "RuleError",
    ("portal.admin.forms", "_strip"): "strip",
    ("portal.cases.forms", "optional_int"): "optional_id",
    ("portal.cases.forms", "TriageAssignForm"): "BulkAssignForm",
    ("portal.services.followup", "close_unanswered"): "close_unanswered_followups",
    ("portal.services.followup", "_opening_invitation_ids"): "opening_invitation_ids",
    ("portal.services.triage", "SEVERITY_ORDER"): "SEVERITIES",
    ("portal.services.survey_dispatch", "_take_budget"): "take_budget",
    ("portal.services.survey_dispatch", "_take_followup_budget"): "take_followup_budget",
    ("portal.services.survey_dispatch", "_give_back_budget"): "give_back_budget",
}
# Renamed names that now live somewhere other than where SPLITS would look.
RENAMED_HOME = {
    "RuleError": "portal.services.rules",
    "strip": "portal.form_helpers",
    "SEVERITIES": "portal.models.case",
}


def module_file(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def top_level_names(module: str) -> set[str]:
    path = module_file(module)
    if path is None:
        return set()
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def new_home(old_module: str, name: str) -> tuple[str, str] | None:
    """(new module, new name) of `name` imported from `old_module`, or None if unmoved."""
    if module_file(f"{old_module}.{name}") is not None:
        return None  # a module of the new package that took the old module's name (sla, staff)
    new_name = RENAMES.get((old_module, name), name)
    if new_name in RENAMED_HOME and new_name != name:
        return RENAMED_HOME[new_name], new_name
    if old_module in MODULE_MOVES and old_module not in SPLITS:
        if new_name in RENAMED_HOME and new_name != name:
            return RENAMED_HOME[new_name], new_name
        return MODULE_MOVES[old_module], new_name
    if old_module in SPLITS:
        if new_name in RENAMED_HOME and new_name != name:
            return RENAMED_HOME[new_name], new_name
        for candidate in SPLITS[old_module]:
            if new_name in top_level_names(candidate):
                return candidate, new_name
        raise LookupError(f"{old_module}.{name}: not found in {SPLITS[old_module]}")
    return None


def rewrite_import(node: ast.ImportFrom, problems: list[str], where: str) -> list[str] | None:
    module = node.module or ""
    lines: list[str] = []
    changed = False
    if module in MODULE_MOVES or module in SPLITS:
        groups: dict[str, list[str]] = {}
        for alias in node.names:
            home = new_home(module, alias.name)
            target, name = home if home else (module, alias.name)
            local = alias.asname or alias.name
            groups.setdefault(target, []).append(name if local == name else f"{name} as {local}")
        changed = True
        for target, names in groups.items():
            lines.append(f"from {target} import {', '.join(names)}")
        return lines
    # from portal.services import case_work, outbox as work_outbox
    kept = []
    for alias in node.names:
        dotted = f"{module}.{alias.name}"
        local = alias.asname or alias.name
        if dotted in SPLITS and dotted not in MODULE_MOVES:
            kept.append(alias)
        elif dotted in MODULE_MOVES:
            parent, _, last = MODULE_MOVES[dotted].rpartition(".")
            lines.append(f"from {parent} import {last}" + (f" as {local}" if local != last else ""))
            changed = True
        else:
            kept.append(alias)
    if not changed:
        return None
    if kept:
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in kept)
        lines.insert(0, f"from {module} import {names}")
    return lines


def rewrite_whole_imports(text: str, path: Path, problems: list[str]) -> str:
    """`from portal.services import case_triage` then `case_triage.assign_case(...)`: send
    each `alias.name` to the module that holds `name` now, imported under its own name (or
    `<package>_<name>` when that name is taken in the file)."""
    tree = ast.parse(text)
    for node in [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0]:
        for alias in node.names:
            dotted = f"{node.module}.{alias.name}"
            if dotted not in SPLITS or dotted in MODULE_MOVES or module_file(dotted) is not None:
                continue
            local = alias.asname or alias.name
            taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            homes: dict[str, str] = {}

            def send(match: re.Match, dotted=dotted, homes=homes, taken=taken) -> str:
                try:
                    home, name = new_home(dotted, match.group(1))
                except LookupError as exc:
                    problems.append(f"{path}: {exc}")
                    return match.group(0)
                parent, _, last = home.rpartition(".")
                short = last if last not in taken else f"{parent.rsplit('.', 1)[-1]}_{last}"
                homes[home] = short
                return f"{short}.{name}"

            pattern = re.compile(r"(?<![\w.])" + re.escape(local) + r"\.([A-Za-z_]\w*)")
            text = pattern.sub(send, text)
            lines = [
                f"from {home.rpartition('.')[0]} import {home.rpartition('.')[2]}"
                + (f" as {short}" if short != home.rpartition(".")[2] else "")
                for home, short in sorted(homes.items())
            ]
            names = [a for a in node.names if a is not alias]
            keep = (
                [f"from {node.module} import " + ", ".join(
                    a.name + (f" as {a.asname}" if a.asname else "") for a in names
                )]
                if names
                else []
            )  # fmt: skip
            statement = re.compile(
                r"^from "
                + re.escape(node.module)
                + r" import [^\n]*\b"
                + re.escape(alias.name)
                + r"\b[^\n]*$",
                re.M,
            )
            replacement = "\n".join(keep + lines)
            text = statement.sub(lambda _match, new=replacement: new, text, count=1)
            return rewrite_whole_imports(text, path, problems)  # positions moved: parse again
    return text


def dotted_re(old: str) -> re.Pattern:
    return re.compile(re.escape(old) + r"(?![\w])")


def path_moves() -> dict[str, str]:
    moves = {}
    for old, new in MODULE_MOVES.items():
        moves[old.replace("portal.", "", 1).replace(".", "/") + ".py"] = (
            new.replace("portal.", "", 1).replace(".", "/") + ".py"
        )
    return moves


def rewrite_file(path: Path, problems: list[str]) -> bool:
    text = path.read_text()
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        problems.append(f"{path}: cannot parse: {exc}")
        return False
    original = text
    text = rewrite_whole_imports(text, path, problems)
    tree = ast.parse(text)
    lines = text.split("\n")
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            new = rewrite_import(node, problems, f"{path}:{node.lineno}")
            if new is not None:
                edits.append((node.lineno, node.end_lineno, node.col_offset, new))
    for start, end, col, new in sorted(edits, reverse=True):
        indent = lines[start - 1][:col]
        lines[start - 1 : end] = [indent + line for line in new]
    out = "\n".join(lines)
    # dotted names in strings and comments (longest first: sla before sla_admin is wrong)
    for old in sorted(MODULE_MOVES, key=len, reverse=True):
        out = dotted_re(old).sub(MODULE_MOVES[old], out)
    for old, new in sorted(path_moves().items(), key=lambda kv: -len(kv[0])):
        out = re.sub(r"(?<![\w/])" + re.escape(old), new, out)
    if out != original:
        path.write_text(out)
        return True
    return False


def main(argv: list[str]) -> int:
    targets = argv or ["portal", "tests", "bench", "worker.py", "migrations"]
    problems: list[str] = []
    changed = 0
    for target in targets:
        base = Path(target) if Path(target).is_absolute() else ROOT / target
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            if ".venv" in path.parts:
                continue
            changed += rewrite_file(path, problems)
    print(f"rewrote {changed} files")
    for problem in problems:
        print("FIX BY HAND:", problem)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
