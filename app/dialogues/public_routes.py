"""Public (resident) pages of the dialogues domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
