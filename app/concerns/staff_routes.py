"""Staff pages of the concerns domain. Every router here is under /staff/m/{municipality} and carries a permission."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
