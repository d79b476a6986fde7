"""Load-or-404 dependencies for a pledge's own rows: the row the path names, of the pledge the path names."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.deps import OwnedPledge, SessionDep, get_owned
from app.models.pledges import PledgeActivity, PledgeAttachment, PledgeFocusArea, PledgeProposal, PledgeUpdate
from app.pledges import queries


def _focus_area(focus_area_id: int, pledge: OwnedPledge, session: SessionDep) -> PledgeFocusArea:
    return get_owned(session, PledgeFocusArea, focus_area_id, pledge_id=pledge.id)


def _activity(activity_id: int, pledge: OwnedPledge, session: SessionDep) -> PledgeActivity:
    return get_owned(session, PledgeActivity, activity_id, pledge_id=pledge.id)


def _update(update_id: int, pledge: OwnedPledge, session: SessionDep) -> PledgeUpdate:
    return get_owned(session, PledgeUpdate, update_id, pledge_id=pledge.id)


def _proposal(proposal_id: int, pledge: OwnedPledge, session: SessionDep) -> PledgeProposal:
    return get_owned(session, PledgeProposal, proposal_id, pledge_id=pledge.id)


def _attachment(attachment_id: int, pledge: OwnedPledge, session: SessionDep) -> PledgeAttachment:
    return queries.attachment(session, pledge, attachment_id)


OwnedFocusArea = Annotated[PledgeFocusArea, Depends(_focus_area)]
OwnedActivity = Annotated[PledgeActivity, Depends(_activity)]
OwnedUpdate = Annotated[PledgeUpdate, Depends(_update)]
OwnedProposal = Annotated[PledgeProposal, Depends(_proposal)]
OwnedAttachment = Annotated[PledgeAttachment, Depends(_attachment)]
