"""PDF attachments of follow-up updates: rewritten without metadata, JavaScript, forms and embedded files, or
refused; served as downloads in a sandbox."""

from __future__ import annotations

import io

import pikepdf
from sqlmodel import Session, col, select

from app.models import Role
from app.models.pledges import PledgeAttachment, PledgeStatus, PledgeUpdate
from app.pledges import followup
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


def _hostile_pdf() -> bytes:
    """One page, an /Author, XMP metadata, JavaScript run on opening, a form field and an embedded file."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Author"] = "Anna Handläggare"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = ["Anna Handläggare"]
    script = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript,
                                                  JS=pikepdf.String("app.alert('hej')")))
    pdf.Root.OpenAction = script
    field = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                                                 FT=pikepdf.Name.Tx, T=pikepdf.String("namn"),
                                                 Rect=[10, 10, 100, 30],
                                                 AA=pikepdf.Dictionary(K=script)))
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field])
    pdf.attachments["hemligt.txt"] = pikepdf.AttachedFileSpec(pdf, b"personnummer 19121212-1212",
                                                              mime_type="text/plain")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_hostile_pdf_is_published_clean_and_served_as_a_sandboxed_download(client: CheckedClient,
                                                                             db: Session) -> None:
    """The attack: a PDF with its author, JavaScript and an embedded file was published as uploaded, inline."""
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    pledge, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.commit()
    client.login(user)
    hostile = _hostile_pdf()
    with pikepdf.open(io.BytesIO(hostile)) as before:  # the test file really carries all of it
        assert before.docinfo["/Author"] == "Anna Handläggare" and "hemligt.txt" in before.attachments
        assert before.Root.OpenAction.S == "/JavaScript" and "/Metadata" in before.Root
    url = f"/staff/m/{municipality.slug}/pledges/{pledge.id}/activities/{acts[0].id}/updates"
    response = client.post(url, data={"csrf_token": client.csrf(), "upd_text": "Protokoll från mötet"},
                           files={"upd_file": ("protokoll.pdf", hostile, "application/pdf")}, follow_redirects=False)
    assert response.status_code == 303
    row = db.exec(select(PledgeAttachment).join(PledgeUpdate, col(PledgeUpdate.id) == PledgeAttachment.update_id)
                  .where(PledgeUpdate.activity_id == acts[0].id)).one()
    served = client.get(f"/m/{municipality.slug}/pledges/files/{row.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert served.headers["content-security-policy"] == "sandbox; default-src 'none'"
    body = served.content
    assert body == followup.attachment_path(row).read_bytes()
    for secret in (b"Handl", b"/Author", b"/JavaScript", b"/JS", b"app.alert", b"/OpenAction", b"/AcroForm",
                   b"/EmbeddedFile", b"hemligt", b"19121212", b"/Metadata", b"/Widget"):
        assert secret not in body, secret
    with pikepdf.open(io.BytesIO(body)) as after:  # still a readable one-page PDF
        assert len(after.pages) == 1 and not after.attachments and "/Author" not in after.docinfo
    staff_copy = client.get(f"/staff/m/{municipality.slug}/pledges/{pledge.id}/files/{row.id}")
    assert staff_copy.headers["content-disposition"].startswith("attachment;")


def test_an_unreadable_or_encrypted_pdf_is_refused(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    pledge, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.commit()
    client.login(user)
    locked = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(locked, encryption=pikepdf.Encryption(owner="a", user="b"))
    url = f"/staff/m/{municipality.slug}/pledges/{pledge.id}/activities/{acts[0].id}/updates"
    for data in (b"%PDF-1.7\n" + b"garbage" * 50, locked.getvalue()):
        response = client.post(url, data={"csrf_token": client.csrf(), "upd_text": "Protokoll"},
                               files={"upd_file": ("x.pdf", data, "application/pdf")}, follow_redirects=False)
        assert response.status_code == 400 and "PDF-filen kunde inte läsas" in response.text
    assert db.exec(select(PledgeUpdate).where(PledgeUpdate.activity_id == acts[0].id)).all() == []
