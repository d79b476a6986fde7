"""The public municipality page: each domain's block on it, in page order."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.cycles import service as cycles_service
from app.dialogues import service as dialogues_service
from app.models import Municipality
from app.pledges import public_view as pledges_public_view
from app.pledges import results as pledges_results
from app.surveys import questionnaires as surveys_questionnaires


def municipality_sections(session: Session, municipality: Municipality) -> list[tuple[str, dict[str, Any]]]:
    """Each domain's block on the public municipality page, in page order: (template, context)."""
    candidates = (surveys_questionnaires.municipality_section(session, municipality),
                  dialogues_service.municipality_section(session, municipality),
                  pledges_results.municipality_section(session, municipality),
                  pledges_public_view.municipality_section(session, municipality),
                  cycles_service.municipality_section(session, municipality))
    return [section for section in candidates if section is not None]
