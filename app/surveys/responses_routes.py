"""Staff pages for a survey's responses: counts by day, channel and area, exports (CSV/XLSX, free text masked),
and paper answers (template download, all-or-nothing upload with a report of every bad row).

The responses page and the raw exports are respondent-level data: they need "respondent_data" (admin and
coordinator by default), given once at the router; every export is written to the audit log with its row count.
The paper template (no answers in it) needs only "view"; importing paper answers needs "edit".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app import i18n
from app.auth import Scope, require_permission
from app.config import get_settings
from app.deps import FormDep, OwnedSurvey, ScopeDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models.surveys import ImportStatus, Survey, SurveyImportJob
from app.surveys import answering, exports, paper, paper_jobs, paper_service, questionnaires
from app.web import flash, redirect, render

PREFIX = "/staff/m/{municipality}/surveys/{survey_id}"
responses_view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("view"))])
respondent_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("respondent_data"))])
responses_edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])

routers: list[APIRouter] = [responses_view_router, respondent_router, responses_edit_router]


def _import_job(job_id: int, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> SurveyImportJob:
    return paper_jobs.staff_job(session, scope, survey, job_id)


SurveyImportJobDep = Annotated[SurveyImportJob, Depends(_import_job)]  # the survey's import job named by {job_id}


def _url(request: Request, name: str, scope: Scope, survey: Survey, **params: object) -> str:
    """The path of the survey's staff route `name`."""
    return str(request.app.url_path_for(name, municipality=scope.municipality.slug, survey_id=str(survey.id),
                                        **{key: str(value) for key, value in params.items()}))


def channel_labels() -> dict[str, str]:
    return {"web": _("Webb"), "qr": _("QR-kod"), "code": _("Kod i brev"), "assisted": _("Gatustånd"),
            "paper": _("Papper")}


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@respondent_router.get("/responses", name="surveys.responses")
def responses_page(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    counts = exports.counts(session, survey)
    min_n = get_settings().suppression_min_n
    response = render(request, "staff/surveys/responses.html",
                      {"scope": scope, "survey": survey, "title": questionnaire.title("sv") or survey.slug,
                       "counts": counts, "areas": exports.shown_areas(counts.by_area, min_n),
                       "channels": channel_labels(), "min_n": min_n,
                       "code_failures": answering.code_failures(session, survey)})
    response.headers["Cache-Control"] = "no-store"
    return response


@respondent_router.get("/responses.csv", name="surveys.responses_csv")
def responses_csv(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    data, rows = exports.export_csv(session, questionnaires.load_questionnaire(session, survey))
    exports.record_export(session, scope, survey, "csv", rows)
    return _download(data, CSV, f"svar-{survey.slug}.csv")


@respondent_router.get("/responses.xlsx", name="surveys.responses_xlsx")
def responses_xlsx(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    data, rows = exports.export_xlsx(session, questionnaires.load_questionnaire(session, survey))
    exports.record_export(session, scope, survey, "xlsx", rows)
    return _download(data, XLSX, f"svar-{survey.slug}.xlsx")


@responses_view_router.get("/paper-template.csv", name="surveys.paper_template_csv")
def paper_template_csv(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    data = paper_service.template_csv(questionnaires.load_questionnaire(session, survey))
    return _download(data, CSV, f"pappersmall-{survey.slug}.csv")


@responses_view_router.get("/paper-template.xlsx", name="surveys.paper_template_xlsx")
def paper_template_xlsx(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    data = paper_service.template_xlsx(questionnaires.load_questionnaire(session, survey))
    return _download(data, XLSX, f"pappersmall-{survey.slug}.xlsx")


def _paper_page(request: Request, scope: Scope, survey: Survey, *, errors: dict[str, str] | None = None,
                problems: list[paper.RowProblem] | None = None, total_problems: int = 0, rows: int = 0,
                status_code: int = 200) -> Response:
    return render(request, "staff/surveys/paper.html",
                  {"scope": scope, "survey": survey, "errors": errors or {},
                   "problems": problems or [], "total_problems": total_problems, "rows": rows,
                   "max_mb": paper.MAX_BYTES // (1024 * 1024), "max_rows": paper.MAX_ROWS,
                   "background_rows": paper.BACKGROUND_ROWS},
                  status_code=status_code)


@responses_edit_router.get("/paper", name="surveys.paper")
def paper_page(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    return _paper_page(request, scope, survey)


@responses_edit_router.post("/paper", name="surveys.paper_upload")
def paper_upload(request: Request, survey: OwnedSurvey, form: FormDep,
                 scope: ScopeDep, session: SessionDep,
                 start_job: paper_jobs.JobStarter = Depends(paper_jobs.job_starter)) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _paper_page(request, scope, survey, errors={"file": _("Välj en CSV- eller XLSX-fil.")},
                           status_code=400)
    data = upload.file.read(paper.MAX_BYTES + 1)
    try:
        paper_service.check_importable(survey)
        table = paper.read_table(data)
    except ValidationFailed as exc:
        return _paper_page(request, scope, survey, errors=exc.errors, status_code=400)
    except paper.FileProblem as exc:
        return _paper_page(request, scope, survey, errors={"file": exc.message}, status_code=400)
    if len(table) - 1 > paper.BACKGROUND_ROWS:  # a large file: checked and imported by a job with a progress page
        job = paper_jobs.create_job(session, scope, survey, len(table) - 1)
        start_job(job.id or 0, table, i18n.current_language())
        return redirect(_url(request, "surveys.import_job", scope, survey, job_id=job.id))
    try:
        result = paper_service.import_paper(session, scope, survey, data)
    except ValidationFailed as exc:
        return _paper_page(request, scope, survey, errors=exc.errors, status_code=400)
    except paper_service.PaperRejected as exc:
        return _paper_page(request, scope, survey,
                           errors={"problems": _("%(n)s fel i filen. Inga svar importerades.") % {
                               "n": len(exc.problems)}},
                           problems=exc.problems[:paper.MAX_REPORTED], total_problems=len(exc.problems),
                           rows=exc.rows, status_code=400)
    flash(request, _("%(n)s pappersvar importerades (i %(chunks)s omgångar, i en och samma transaktion).")
          % {"n": result.rows, "chunks": result.chunks})
    landing = "surveys.responses" if scope.may("respondent_data") else "surveys.staff_survey"
    return redirect(_url(request, landing, scope, survey))


@responses_edit_router.get("/imports/{job_id}", name="surveys.import_job")
def import_job_page(request: Request, survey: OwnedSurvey, job: SurveyImportJobDep, scope: ScopeDep,
                    session: SessionDep) -> Response:
    """A background import: progress while it runs (the page reloads itself, no JavaScript), then its report."""
    running = job.status in (ImportStatus.queued, ImportStatus.running)
    problems = [paper.RowProblem(int(p[0]), str(p[1]), str(p[2])) for p in job.report.get("problems", [])]
    response = render(request, "staff/surveys/import_job.html",
                      {"scope": scope, "survey": survey, "job": job,
                       "running": running, "percent": paper_jobs.percent(job.checked_rows, job.total_rows),
                       "problems": problems, "report": job.report,
                       # a rejected or failed import is an error page: its title says so (page check, WCAG 3.3.1)
                       "errors": {} if running or job.report.get("outcome") == "imported" else {"file": "-"}})
    response.headers["Cache-Control"] = "no-store"
    return response
