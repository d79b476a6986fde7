"""Letter codes for download: the batch just generated travels in a short-lived signed batch token (itsdangerous),
bound to the survey and the user, which carries the codes themselves. The download reads only the token: it never
looks codes up, so it cannot tell a used code from an unused one (no oracle), and an old page cannot print again
after BATCH_TOKEN_SECONDS. The codes are never stored; only their hashes are (and those are wiped once used)."""

from __future__ import annotations

from collections.abc import Sequence

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session

from app import audit
from app.audit import Action
from app.auth import Scope
from app.config import get_settings
from app.db import writing
from app.errors import AppError
from app.i18n import gettext as _
from app.models.surveys import Survey
from app.surveys.codes import normalise_code

PART = 500  # codes per downloaded PDF: a file that prints, and a request that ends, in reasonable time
BATCH_TOKEN_SECONDS = 30 * 60  # how long after generation a batch can be downloaded


class BatchRefused(AppError):
    """The batch token is not one this user got for this survey in the last BATCH_TOKEN_SECONDS."""

    status = 400


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="letter-code-batch")


def batch_token(scope: Scope, survey: Survey, codes: Sequence[str]) -> str:
    """A signed token for downloading `codes` (a batch or a part of one) as this user, for this survey."""
    return _serializer().dumps({"s": survey.id, "u": scope.user.id, "c": " ".join(codes)})


def read_batch(session: Session, scope: Scope, survey: Survey, token: str, max_codes: int, kind: str) -> list[str]:
    """The codes a batch token carries, when it is this user's for this survey and still fresh; else BatchRefused.
    The download is audited (how many codes, which format)."""
    refused = BatchRefused(_("Nedladdningen har gått ut eller gäller inte den här enkäten. Skapa nya koder på "
                             "enkätens sida."))
    try:
        data = _serializer().loads(token, max_age=BATCH_TOKEN_SECONDS)
    except BadData:
        raise refused from None
    if not isinstance(data, dict) or data.get("s") != survey.id or data.get("u") != scope.user.id:
        raise refused
    raw = data.get("c")
    codes = [normalise_code(c) for c in raw.split()] if isinstance(raw, str) else []
    clean = [c for c in codes if c is not None]
    if not clean or len(clean) != len(codes) or len(clean) > max_codes:
        raise refused
    with writing(session):
        audit.record(session, scope.user, Action.SURVEY_DOWNLOAD_CODES, "survey", survey.id,
                     municipality_id=scope.municipality_id, after={"count": len(clean), "format": kind})
    return clean
