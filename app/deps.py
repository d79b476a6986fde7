"""The dependencies routes declare, as `Annotated` aliases: the request's session, the staff scope, the form, and
"load it or 404" for every row a staff URL names. A route that takes `pledge: OwnedPledge` gets the pledge of the
scope's municipality named by `{pledge_id}`, or the request ends in 404 before the route runs."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth import Scope, staff_scope
from app.db import get_session
from app.errors import NotFound
from app.models import Area, Party
from app.models.dialogues import DialogueEvent
from app.models.pledges import Pledge
from app.models.surveys import Survey
from app.web import read_form

M = TypeVar("M")

SessionDep = Annotated[Session, Depends(get_session)]
ScopeDep = Annotated[Scope, Depends(staff_scope)]
FormDep = Annotated[FormData, Depends(read_form)]


def get_owned(session: Session, model: type[M], row_id: int, **owner: object) -> M:
    """The row `row_id` of `model` whose columns equal `owner` (e.g. `municipality_id=3`, `pledge_id=7`), else
    NotFound: a row of another municipality or parent answers exactly as a row that does not exist."""
    row = session.get(model, row_id)
    if row is None or any(getattr(row, name) != value for name, value in owner.items()):
        raise NotFound
    return row


def owned(model: type[M], param: str) -> Callable[..., M]:
    """A dependency loading `model` by the path parameter `param`, owned by the scope's municipality. The id is
    declared int, so web.path_ids_in_range answers an id beyond the database's range with 404 like any other."""
    def load(scope: Scope, session: Session, **ids: int) -> Any:
        return get_owned(session, model, ids[param], municipality_id=scope.municipality_id)
    keyword = inspect.Parameter.KEYWORD_ONLY
    load.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("scope", keyword, annotation=ScopeDep),
        inspect.Parameter("session", keyword, annotation=SessionDep),
        inspect.Parameter(param, keyword, annotation=Annotated[int, Path()])])
    load.__name__ = f"owned_{model.__name__.lower()}"
    return load


OwnedSurvey = Annotated[Survey, Depends(owned(Survey, "survey_id"))]
OwnedPledge = Annotated[Pledge, Depends(owned(Pledge, "pledge_id"))]
OwnedEvent = Annotated[DialogueEvent, Depends(owned(DialogueEvent, "event_id"))]
OwnedArea = Annotated[Area, Depends(owned(Area, "area_id"))]
OwnedParty = Annotated[Party, Depends(owned(Party, "party_id"))]
