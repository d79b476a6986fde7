"""Public (resident) pages of the surveys domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
