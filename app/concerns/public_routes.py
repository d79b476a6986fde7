"""Public (resident) pages of the concerns domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
