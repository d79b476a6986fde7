"""Path parameters for the authorization matrix: a cycle with its steps and an agreement in the municipality."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app import uploads
from app.cycles import service
from app.models import Municipality
from app.models.cycles import Agreement, Cycle, CycleCheck, CycleStep, DocumentKind, SituationDocument


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    cycle = Cycle(municipality_id=municipality.id or 0, name="2026–2027", starts_on=date(2026, 1, 1),
                  ends_on=date(2027, 12, 31))
    db.add(cycle)
    db.flush()
    step = CycleStep(cycle_id=cycle.id or 0, number=1)
    db.add(step)
    db.flush()
    check = CycleCheck(step_id=step.id or 0, text="Beslut om samverkan")
    folder = uploads.upload_dir(service.AGREEMENTS)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "authz-agreement.pdf").write_bytes(b"%PDF-1.4\n%test\n")
    agreement = Agreement(municipality_id=municipality.id or 0, title="Överenskommelse", starts_on=date(2026, 1, 1),
                          ends_on=date(2027, 12, 31), document_file="authz-agreement.pdf", document_name="avtal.pdf")
    document = SituationDocument(municipality_id=municipality.id or 0, kind=DocumentKind.situation, series="authz",
                                 title="Lägesbild")
    db.add_all([check, agreement, document])
    db.flush()
    assert db.exec(select(CycleStep).where(col(CycleStep.cycle_id) == cycle.id)).first() is not None
    return {"cycle_id": cycle.id, "number": 1, "check_id": check.id, "agreement_id": agreement.id,
            "document_id": document.id}
