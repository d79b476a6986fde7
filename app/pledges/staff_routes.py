"""Staff pages of the pledges domain. Every router here is under /staff/m/{municipality} and carries a permission."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
