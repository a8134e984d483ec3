"""The package's surface: what ``import redcore`` offers is documented and needs no server code."""

from __future__ import annotations

import inspect
import subprocess
import sys

import redcore
from redcore import exceptions, pagination, types, webhooks
from redcore.resources import api_keys, auth, events, invitations, products, teams, users, webhook_endpoints


def test_every_public_name_and_method_has_a_docstring() -> None:
    undocumented = []
    modules = [
        redcore,
        exceptions,
        pagination,
        types,
        webhooks,
        auth,
        invitations,
        users,
        products,
        events,
        webhook_endpoints,
        api_keys,
        teams,
    ]
    for module in modules:
        assert module.__doc__, module.__name__
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            if not obj.__doc__:
                undocumented.append(f"{module.__name__}.{name}")
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__getitem__", "__contains__", "__iter__", "__len__"):
                    continue
                func = getattr(member, "fget", None) or getattr(member, "func", None) or member
                if callable(func) and not func.__doc__:
                    undocumented.append(f"{module.__name__}.{name}.{attr}")
    assert undocumented == []


def test_the_sdk_imports_without_the_server() -> None:
    code = (
        "import sys, redcore, redcore.exceptions\n"
        "server = {'redcore_server', 'litestar', 'sqlalchemy', 'asyncpg', 'uvicorn', 'alembic'}\n"
        "print(sorted(server & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
