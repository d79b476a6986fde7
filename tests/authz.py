"""Discovers staff routes from the app's route table and what each one requires.

New routes are covered automatically: a staff route is protected if `require_staff` (or, for two-factor set-up,
`require_signed_in`) is in its dependency tree,
municipality-scoped if `staff_scope` is, and its permission is read from `require_permission(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.auth import require_signed_in, require_staff, staff_scope


@dataclass(frozen=True)
class StaffRoute:
    method: str
    path: str
    protected: bool
    scoped: bool
    permission: str | None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def staff_routes(app: FastAPI) -> list[StaffRoute]:
    found = []
    for route in iter_route_contexts(app.routes):  # flattens included routers with their prefixes
        if not isinstance(route.original_route, APIRoute) or not str(route.path).startswith("/staff"):
            continue
        calls = list(_calls(route.dependant))
        permissions = [getattr(call, "permission", None) for call in calls]
        permission = next((p for p in permissions if p), None)
        for method in sorted(route.methods or ()):
            protected = require_staff in calls or require_signed_in in calls  # the latter: two-factor set-up only
            found.append(StaffRoute(method, str(route.path), protected, staff_scope in calls, permission))
    return found
