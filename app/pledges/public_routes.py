"""Public (resident) pages of the pledges domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
