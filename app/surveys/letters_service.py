"""Letter codes for download: a batch the generating page sends back (its codes in a hidden field) is checked
against the stored hashes, so the download can only print codes this survey really issued and that are unused.
The codes themselves are never stored; only the generating POST's page and this download ever hold them."""

from __future__ import annotations

import re

from sqlmodel import Session, col, func, select

from app import audit
from app.auth import Scope
from app.errors import AppError
from app.i18n import gettext as _
from app.models.surveys import LetterCode, Survey
from app.surveys import rules

PART = 500  # codes per downloaded PDF: a file that prints, and a request that ends, in reasonable time
CHUNK = 500  # hashes per IN (...) query


class BatchRefused(AppError):
    """The codes sent back are not a batch this survey issued (altered, made up, or already used)."""

    status = 400


def parse_batch(raw: str, max_codes: int) -> list[str]:
    """The codes in the hidden field, normalised; BatchRefused when any is malformed, repeated or too many."""
    parts = [p for p in re.split(r"[\s,;]+", raw) if p]
    codes = [rules.normalise_code(p) for p in parts]
    if not parts or len(parts) > max_codes or any(c is None for c in codes):
        raise BatchRefused(_("Koderna kunde inte läsas. Skapa nya koder på enkätens sida."))
    clean = [c for c in codes if c is not None]
    if len(set(clean)) != len(clean):
        raise BatchRefused(_("Koderna kunde inte läsas. Skapa nya koder på enkätens sida."))
    return clean


def check_batch(session: Session, scope: Scope, survey: Survey, raw: str, max_codes: int, kind: str) -> list[str]:
    """The codes of the batch in order, when every one is an unused code of this survey; else BatchRefused."""
    codes = parse_batch(raw, max_codes)
    found = 0
    for start in range(0, len(codes), CHUNK):
        hashes = [rules.code_hash(c) for c in codes[start:start + CHUNK]]
        found += session.exec(select(func.count()).select_from(LetterCode).where(
            LetterCode.survey_id == survey.id, col(LetterCode.code_hash).in_(hashes),
            col(LetterCode.used).is_(False))).one()
    if found != len(codes):
        raise BatchRefused(_("Några av koderna hör inte till enkäten eller har redan använts. Inget skrevs ut."))
    audit.record(session, scope.user, "download_codes", "survey", survey.id, municipality_id=scope.municipality_id,
                 after={"count": len(codes), "format": kind})
    session.commit()
    return codes
