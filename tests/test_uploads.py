"""Every file upload, across domains: found from the templates, checked by content (never the name or the declared
type), size-limited, images re-encoded without EXIF/GPS or text chunks, stored under a generated name inside its
own folder whatever the uploaded file is called, and never reachable through a static route.

Domain tests (tests/pledges, tests/dialogues, tests/surveys/test_paper.py, tests/concerns, tests/admin) cover each
flow; this file holds the properties that must hold for all of them.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image, PngImagePlugin
from sqlmodel import Session, col, select
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from app.config import ROOT, get_settings
from app.dialogues import walks
from app.models import PartyKind, Role
from app.models.dialogues import EventKind, ObservationCategory, WalkObservation, WalkPhoto
from app.models.pledges import PledgeAttachment, PledgeStatus, PledgeUpdate
from app.pledges import followup as pledge_followup
from app.pledges import rules as pledge_rules
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories
from tests.pledges import factories as pf

# Every <input type="file"> in the templates, by template and field name, and the test here or in the domain's
# tests that covers it. A new file input fails test_every_file_input_is_known until it is added (and tested).
FILE_INPUTS = {
    ("staff/pledges/activity.html", "upd_file"): "this file; tests/pledges/test_staff_flow.py",
    ("staff/dialogues/observation_form.html", "photo"): "this file; tests/dialogues/test_staff.py",
    ("staff/surveys/paper.html", "file"): "tests/surveys/test_paper.py (parsed in memory, never stored)",
    ("staff/concerns/crime.html", "file"): "this file; tests/concerns/test_routes.py (parsed, never stored)",
    ("staff/admin/area_form.html", "geojson_file"): "tests/admin/test_setup_routes.py (parsed, never stored)",
    ("staff/cycles/agreement.html", "document"): "tests/cycles/test_cycles.py (PDF cleaned, stored outside web root)",
}

HOSTILE_NAMES = ["../../escape.jpg", "/etc/passwd", "..\\..\\escape.jpg", "a\x00b.jpg", "x" * 300 + ".jpg",
                 "<script>alert(1)</script>.jpg"]


def test_every_file_input_is_known() -> None:
    found: set[tuple[str, str]] = set()
    templates = ROOT / "frontend" / "templates"
    for path in templates.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(templates))
        for tag in re.findall(r"<input\b[^>]*>", source):
            if 'type="file"' in tag and "{{ name }}" not in tag:
                found.add((name, re.findall(r'name="([^"]+)"', tag)[0]))
        for field in re.findall(r'\{\{\s*file\(\s*"([^"]+)"', source):  # the admin forms' file() macro
            found.add((name, field))
    assert found == set(FILE_INPUTS)


def _upload_root() -> Path:
    settings = get_settings()
    return (settings.upload_dir or settings.outbox_dir.parent / "uploads").resolve()


def test_uploads_are_outside_every_static_route(app: Any) -> None:
    folders = [_upload_root(), pledge_followup.upload_dir().resolve(), walks.photo_dir().resolve()]
    mounted = [Path(route.app.directory).resolve() for route in app.routes
               if isinstance(route, Mount) and isinstance(route.app, StaticFiles) and route.app.directory]
    assert mounted, "expected the /static mount"
    for static in mounted:
        for folder in folders:
            assert static != folder and static not in folder.parents and folder not in static.parents
    # The default upload folder (var/uploads next to the outbox) is not under the web root either.
    assert ROOT / "frontend" not in (ROOT / "var" / "uploads").parents


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (59.0, 22.0, 10.0), 3: "E", 4: (16.0, 32.0, 5.0)}  # GPS IFD
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _one_page_pdf() -> bytes:
    """A real (readable) PDF: unreadable ones are refused, since they cannot be cleaned."""
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(out)
    return out.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SecretNote lat=59.37")
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _pixel_bomb() -> bytes:
    """A tiny file that would decode to 48 million pixels (1-bit, so the test itself stays small)."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    return out.getvalue()


