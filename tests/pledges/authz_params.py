"""Path parameters for the authorization matrix: a real object of this domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Municipality
from app.models.pledges import PledgeAttachment, PledgeProposal, PledgeUpdate
from app.pledges import followup
from tests.pledges import factories


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    found, acts = factories.complete_pledge(db, municipality)
    update = PledgeUpdate(pledge_id=found.id or 0, activity_id=acts[0].id or 0, posted_on=found.starts_on,
                          text="Tio papperskorgar uppsatta.", achieved=10)
    db.add(update)
    db.flush()
    name = f"authz-{update.id}.pdf"
    folder = followup.upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"%PDF-1.4\n%test\n")
    attachment = PledgeAttachment(update_id=update.id or 0, filename=name, content_type="application/pdf", size=15)
    db.add(attachment)
    proposal = PledgeProposal(pledge_id=found.id or 0, kind="pledge.extend", values={"ends_on": "2030-01-01"})
    db.add(proposal)
    db.flush()
    return {"pledge_id": found.id, "activity_id": acts[0].id, "focus_area_id": acts[0].focus_area_id,
            "attachment_id": attachment.id, "update_id": update.id,
            "proposal_id": proposal.id}
