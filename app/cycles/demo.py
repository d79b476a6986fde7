"""Demo data of the cycle for Strandvik: the 2025–2026 cycle shown to residents, steps 1–3 done and step 4 under way,
and the signed collaboration agreement that the published pledge belongs to."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from app.cycles import rules
from app.models import Municipality, Party
from app.models.cycles import Agreement, Cycle, CycleCheck, CycleStep, StepStatus
from app.models.pledges import Pledge


def load(session: Session, municipality: Municipality) -> None:
    cycle = Cycle(municipality_id=municipality.id or 0, name="2025–2026", starts_on=date(2024, 9, 1),
                  ends_on=date(2026, 12, 31), public=True)
    session.add(cycle)
    session.flush()
    statuses = {1: StepStatus.done, 2: StepStatus.done, 3: StepStatus.done, 4: StepStatus.in_progress,
                5: StepStatus.in_progress}
    due = {1: date(2024, 10, 1), 2: date(2025, 2, 1), 3: date(2025, 5, 31), 4: date(2025, 12, 31),
           5: date(2026, 12, 31)}
    steps = {}
    for number in rules.STEPS:
        steps[number] = CycleStep(cycle_id=cycle.id or 0, number=number, status=statuses[number], due_on=due[number])
        session.add(steps[number])
    session.flush()
    for position, item in enumerate(rules.default_checks()):
        ticked = not item.evidence and item.step <= 3  # the hand-ticked items of the steps already done
        session.add(CycleCheck(step_id=steps[item.step].id or 0, position=position, text=item.text,
                               evidence=item.evidence, done_on=due[item.step] if ticked else None))
    parties = session.exec(select(Party).where(Party.municipality_id == municipality.id)).all()
    pledges = session.exec(select(Pledge.id).where(Pledge.municipality_id == municipality.id)
                           .order_by(col(Pledge.id))).all()
    session.add(Agreement(
        municipality_id=municipality.id or 0, cycle_id=cycle.id, title="Samverkansöverenskommelse Strandvik 2025–2026",
        starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31),
        focus="Nedskräpning och belysning i Centrum, trafiken i Norra hamnen och unga i Västra Strand.",
        signatories=[{"name": "Karin Lund", "role": "Lokalpolisområdeschef", "party": "Polisen",
                      "signed_on": "2025-01-15"},
                     {"name": "Per Holm", "role": "Kommundirektör", "party": "Strandviks kommun",
                      "signed_on": "2025-01-16"}],
        party_ids=[p.id or 0 for p in parties], pledge_ids=[p for p in pledges if p is not None][:1]))
    session.flush()