def _tree(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


def _outside(root: Path) -> set[Path]:
    """Files next to the upload folder, leaving out the test databases' journals and the mail outbox."""
    outbox = get_settings().outbox_dir.resolve()
    return {path for path in _tree(root.parent) - _tree(root) - {root}
            if path.is_file() and not path.name.endswith(("-wal", "-shm", "-journal"))
            and outbox not in path.resolve().parents}


@pytest.fixture
def pledge_update_url(client: CheckedClient, db: Session) -> Iterator[tuple[str, int, Any]]:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    factories.party(db, municipality, PartyKind.police, name="Polisen")
    found, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.commit()
    client.login(user)
    yield f"/staff/m/{municipality.slug}/pledges/{found.id}/activities/{acts[0].id}/updates", acts[0].id or 0, found


def _attachments(db: Session, activity_id: int) -> list[PledgeAttachment]:
    return list(db.exec(select(PledgeAttachment).join(PledgeUpdate, col(PledgeUpdate.id) == PledgeAttachment.update_id)
                        .where(PledgeUpdate.activity_id == activity_id).order_by(col(PledgeAttachment.id))).all())


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_pledge_attachment_names_cannot_steer_where_the_file_goes(
        client: CheckedClient, db: Session, pledge_update_url: tuple[str, int, Any], filename: str) -> None:
    url, activity_id, _found = pledge_update_url
    root = _upload_root()
    outside = _outside(root)
    inside = _tree(root)
    response = client.post(url, data={"csrf_token": client.csrf(), "upd_text": "Foto"},
                           files={"upd_file": (filename, _jpeg_with_gps(), "image/jpeg")}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    [row] = _attachments(db, activity_id)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", row.filename)
    assert "\x00" not in row.original_name and len(row.original_name) <= 200
    new_files = {path for path in _tree(root) - inside if path.is_file()}
    assert new_files == {pledge_followup.upload_dir().resolve() / row.filename}
    assert _outside(root) == outside  # nothing written next to the upload folder
    stored = Image.open(pledge_followup.attachment_path(row))
    assert not stored.getexif() and "exif" not in stored.info  # GPS and camera gone


@pytest.mark.parametrize(("name", "data", "declared", "expected"), [
    ("report.jpg", _one_page_pdf(), "image/jpeg", "application/pdf"),
    ("broken.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf", None),
    ("note.txt", _png_with_text(), "text/plain", "image/png"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", None),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png", None),
    ("photo.jpg", b"\xff\xd8\xff\xe0 truncated, not really a JPEG", "image/jpeg", None),
    ("huge.png", _pixel_bomb(), "image/png", None),
])
def test_pledge_attachment_type_comes_from_the_content(
        client: CheckedClient, db: Session, pledge_update_url: tuple[str, int, Any], name: str, data: bytes,
        declared: str, expected: str | None) -> None:
    url, activity_id, found = pledge_update_url
    response = client.post(url, data={"csrf_token": client.csrf(), "upd_text": "Bilaga"},
                           files={"upd_file": (name, data, declared)}, follow_redirects=False)
    rows = _attachments(db, activity_id)
    if expected is None:
        assert response.status_code == 400 and 'href="#upd_file"' in response.text
        assert rows == [] and db.exec(select(PledgeUpdate).where(PledgeUpdate.activity_id == activity_id)).all() == []
        return
    assert response.status_code == 303
    [row] = rows
    assert row.content_type == expected
    stored = pledge_followup.attachment_path(row).read_bytes()
    assert b"SecretNote" not in stored
    served = client.get(f"/m/{_slug(db, found.municipality_id)}/pledges/files/{row.id}")
    assert served.status_code == 200 and served.headers["content-type"] == expected
    assert served.headers["x-content-type-options"] == "nosniff"


def _slug(db: Session, municipality_id: int) -> str:
    from app.models import Municipality

    found = db.get(Municipality, municipality_id)
    assert found is not None
    return found.slug


def test_pledge_attachments_are_served_only_for_published_pledges_of_that_municipality(
        client: CheckedClient, db: Session, pledge_update_url: tuple[str, int, Any]) -> None:
    url, activity_id, found = pledge_update_url
    assert client.post(url, data={"csrf_token": client.csrf(), "upd_text": "Foto"},
                       files={"upd_file": ("p.jpg", _jpeg_with_gps(), "image/jpeg")},
                       follow_redirects=False).status_code == 303
    [row] = _attachments(db, activity_id)
    slug = _slug(db, found.municipality_id)
    assert client.get(f"/m/{slug}/pledges/files/{row.id}").status_code == 200
    other = factories.municipality(db)
    db.commit()
    assert client.get(f"/m/{other.slug}/pledges/files/{row.id}").status_code == 404
    found.status = PledgeStatus.draft
    db.add(found)
    db.commit()
    assert client.get(f"/m/{slug}/pledges/files/{row.id}").status_code == 404
    # The file's own name is no address: no static or other route serves it.
    for guess in (f"/static/{row.filename}", f"/static/../var/uploads/pledges/{row.filename}",
                  f"/uploads/pledges/{row.filename}", f"/static/%2e%2e/%2e%2e/var/uploads/pledges/{row.filename}"):
        assert client.get(guess).status_code == 404, guess


@pytest.fixture
def walk_photo_url(client: CheckedClient, db: Session) -> Iterator[tuple[str, int]]:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    area = factories.area(db, municipality, name="Parken")
    walk = dialogue_factories.event(db, municipality, kind=EventKind.safety_walk, days=-1)
    observation = WalkObservation(event_id=walk.id or 0, municipality_id=municipality.id or 0, area_id=area.id,
                                  category=ObservationCategory.lighting, problem="Mörkt")
    db.add(observation)
    db.commit()
    client.login(user)
    yield (f"/staff/m/{municipality.slug}/dialogues/{walk.id}/observations/{observation.id}/photos",
           observation.id or 0)


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_walk_photo_names_cannot_steer_where_the_file_goes(
        client: CheckedClient, db: Session, walk_photo_url: tuple[str, int], filename: str) -> None:
    url, observation_id = walk_photo_url
    root = _upload_root()
    outside = _outside(root)
    response = client.post(url, data={"csrf_token": client.csrf()},
                           files={"photo": (filename, _jpeg_with_gps(), "image/jpeg")}, follow_redirects=False)
    assert response.status_code == 303
    photo = db.exec(select(WalkPhoto).where(WalkPhoto.observation_id == observation_id)).one()
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.filename)
    assert (walks.photo_dir() / photo.filename).resolve().parent == walks.photo_dir().resolve()
    assert _outside(root) == outside


@pytest.mark.parametrize(("data", "declared", "expected"), [
    (_png_with_text(), "image/jpeg", "image/png"),  # named and declared JPEG, stored as what it is
    (b"%PDF-1.4\n%%EOF", "image/jpeg", None),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png", None),
    (_pixel_bomb(), "image/png", None),
])
def test_walk_photo_type_comes_from_the_content(client: CheckedClient, db: Session, walk_photo_url: tuple[str, int],
                                                data: bytes, declared: str, expected: str | None) -> None:
    url, observation_id = walk_photo_url
    response = client.post(url, data={"csrf_token": client.csrf()}, files={"photo": ("p.jpg", data, declared)},
                           follow_redirects=False)
    photos = db.exec(select(WalkPhoto).where(WalkPhoto.observation_id == observation_id)).all()
    if expected is None:
        assert response.status_code == 400
        assert "ingen bild som går att läsa" in response.text or "för många bildpunkter" in response.text
        assert photos == []
        return
    assert response.status_code == 303
    [photo] = photos
    assert photo.content_type == expected
    stored = (walks.photo_dir() / photo.filename).read_bytes()
    assert b"SecretNote" not in stored and Image.open(io.BytesIO(stored)).info.get("Comment") is None


def test_crime_statistics_file_has_a_size_limit(client: CheckedClient, db: Session) -> None:
    from app.models.concerns import CrimeStatistic

    municipality = factories.municipality(db)
    admin = factories.staff(db, municipality, Role.admin)
    factories.area(db, municipality, "Norr")
    db.commit()
    client.login(admin)
    big = ("område;brottskategori;period;antal\n" + "Norr;Rån;2025;1\n" * 200_000).encode()
    assert len(big) > 2 * 1024 * 1024
    response = client.post(f"/staff/m/{municipality.slug}/concerns/crime", data={"csrf_token": client.csrf()},
                           files={"file": ("brott.csv", big, "text/csv")})
    assert response.status_code == 400 and "2 MB" in response.text
    assert db.exec(select(CrimeStatistic)).first() is None
    binary = client.post(f"/staff/m/{municipality.slug}/concerns/crime", data={"csrf_token": client.csrf()},
                         files={"file": ("brott.csv", _jpeg_with_gps(), "text/csv")})
    assert binary.status_code == 400 and db.exec(select(CrimeStatistic)).first() is None


def test_attachment_limits_are_what_the_pages_promise() -> None:
    assert pledge_rules.MAX_ATTACHMENT_BYTES == 5 * 1024 * 1024
    assert walks.MAX_PHOTO_BYTES == 8 * 1024 * 1024


def _xlsx_sheet(sheet_xml: bytes) -> bytes:
    """A real XLSX (from openpyxl) whose first sheet's XML is replaced by `sheet_xml`."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    book.active["A1"] = "date"
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def _sheet(rows: str, dimension: str | None) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' \
           b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    size = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return head + size + b"<sheetData>" + rows.encode() + b"</sheetData></worksheet>"


@pytest.mark.parametrize("dimension", ["A1:XFD3000", None])
def test_paper_xlsx_declaring_thousands_of_columns_is_refused_without_reading_them(dimension: str | None) -> None:
    from app import i18n
    from app.surveys import paper

    i18n.set_language("sv")
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c></row>' + "".join(
        f'<row r="{i}"><c r="XFD{i}"><v>1</v></c></row>' for i in range(2, 3000))
    data = _xlsx_sheet(_sheet(rows, dimension))
    assert len(data) < 50_000  # a few kB that would unpack to 49 million cells
    started = time.perf_counter()
    with pytest.raises(paper.FileProblem) as caught:
        paper.read_table(data)
    assert "för många kolumner" in caught.value.message
    assert time.perf_counter() - started < 5


def test_paper_xlsx_of_normal_width_reads_as_before() -> None:
    from app.surveys import paper

    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>color</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>why</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>red</t></is></c></row>')
    for dimension in ("A1:B2", None):
        table = paper.read_table(_xlsx_sheet(_sheet(rows, dimension)))
        assert [cell for cell in table[0] if cell] == ["color", "why"] and table[1][0] == "red"
        assert all(len(row) <= 2 for row in table)
