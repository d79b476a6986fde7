"""Nothing left behind, tried as the attack: a resident answers with a letter code and distinctive free text, then
the raw bytes of the SQLite file and its -wal file are searched for the draft's serialized answers and the code's
hash. Runs on an SQLite file of its own in both test passes (the WAL is SQLite's)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from app.batching import GroupCommitter
from app.db import Database, make_engine, migrate, truncate_wal
from app.main import create_app
from app.models import Municipality
from app.models.surveys import SurveyDraft, SurveyMode
from app.surveys import answering, authoring
from app.surveys.codes import code_hash
from tests.conftest import CheckedClient
from tests.surveys.factories import scope_for, standard_survey
from tests.surveys.test_public_flow import FULL

SECRET = "Zebrastripe Quxlund 4711 lampan trasig"  # distinctive: found nowhere else in the database


def _disk(path: Path) -> bytes:
    wal = Path(str(path) + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def file_app(tmp_path: Path) -> Any:
    path = tmp_path / "residue.sqlite3"
    url = f"sqlite:///{path}"
    migrate(url)
    engine = make_engine(url)
    app = create_app(engine)
    database = app.state.database = Database(engine)
    # The test runs the janitor itself (never on a timer): an idle writer would otherwise clean after 0.5 s.
    committer = GroupCommitter(engine, answering.post_pages, name="post_pages", janitor=lambda: truncate_wal(engine),
                               janitor_idle=3600, janitor_every=3600)
    database._committers[answering.post_pages] = committer
    yield app, engine, path, committer
    engine.dispose()


def test_a_submitted_draft_and_its_code_hash_are_not_on_disk(file_app: Any) -> None:
    app, engine, path, committer = file_app
    with Session(engine, expire_on_commit=False) as db:
        survey = standard_survey(db, modes=[SurveyMode.letter_codes.value])
        municipality = db.get(Municipality, survey.municipality_id)
        assert municipality is not None
        code = authoring.generate_codes(db, scope_for(db, municipality), survey, "3")[0]
    digest = code_hash(code).encode()
    with CheckedClient(app, base_url="http://testserver") as client:
        started = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": code})
        assert started.status_code == 303, started.text[:500]
        pages = {**FULL, 6: {**FULL[6], "q-suggestion": SECRET},
                 7: {**FULL[7], "q-subarea": f"area:norr-{survey.municipality_id}"}}
        for page in range(1, 7):
            assert client.post_form(f"/s/{survey.slug}/{page}", {"page": str(page), **pages[page]}).status_code == 303
        with Session(engine) as db:
            draft = db.exec(select(SurveyDraft)).one()
            serialized = json.dumps(draft.answers)  # how the JSON column wrote it
            assert draft.expires_at.time() == time(0)  # the start time is kept to the day
        fragment = f'"suggestion": {json.dumps(SECRET)}'.encode()
        assert fragment in serialized.encode()
        assert fragment in _disk(path) and digest in _disk(path)  # the scan sees them while the draft is live
        done = client.post_form(f"/s/{survey.slug}/7", {"page": "7", **pages[7]})
        assert done.status_code == 303 and done.headers["location"].endswith("/tack")

    assert committer.dirty  # the batch that stored a response asked for the janitor
    committer.clean()
    assert not committer.dirty and committer.cleanings == 1
    disk = _disk(path)
    assert fragment not in disk, "the draft's answers are still in the database file or its WAL"
    assert digest not in disk, "the used letter code's hash is still in the database file or its WAL"
    assert SECRET.encode() in disk  # the stored response itself is there, as an answer row of its own
    with Session(engine) as db:
        assert authoring.code_counts(db, survey) == (3, 1)  # the code still counts as used


def test_closing_a_survey_leaves_no_unfinished_draft_on_disk(file_app: Any) -> None:
    """Drafts deleted when a survey closes (residents who never submitted) are gone from the file and its WAL."""
    app, engine, path, _committer = file_app
    with Session(engine, expire_on_commit=False) as db:
        survey = standard_survey(db)
        municipality = db.get(Municipality, survey.municipality_id)
        assert municipality is not None
        scope = scope_for(db, municipality)
        db.commit()
    fragment = f'"suggestion": {json.dumps(SECRET)}'.encode()
    with CheckedClient(app, base_url="http://testserver") as client:
        assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv"}).status_code == 303
        for page in range(1, 7):
            data = {**FULL, 6: {**FULL[6], "q-suggestion": SECRET}}[page]
            assert client.post_form(f"/s/{survey.slug}/{page}", {"page": str(page), **data}).status_code == 303
    assert fragment in _disk(path)
    with Session(engine, expire_on_commit=False) as db:
        fresh = db.get(type(survey), survey.id)
        assert fresh is not None
        authoring.set_status(db, scope, fresh, "closed")
        assert not db.exec(select(SurveyDraft)).all()
    assert fragment not in _disk(path) and SECRET.encode() not in _disk(path)


def test_draft_times_are_kept_to_the_day() -> None:
    start = datetime(2026, 12, 4, 16, 47, 13, tzinfo=UTC)
    expiry = answering.draft_expiry(start)
    assert expiry == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert answering.draft_expiry(datetime(2026, 12, 4, 0, 0, 1, tzinfo=UTC)) == expiry  # same day, same value
    assert expiry - start >= answering.DRAFT_LIFETIME  # never shorter than the promised two days


def test_sqlite_connections_delete_securely(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragma.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()
