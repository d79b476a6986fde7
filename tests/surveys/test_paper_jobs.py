"""Large paper imports run as a background job with a progress page: still all-or-nothing, the page names every bad
row, progress is recorded as rows are checked, a job left behind by a restart is failed, and it is scoped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from app import clock, i18n
from app.db import make_engine, migrate
from app.models import Role
from app.models.surveys import ImportStatus, SurveyImportJob
from app.surveys import paper, paper_jobs, rules
from tests import factories
from tests.conftest import CheckedClient
from tests.databases import fresh_database
from tests.surveys.factories import scope_for, standard_survey
from tests.surveys.test_paper import GOOD, Q, base, make_csv, paper_count, setup, upload

BIG = paper.BACKGROUND_ROWS + 500


@pytest.fixture
def inline_jobs(app: FastAPI, db: Session) -> None:
    """Jobs run at once in the test's session (the thread would not see the test's uncommitted rows)."""

    @contextmanager
    def sessions() -> Iterator[Session]:
        yield db

    def start(job_id: int, table: list[list[str]], language: str) -> None:
        paper_jobs.run_job(sessions, job_id, table, language)

    app.dependency_overrides[paper_jobs.job_starter] = lambda: start


def test_progress_is_reported_every_few_rows_and_at_the_end() -> None:
    i18n.set_language("sv")
    seen: list[tuple[int, int]] = []
    table = [["color"]] + [["red"]] * 7
    rows, problems = paper.check_rows(Q, table, area_codes=set(), bounds=rules.Bounds(), languages=["sv"],
                                      today=date(2026, 11, 29), on_progress=lambda c, t: seen.append((c, t)),
                                      every=3)
    assert len(rows) == 7 and not problems
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert paper_jobs.percent(0, 2500) == 0 and paper_jobs.percent(1250, 2500) == 50
    assert paper_jobs.percent(2499, 2500) == 99 and paper_jobs.percent(2500, 2500) == 100
    now = clock.now()
    assert paper_jobs.is_stale(now - timedelta(minutes=11), now) and not paper_jobs.is_stale(now, now)


def test_a_big_file_imports_everything_through_a_job(client: CheckedClient, db: Session, inline_jobs: None) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv([GOOD] * BIG))
    assert response.status_code == 303
    job = db.exec(select(SurveyImportJob).where(SurveyImportJob.survey_id == survey.id)).one()
    assert response.headers["location"] == f"{base(survey, municipality)}/imports/{job.id}"
    assert job.status == ImportStatus.done and job.checked_rows == job.total_rows == BIG
    assert paper_count(db, survey) == BIG
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and f"{BIG} pappersvar importerades" in page.text
    assert 'http-equiv="refresh"' not in page.text and page.headers["cache-control"] == "no-store"


def test_one_bad_row_in_a_big_file_imports_nothing_and_the_page_names_it(client: CheckedClient, db: Session,
                                                                         inline_jobs: None) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    rows = [GOOD] * BIG
    rows[2000] = {**GOOD, "safety_score": "11"}  # file row 2002 (the header is row 1)
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv(rows))
    assert response.status_code == 303 and paper_count(db, survey) == 0
    page = client.get(response.headers["location"])
    assert "Inga svar importerades" in page.text
    assert '<th scope="row">2002</th><td><code>safety_score</code></td>' in page.text
    assert "Välj ett värde från 0 till 10." in page.text


def test_a_running_job_shows_progress_and_a_link_to_update_it(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    job = SurveyImportJob(survey_id=survey.id or 0, municipality_id=municipality.id or 0, created_by=user.id,
                          status=ImportStatus.running, total_rows=2500, checked_rows=750)
    db.add(job)
    db.commit()
    client.login(user)
    page = client.get(f"{base(survey, municipality)}/imports/{job.id}")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in page.text  # no reload behind the reader's back (WCAG 2.2.1)
    assert f'<a href="{base(survey, municipality)}/imports/{job.id}">Uppdatera nu</a>' in page.text
    assert "750 av 2500 rader kontrollerade" in page.text
    assert '<label for="import-progress">' in page.text and 'max="2500" value="750"' in page.text


def test_a_job_left_running_by_a_restart_is_failed_when_viewed(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    job = SurveyImportJob(survey_id=survey.id or 0, municipality_id=municipality.id or 0, created_by=user.id,
                          status=ImportStatus.running, total_rows=2500, checked_rows=500,
                          updated_at=clock.now() - timedelta(minutes=11))
    db.add(job)
    db.commit()
    client.login(user)
    page = client.get(f"{base(survey, municipality)}/imports/{job.id}")
    assert page.status_code == 200 and "servern startades om" in page.text and "refresh" not in page.text
    db.refresh(job)
    assert job.status == ImportStatus.failed and job.finished_at is not None


def test_job_pages_are_scoped(client: CheckedClient, db: Session) -> None:
    municipality, viewer, survey = setup(db, Role.viewer)
    job = SurveyImportJob(survey_id=survey.id or 0, municipality_id=municipality.id or 0,
                          status=ImportStatus.done, report={"outcome": "imported", "imported": 3, "rows": 3})
    db.add(job)
    db.commit()
    url = f"{base(survey, municipality)}/imports/{job.id}"
    client.login(viewer)
    assert client.get(url).status_code == 403
    other = factories.municipality(db)
    client.login(factories.staff(db, other, Role.coordinator))
    assert client.get(f"/staff/m/{other.slug}/surveys/{survey.id}/imports/{job.id}").status_code == 404
    client.login(factories.staff(db, municipality, Role.coordinator))
    assert client.get(url).status_code == 200
    assert client.get(f"{base(survey, municipality)}/imports/999999").status_code == 404


def test_small_files_stay_synchronous(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv([GOOD] * 3))
    assert response.status_code == 303 and response.headers["location"].endswith("/responses")
    assert not db.exec(select(SurveyImportJob)).all() and paper_count(db, survey) == 3


def test_the_thread_records_progress_and_imports_in_one_go(tmp_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real thread, on a database of its own (it must see committed rows): progress, then every response."""
    monkeypatch.setattr(paper, "PROGRESS_EVERY", 100)
    with fresh_database(tmp_root, "paperjob") as url:
        migrate(url)
        engine = make_engine(url, pool_size=4)
        try:
            with Session(engine, expire_on_commit=False) as session:
                municipality = factories.municipality(session, languages=["sv", "en"])
                survey = standard_survey(session, municipality)
                session.commit()
                job = paper_jobs.create_job(session, scope_for(session, municipality), survey, 450)
            seen: list[int] = []
            real = paper_jobs._record_progress

            def record(sessions: paper_jobs.SessionFactory, job_id: int, checked: int) -> None:
                real(sessions, job_id, checked)
                with Session(engine) as other:  # another connection sees it at once
                    stored = other.get(SurveyImportJob, job_id)
                    seen.append(stored.checked_rows if stored else -1)

            monkeypatch.setattr(paper_jobs, "_record_progress", record)
            paper_jobs._thread_starter(engine)(job.id or 0, paper.read_table(make_csv([GOOD] * 450)), "sv")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with Session(engine) as session:
                    current = session.get(SurveyImportJob, job.id)
                    if current is not None and current.status in (ImportStatus.done, ImportStatus.failed):
                        break
                time.sleep(0.1)
            assert current is not None and current.status == ImportStatus.done, current and current.report
            assert current.report == {"outcome": "imported", "imported": 450, "rows": 450}
            assert seen == [100, 200, 300, 400, 450]
            with Session(engine) as session:
                assert paper_count(session, survey) == 450
        finally:
            engine.dispose()
