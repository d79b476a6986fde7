"""Large paper imports as background jobs (a thread in the app process) with a progress page.

Still all-or-nothing: every row is checked first (the job records how many in short transactions of their own),
then every response is inserted in one transaction with answering.insert_responses, which also marks the job done,
so a job is "done" exactly when its responses are stored. The uploaded file lives only in the job's memory; a job
whose process died is left "running" and is marked failed when someone looks at it after STALE_AFTER of silence.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app import audit, clock, i18n
from app.audit import Action
from app.auth import Scope
from app.db import get_engine
from app.errors import NotFound
from app.i18n import gettext as _
from app.models import StaffUser
from app.models.surveys import Channel, ImportStatus, Survey, SurveyImportJob
from app.surveys import answering, paper, questionnaires

log = logging.getLogger("app.surveys.paper_jobs")

STALE_AFTER = timedelta(minutes=10)
INSERT_CHUNK = 500  # responses per insert_responses call (all in the one transaction)

SessionFactory = Callable[[], AbstractContextManager[Session]]
JobStarter = Callable[[int, list[list[str]], str], None]


def _languages(survey: Survey) -> list[str]:
    return list(dict.fromkeys(["sv", *survey.languages]))


def create_job(session: Session, scope: Scope, survey: Survey, total_rows: int) -> SurveyImportJob:
    job = SurveyImportJob(survey_id=survey.id or 0, municipality_id=scope.municipality_id,
                          created_by=scope.user.id, total_rows=total_rows)
    session.add(job)
    session.commit()
    return job


def staff_job(session: Session, scope: Scope, survey: Survey, job_id: int) -> SurveyImportJob:
    """The job, if it is this survey's in the staff member's municipality (else 404); a silent one is failed."""
    job = session.get(SurveyImportJob, job_id)
    if job is None or job.survey_id != survey.id or job.municipality_id != scope.municipality_id:
        raise NotFound
    if job.status in (ImportStatus.queued, ImportStatus.running) and is_stale(job.updated_at, clock.now()):
        _finish(session, job, ImportStatus.failed, {"outcome": "error", "message": _(
            "Importen avbröts (servern startades om medan den pågick). Inga svar importerades. "
            "Ladda upp filen igen.")})
    return job


def is_stale(updated_at: datetime, now: datetime) -> bool:
    return now - updated_at > STALE_AFTER


def percent(checked: int, total: int) -> int:
    """Progress as a whole percentage, 0..100 (100 only when every row is checked)."""
    if total <= 0:
        return 100
    return min(100, checked * 100 // total)


def report_problems(problems: list[paper.RowProblem]) -> dict[str, Any]:
    return {"problems": [[p.row, p.column, p.message] for p in problems[:paper.MAX_REPORTED]],
            "total_problems": len(problems)}


def _finish(session: Session, job: SurveyImportJob, status: ImportStatus, report: dict[str, Any]) -> None:
    job.status, job.report = status, report
    job.finished_at = job.updated_at = clock.now()
    session.add(job)
    session.commit()


def _record_progress(sessions: SessionFactory, job_id: int, checked: int) -> None:
    """One short transaction of its own, so the progress page sees it while the import goes on."""
    with sessions() as session:
        session.execute(update(SurveyImportJob).where(col(SurveyImportJob.id) == job_id)
                        .values(checked_rows=checked, updated_at=clock.now()))
        session.commit()


def run_job(sessions: SessionFactory, job_id: int, table: list[list[str]], language: str) -> None:
    """Checks every row, then stores all of them in one transaction, or none; the job row says how it went."""
    i18n.set_language(language)  # the report's messages, in the language of the staff member who uploaded
    try:
        with sessions() as session:
            job = session.get(SurveyImportJob, job_id)
            survey = session.get(Survey, job.survey_id) if job else None
            if job is None or survey is None:
                return
            job.status, job.updated_at = ImportStatus.running, clock.now()
            session.add(job)
            session.commit()
            questionnaire = questionnaires.load_questionnaire(session, survey)
            session.commit()  # no transaction stays open while checking (SQLite: it would hold an old snapshot)
            try:
                rows, problems = paper.check_rows(
                    questionnaire.questions, table, area_codes=questionnaire.area_codes, bounds=questionnaire.bounds,
                    languages=_languages(survey), today=clock.today(), every=paper.PROGRESS_EVERY,
                    on_progress=lambda checked, _total: _record_progress(sessions, job_id, checked))
            except paper.FileProblem as exc:
                _finish(session, job, ImportStatus.failed, {"outcome": "error", "message": exc.message})
                return
            session.refresh(job)
            if problems:
                _finish(session, job, ImportStatus.done, {"outcome": "rejected", "imported": 0,
                                                          "rows": len(rows) + len({p.row for p in problems}),
                                                          **report_problems(problems)})
                return
            if not rows:
                _finish(session, job, ImportStatus.failed, {"outcome": "error",
                                                            "message": _("Filen har inga svar att importera.")})
                return
            _store(session, job, survey, questionnaire, rows)
    except Exception:
        log.exception("paper import job %s failed", job_id)
        with sessions() as session:
            failed = session.get(SurveyImportJob, job_id)
            if failed is not None:
                session.rollback()
                _finish(session, failed, ImportStatus.failed, {"outcome": "error", "message": _(
                    "Importen misslyckades av ett tekniskt fel. Inga svar importerades. Försök igen.")})


def _store(session: Session, job: SurveyImportJob, survey: Survey, questionnaire: questionnaires.Questionnaire,
           rows: list[paper.PaperRow]) -> None:
    """Every response in one transaction (grouped by the date on the paper), with the job marked done in it."""
    by_day: dict[date, list[paper.PaperRow]] = defaultdict(list)
    for row in rows:
        by_day[row.submitted_on].append(row)
    try:
        connection = session.connection()
        for day, day_rows in by_day.items():
            for start in range(0, len(day_rows), INSERT_CHUNK):
                answering.insert_responses(connection, [(questionnaire, r.answers, Channel.paper, r.language)
                                                      for r in day_rows[start:start + INSERT_CHUNK]], day)
        actor = session.get(StaffUser, job.created_by) if job.created_by else None
        audit.record(session, actor, Action.SURVEY_IMPORT_PAPER, "survey", survey.id,
                     municipality_id=job.municipality_id,
                     after={"responses": len(rows), "job": job.id})
        job.checked_rows = job.total_rows
        _finish(session, job, ImportStatus.done, {"outcome": "imported", "imported": len(rows), "rows": len(rows)})
    except BaseException:
        session.rollback()
        raise


# --- how a route starts a job -------------------------------------------------------------------------------


def _thread_starter(engine: Engine) -> JobStarter:
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)  # writes wait their turn instead of failing

    def sessions() -> AbstractContextManager[Session]:
        return Session(engine, expire_on_commit=False)

    def start(job_id: int, table: list[list[str]], language: str) -> None:
        threading.Thread(target=run_job, args=(sessions, job_id, table, language), name=f"paper-import-{job_id}",
                         daemon=True).start()

    return start


def job_starter(request: Request) -> JobStarter:
    """FastAPI dependency: starts a job in a thread of this process (tests replace it with an inline runner)."""
    return _thread_starter(getattr(request.app.state, "engine", None) or get_engine())
