"""Demo data of the cycle for Strandvik: the 2025–2026 cycle shown to residents, steps 1–3 done and step 4 under way,
the signed collaboration agreement (with its PDF) that the published pledge belongs to, a lägesbild adopted and
public, and an åtgärdsplan in draft."""

from __future__ import annotations

import secrets
from datetime import date

from fpdf import FPDF
from sqlmodel import Session, col, select

from app import uploads
from app.concerns import published
from app.cycles import documents, rules, service
from app.models import Municipality, Party
from app.models.cycles import (
    Agreement,
    Cycle,
    CycleCheck,
    CycleStep,
    DocumentKind,
    DocumentStatus,
    SituationDocument,
    StepStatus,
)
from app.models.pledges import Pledge
from app.models.surveys import Survey


def load(session: Session, municipality: Municipality) -> None:
    if session.exec(select(Cycle.id).where(Cycle.municipality_id == municipality.id)).first() is not None:
        return
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
    agreement = Agreement(
        municipality_id=municipality.id or 0, cycle_id=cycle.id, title="Samverkansöverenskommelse Strandvik 2025–2026",
        starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31),
        focus="Nedskräpning och belysning i Centrum, trafiken i Norra hamnen och unga i Västra Strand.",
        signatories=[{"name": "Karin Lund", "role": "Lokalpolisområdeschef", "party": "Polisen",
                      "signed_on": "2025-01-15"},
                     {"name": "Per Holm", "role": "Kommundirektör", "party": "Strandviks kommun",
                      "signed_on": "2025-01-16"}],
        party_ids=[p.id or 0 for p in parties], pledge_ids=[p for p in pledges if p is not None][:1],
        document_name="samverkansoverenskommelse-2025.pdf", document_file=f"demo-{secrets.token_hex(8)}.pdf")
    session.add(agreement)
    folder = uploads.upload_dir(service.AGREEMENTS)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / agreement.document_file).write_bytes(uploads.clean_pdf(_signed_pdf(agreement), "document"))
    session.flush()
    _documents(session, municipality, cycle)


def _signed_pdf(agreement: Agreement) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    lines = [agreement.title.replace("–", "-"), "", agreement.focus, ""] + [
        f"{s['name']}, {s['role']} ({s['party']}), {s['signed_on']}" for s in agreement.signatories]
    for line in lines:
        pdf.multi_cell(0, 7, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _documents(session: Session, municipality: Municipality, cycle: Cycle) -> None:
    wave = session.exec(select(Survey).where(Survey.municipality_id == municipality.id,
                                             col(Survey.status).in_(published.FINAL_STATUSES))
                        .order_by(col(Survey.id))).first()
    situation = SituationDocument(
        municipality_id=municipality.id or 0, cycle_id=cycle.id, kind=DocumentKind.situation, series="demo-lagesbild",
        title="Lägesbild Strandvik 2025", survey_id=wave.id if wave else None,
        sections={"summary": "Nedskräpning, skadegörelse och fortkörning är de problem flest nämner. Otryggheten "
                             "är störst i Centrum på kvällar.",
                  "analysis": "Mörka gångvägar och tunnlar i Centrum återkommer i enkät, dialoger och "
                              "trygghetsvandringen. Fortkörningen är koncentrerad till Hamngatan nära skolan.",
                  "conclusions": "Belysning och städning i Centrum, trafikkontroller i Norra hamnen och "
                                 "mötesplatser för unga i Västra Strand."})
    session.add(situation)
    session.flush()
    situation.snapshot = documents.live_content(session, municipality, situation)
    situation.status, situation.adopted_on = DocumentStatus.adopted, date(2025, 6, 10)
    situation.decision_body, situation.public = "Kommunstyrelsen", True
    session.add(situation)
    session.add(SituationDocument(
        municipality_id=municipality.id or 0, cycle_id=cycle.id, kind=DocumentKind.action_plan,
        series="demo-atgardsplan", title="Åtgärdsplan Strandvik 2025–2026",
        sections={"summary": "Åtgärderna i medborgarlöftet och kommunens egna insatser.",
                  "follow_up": "Uppföljning varje kvartal i styrgruppen; ny trygghetsenkät våren 2026.",
                  "measures": [{"measure": "Klotterplank och snabb sanering i Centrum", "party": "Kommunen",
                                "when": "2025–2026", "indicator": "Sanerat inom 48 timmar"}]}))
    session.flush()
