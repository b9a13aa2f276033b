"""The layers hold: views, API endpoints and live consumers reach the data only through actions
and queries, so every rule and every scoping lives in one place (ARCHITECTURE: layers)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "renkei"
TRANSLATION_LAYER = sorted(
    [
        *ROOT.glob("*/views.py"),
        *ROOT.glob("*/views/*.py"),
        *ROOT.glob("api/endpoints/*.py"),
        *ROOT.glob("realtime/consumers.py"),
    ]
)


def test_the_translation_layer_is_found():
    names = {str(p.relative_to(ROOT)) for p in TRANSLATION_LAYER}
    assert {"facilities/views.py", "console/views.py", "realtime/consumers.py"} <= names
    assert any(n.startswith("api/endpoints/") for n in names)


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("path", TRANSLATION_LAYER, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_view_touches_a_model_manager_or_raw_sql(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    offences = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}:
            offences.append(f"line {node.lineno}: .{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"raw", "extra"}
        ):
            offences.append(f"line {node.lineno}: .{node.func.attr}()")
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "django.db"
            and any(alias.name in {"connection", "connections"} for alias in node.names)
        ):
            offences.append(f"line {node.lineno}: raw database connection")
    assert not offences, f"{path.name} reads or writes models directly: {offences}"
