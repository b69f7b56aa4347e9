"""Dependencies point down (CONTRIBUTING, "Where a rule goes"): no app imports a higher one.

Every import counts, at module level or inside a function, and so does a dotted path in a
string (a graphene string type), since each ties the lower app to the higher. The one way up
is ``field_from("higher.app.function")``: the higher app writes the whole field and the
lower type only mounts it, resolved when the schema is built.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# From the bottom up, as ../shared/DESIGN.md draws them.
LAYERS = [
    "market.core",
    "market.accounts",
    "market.sellers",
    "catalog",
    "traceability",
    "market.orders",
    "payments",
    "market.checkout",
]
# Readers beside the stack: they may read any app below them and nobody imports them.
READERS = {
    "search": LAYERS[: LAYERS.index("traceability") + 1],
    # The province's dashboard reads every app.
    "province": LAYERS,
}
APPS = [*LAYERS, *READERS]


def app_of(module: str) -> str | None:
    return next(
        (app for app in APPS if module == app or module.startswith(app + ".")),
        None,
    )


def app_folder(app: str) -> Path:
    return ROOT.joinpath(*app.split("."))


def named_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Modules this file imports, and dotted paths in its strings (but ``field_from``'s)."""
    found = []
    package = module.rsplit(".", 1)[0]
    mounted = {
        id(argument)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "field_from"
        for argument in node.args
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if id(node) in mounted:
                continue
            if " " not in text and "." in text and app_of(text) is not None:
                found.append((node.lineno, text))
    return found


def upward_imports(app: str) -> list[str]:
    allowed = set(READERS.get(app, LAYERS[: LAYERS.index(app) + 1] if app in LAYERS else []))
    allowed.add(app)
    problems = []
    folder = app_folder(app)
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts:
            continue
        # A sub-app of market.core's folder that is an app of its own is checked as that app.
        owner = app_of(".".join(relative.with_suffix("").parts))
        if owner != app:
            continue
        module = ".".join(relative.with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, name in named_modules(tree, module):
            target = app_of(name)
            if target is not None and target not in allowed:
                problems.append(f"{relative}:{line} names {name} ({target} is above {app})")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_no_app_names_a_higher_one(app):
    assert upward_imports(app) == []


def test_the_check_sees_an_upward_import(tmp_path):
    tree = ast.parse(
        "def f():\n    from market.orders.models import Order\n"
        'order = graphene.Field("market.orders.graphql.types.Order")\n'
        'checkout = field_from("market.checkout.graphql.fields.checkout_field")\n'
    )
    names = [app_of(name) for _, name in named_modules(tree, "catalog.models")]
    assert names == ["market.orders", "market.orders"]
