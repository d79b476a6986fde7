"""Staff pages of the pledges domain. Every router here is under /staff/m/{municipality} and carries a permission.

"edit" (coordinators, police, admins) drafts, signs and publishes; "report" (also partners) posts follow-up
updates and activity status; "view" reads. Which activities and updates an account may touch (its own party's)
and who may sign (four eyes) is decided in the services, so a direct POST meets the same rules as the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from app import mail
from app.auth import Scope, require_permission, staff_scope
from app.deps import FormDep, OwnedPledge, ScopeDep, SessionDep
from app.errors import NotFound
from app.i18n import gettext as _
from app.models.pledges import Pledge, PledgeProposal, PledgeUpdate
from app.pledges import (
    access,
    authoring,
    changes,
    figures,
    followup,
    forms,
    lifecycle,
    public_view,
    queries,
    reminders,
    rules,
    versions,
)
from app.pledges import staff_pages as pages
from app.pledges.deps import OwnedActivity, OwnedAttachment, OwnedFocusArea, OwnedProposal, OwnedUpdate
from app.pledges.staff_pages import pledge_url, refused, settle
from app.web import flash, form_str, redirect, render

PREFIX = "/staff/m/{municipality}/pledges"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
report_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("report"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])  # every role may read
# The edit router first: its fixed path /new must win over /{pledge_id}.
routers: list[APIRouter] = [edit_router, report_router, view_router]


def _change(session: Session, scope: Scope, pledge: Pledge, kind: str, target_id: int | None,
            values: dict[str, Any], version: forms.Versioning) -> PledgeProposal | None:
    return changes.change(session, scope, pledge, kind, target_id, values, new_version=version.new_version,
                          note=version.note)


def _done(request: Request, scope: Scope, pledge: Pledge, message: str, rest: str = "") -> Response:
    flash(request, message)
    return redirect(pledge_url(request, scope, pledge.id, rest))


# ------------------------------------------------------------------------------------------------ list


@view_router.get("", name="pledges.staff_index")
def pledges_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/pledges/index.html",
                  {**pages.base_context(scope), "rows": queries.pledges(session, scope.municipality_id),
                   "flags": reminders.flags(session, scope.municipality_id), "silent_days": rules.SILENT_DAYS,
                   "settings": queries.pledge_settings(session, scope.municipality_id),
                   "editor": access.actor(session, scope).editor})


@edit_router.post("/settings", name="pledges.save_settings")
def save_settings(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    followup.save_pledge_settings(session, scope, form_str(form, "partner_updates_need_approval", 10) == "yes")
    flash(request, _("Inställningen är sparad."))
    return redirect(request.app.url_path_for("pledges.staff_index", municipality=scope.municipality.slug))


def _new_page(request: Request, session: Session, scope: Scope, *, values: dict[str, str],
              errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/pledges/new.html",
                  {**pages.base_context(scope), "values": values, "errors": errors or {},
                   "area_options": pages.area_options(session, scope)}, status_code=status_code)


@edit_router.get("/new", name="pledges.new")
def new_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _new_page(request, session, scope, values={})


@edit_router.post("/new", name="pledges.create")
def create(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    values = forms.PledgeForm.parse(form).values()
    return settle(lambda: authoring.create_pledge(session, scope, values),
                  lambda pledge: _done(request, scope, pledge,
                                       _("Utkastet är skapat. Lägg till fokusområden och aktiviteter.")),
                  refused(_new_page, request, session, scope, values=values))


# ------------------------------------------------------------------------------------------------ the pledge


@view_router.get("/{pledge_id}", name="pledges.staff_pledge")
def pledge_page(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return pages.pledge_page(request, session, scope, pledge)


@edit_router.post("/{pledge_id}/edit", name="pledges.edit")
def edit(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    values = forms.PledgeForm.parse(form).values()
    return settle(lambda: _change(session, scope, pledge, "pledge.edit", None, {**values},
                                  forms.Versioning.parse(form)),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Ändringen är sparad."), ""),
                  refused(pages.pledge_page, request, session, scope, pledge, prefix="pl", values=values))


def _save_focus_area(session: Session, scope: Scope, pledge: Pledge, target_id: int | None,
                     form: FormDep) -> PledgeProposal | None:
    version = forms.Versioning.parse(form)
    versions.refuse_unversioned(pledge, version.new_version)
    chosen = [f.as_dict() for f in pages.chosen_figures(session, scope, form)]
    values = {**forms.FocusAreaForm.parse(form).values(), "figures": chosen}
    return _change(session, scope, pledge, "focus_area.save", target_id, values, version)


@edit_router.post("/{pledge_id}/focus-areas", name="pledges.add_focus_area")
def add_focus_area(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep,
                   session: SessionDep) -> Response:
    return settle(lambda: _save_focus_area(session, scope, pledge, None, form),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Fokusområdet är sparat."),
                                               "#focus-areas"),
                  refused(pages.pledge_page, request, session, scope, pledge, prefix="fa",
                          values=forms.FocusAreaForm.parse(form).echo()))


@view_router.get("/{pledge_id}/focus-areas/{focus_area_id}", name="pledges.focus_area")
def focus_area_page(request: Request, pledge: OwnedPledge, focus_area: OwnedFocusArea, scope: ScopeDep,
                    session: SessionDep) -> Response:
    return pages.focus_area_page(request, session, scope, pledge, focus_area)


@edit_router.post("/{pledge_id}/focus-areas/{focus_area_id}", name="pledges.edit_focus_area")
def edit_focus_area(request: Request, pledge: OwnedPledge, focus_area: OwnedFocusArea, form: FormDep,
                    scope: ScopeDep, session: SessionDep) -> Response:
    return settle(lambda: _save_focus_area(session, scope, pledge, focus_area.id, form),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Fokusområdet är sparat."),
                                               "#focus-areas"),
                  refused(pages.focus_area_page, request, session, scope, pledge, focus_area, prefix="fa",
                          values=forms.FocusAreaForm.parse(form).echo()))


@edit_router.post("/{pledge_id}/focus-areas/{focus_area_id}/delete", name="pledges.delete_focus_area")
def delete_focus_area(request: Request, pledge: OwnedPledge, focus_area: OwnedFocusArea, form: FormDep,
                      scope: ScopeDep, session: SessionDep) -> Response:
    return settle(lambda: _change(session, scope, pledge, "focus_area.delete", focus_area.id, {},
                                  forms.Versioning.parse(form)),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Fokusområdet är borttaget."),
                                               "#focus-areas"),
                  refused(pages.focus_area_page, request, session, scope, pledge, focus_area, prefix="fa"))


# ------------------------------------------------------------------------------------------------ activities


@edit_router.post("/{pledge_id}/activities", name="pledges.add_activity")
def add_activity(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep,
                 session: SessionDep) -> Response:
    activity = forms.ActivityForm.parse(form)
    return settle(lambda: _change(session, scope, pledge, "activity.save", None, {**activity.values()},
                                  forms.Versioning.parse(form)),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Aktiviteten är sparad."),
                                               "#activities"),
                  refused(pages.pledge_page, request, session, scope, pledge, prefix="act", values=activity.echo()))


@view_router.get("/{pledge_id}/activities/{activity_id}", name="pledges.activity")
def activity_page(request: Request, pledge: OwnedPledge, activity: OwnedActivity, scope: ScopeDep,
                  session: SessionDep) -> Response:
    return pages.activity_page(request, session, scope, pledge, activity)


@edit_router.post("/{pledge_id}/activities/{activity_id}/edit", name="pledges.edit_activity")
def edit_activity(request: Request, pledge: OwnedPledge, activity: OwnedActivity, form: FormDep, scope: ScopeDep,
                  session: SessionDep) -> Response:
    values = forms.ActivityForm.parse(form)
    return settle(lambda: _change(session, scope, pledge, "activity.save", activity.id, {**values.values()},
                                  forms.Versioning.parse(form)),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Aktiviteten är sparad."),
                                               f"/activities/{activity.id}"),
                  refused(pages.activity_page, request, session, scope, pledge, activity, prefix="act",
                          values=values.echo()))


@report_router.post("/{pledge_id}/activities/{activity_id}/status", name="pledges.activity_status")
def activity_status(request: Request, pledge: OwnedPledge, activity: OwnedActivity, form: FormDep,
                    scope: ScopeDep, session: SessionDep) -> Response:
    status = forms.StatusForm.parse(form)
    return settle(lambda: authoring.set_activity_status(session, scope, pledge, activity, status.status,
                                                        status.cancel_reason),
                  lambda _none: _done(request, scope, pledge, _("Statusen är ändrad."), f"/activities/{activity.id}"),
                  refused(pages.activity_page, request, session, scope, pledge, activity,
                          values={"status": status.status, "cancel_reason": status.cancel_reason}))


@report_router.post("/{pledge_id}/activities/{activity_id}/updates", name="pledges.post_update")
def post_update(request: Request, pledge: OwnedPledge, activity: OwnedActivity, background: BackgroundTasks,
                form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    update = forms.UpdateForm.parse(form)

    def posted(result: tuple[PledgeUpdate, list[int]]) -> Response:
        posted_update, mail_ids = result
        mail.deliver_after_response(request.app, background, mail_ids)  # subscribers' notices, after the response
        return _done(request, scope, pledge, _("Uppföljningen är publicerad.") if posted_update.state == "published"
                     else _("Uppföljningen väntar på att en samordnare godkänner den."), f"/activities/{activity.id}")

    return settle(lambda: followup.post_update(session, scope, pledge, activity, update.values(),
                                               forms.uploaded_file(form)),
                  posted,
                  refused(pages.activity_page, request, session, scope, pledge, activity, values=update.echo()))


# ------------------------------------------------------------------------------------------------ updates


@view_router.get("/{pledge_id}/updates/{update_id}", name="pledges.update")
def update_page(request: Request, pledge: OwnedPledge, update: OwnedUpdate, scope: ScopeDep,
                session: SessionDep) -> Response:
    return pages.update_page(request, session, scope, pledge, update)


@report_router.post("/{pledge_id}/updates/{update_id}/correct", name="pledges.correct_update")
def correct_update(request: Request, pledge: OwnedPledge, update: OwnedUpdate, form: FormDep, scope: ScopeDep,
                   session: SessionDep) -> Response:
    correction = forms.UpdateForm.parse_correction(form)
    values = {"text": correction.text, "achieved": correction.achieved}
    return settle(lambda: followup.correct_update(session, scope, pledge, update, values),
                  lambda _none: _done(request, scope, pledge, _("Uppföljningen är rättad."),
                                      f"/activities/{update.activity_id}"),
                  refused(pages.update_page, request, session, scope, pledge, update,
                          values={"upd_text": correction.text, "upd_achieved": correction.achieved}))


@report_router.post("/{pledge_id}/updates/{update_id}/withdraw", name="pledges.withdraw_update")
def withdraw_update(request: Request, pledge: OwnedPledge, update: OwnedUpdate, scope: ScopeDep,
                    session: SessionDep) -> Response:
    return settle(lambda: followup.withdraw_update(session, scope, pledge, update),
                  lambda _none: _done(request, scope, pledge, _("Uppföljningen är återkallad."),
                                      f"/activities/{update.activity_id}"),
                  refused(pages.update_page, request, session, scope, pledge, update))


@edit_router.post("/{pledge_id}/updates/{update_id}/review", name="pledges.review_update")
def review_update(request: Request, pledge: OwnedPledge, update: OwnedUpdate, background: BackgroundTasks,
                  form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    approve = form_str(form, "decision", 10) == "approve"

    def reviewed(mail_ids: list[int]) -> Response:
        mail.deliver_after_response(request.app, background, mail_ids)
        return _done(request, scope, pledge, _("Uppföljningen är godkänd och publicerad.") if approve
                     else _("Uppföljningen är avvisad."), "#pending")

    return settle(lambda: followup.review_update(session, scope, pledge, update, approve), reviewed,
                  refused(pages.pledge_page, request, session, scope, pledge))


@view_router.get("/{pledge_id}/files/{attachment_id}", name="pledges.staff_file")
def staff_file(attachment: OwnedAttachment) -> Response:
    path = followup.attachment_path(attachment)
    if not path.is_file():
        raise NotFound
    return FileResponse(path, media_type=attachment.content_type, headers=followup.attachment_headers(attachment))


# ------------------------------------------------------------------------------------------------ signing


@edit_router.post("/{pledge_id}/signatories", name="pledges.add_signatory")
def add_signatory(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep,
                  session: SessionDep) -> Response:
    signatory = forms.SignatoryForm.parse(form)
    return settle(lambda: authoring.add_signatory(session, scope, pledge, signatory),
                  lambda _none: _done(request, scope, pledge, _("Undertecknaren är tillagd."), "#signatories"),
                  refused(pages.pledge_page, request, session, scope, pledge, prefix="pl", values=signatory.echo()))


@edit_router.post("/{pledge_id}/indicators", name="pledges.add_indicator")
def add_indicator(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep,
                  session: SessionDep) -> Response:
    indicator = forms.IndicatorForm.parse(form)
    return settle(lambda: figures.add_indicator(session, scope, pledge, indicator.item, indicator.area,
                                                indicator.target, indicator.label),
                  lambda _row: _done(request, scope, pledge, _("Indikatorn är tillagd."), "#indicators"),
                  refused(pages.pledge_page, request, session, scope, pledge, values=indicator.echo()))


def _step(request: Request, session: Session, scope: Scope, pledge: Pledge, step: Callable[[], object],
          done: str) -> Response:
    """A status step (submit, return, close, reopen): done, or the pledge page with why not."""
    return settle(step,
                  lambda _none: _done(request, scope, pledge, done),
                  refused(pages.pledge_page, request, session, scope, pledge))


@edit_router.post("/{pledge_id}/submit", name="pledges.submit")
def submit(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return _step(request, session, scope, pledge, lambda: lifecycle.submit_for_review(session, scope, pledge),
                 _("Löftet är skickat på granskning."))


@edit_router.post("/{pledge_id}/return", name="pledges.return_to_draft")
def return_to_draft(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return _step(request, session, scope, pledge, lambda: lifecycle.return_to_draft(session, scope, pledge),
                 _("Löftet är ett utkast igen."))


@edit_router.post("/{pledge_id}/publish", name="pledges.publish")
def publish(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    """One side's signature; the second side's signature (another account) publishes."""
    return settle(lambda: lifecycle.sign(session, scope, pledge, form_str(form, "signed_on", 20)),
                  lambda published: _done(request, scope, pledge, _(
                      "Löftet är undertecknat av båda parter och publicerat.") if published else _(
                      "Din signatur är registrerad. Nu ska den andra parten signera med ett eget konto.")),
                  refused(pages.pledge_page, request, session, scope, pledge))


@edit_router.post("/{pledge_id}/close", name="pledges.close")
def close(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    confirmed = form_str(form, "confirm_close", 10) == "yes"
    return _step(request, session, scope, pledge, lambda: lifecycle.close_pledge(session, scope, pledge, confirmed),
                 _("Löftet är avslutat."))


@edit_router.post("/{pledge_id}/reopen", name="pledges.reopen")
def reopen(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return _step(request, session, scope, pledge, lambda: lifecycle.request_reopen(session, scope, pledge),
                 _("Löftet öppnas igen som en ny version när både polisen och kommunen har signerat."))


@edit_router.post("/{pledge_id}/extend", name="pledges.extend")
def extend(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    ends_on = form_str(form, "extend_to", 20)
    return settle(lambda: changes.change(session, scope, pledge, "pledge.extend", None, {"ends_on": ends_on},
                                         new_version=True, note=""),
                  lambda proposal: pages.saved(request, scope, pledge, proposal, _("Löftet är förlängt."), ""),
                  refused(pages.pledge_page, request, session, scope, pledge))


@edit_router.post("/{pledge_id}/proposals/{proposal_id}/decide", name="pledges.decide_proposal")
def decide_proposal(request: Request, pledge: OwnedPledge, proposal: OwnedProposal, form: FormDep,
                    scope: ScopeDep, session: SessionDep) -> Response:
    """The other side approves (applies and publishes a new version) or rejects a proposed change."""
    approve = form_str(form, "decision", 10) == "approve"
    return settle(lambda: changes.decide_proposal(session, scope, pledge, proposal, approve),
                  lambda _none: _done(request, scope, pledge, _(
                      "Ändringen är godkänd och publicerad som en ny version.") if approve else _(
                      "Ändringsförslaget är avvisat."), "#proposals"),
                  refused(pages.pledge_page, request, session, scope, pledge))


# ------------------------------------------------------------------------------------------------ texts and views


@edit_router.get("/{pledge_id}/translate", name="pledges.translate_page")
def translate_page(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return pages.translate_page(request, session, scope, pledge,
                                pages.target_language(scope, request.query_params.get("to")))


@edit_router.post("/{pledge_id}/translate", name="pledges.translate")
def translate(request: Request, pledge: OwnedPledge, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    lang = pages.target_language(scope, form_str(form, "to", 20))

    def saved(proposal: PledgeProposal | None) -> Response:
        if proposal is not None:
            return pages.saved(request, scope, pledge, proposal, "", "")
        return _done(request, scope, pledge, _("Översättningen är sparad."), f"/translate?to={lang}")

    return settle(lambda: changes.change(session, scope, pledge, "pledge.translate", None,
                                         {**forms.translation_values(form), "lang": lang}, new_version=True,
                                         note=_("Översättning (%(lang)s)") % {"lang": lang}),
                  saved,
                  refused(pages.translate_page, request, session, scope, pledge, lang))


@view_router.get("/{pledge_id}/preview", name="pledges.preview")
def preview(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    """Exactly the public page (same template and data), for any status, in any of the municipality's languages."""
    from app.pledges import public_routes

    return public_routes.render_pledge(request, session, scope.municipality, pledge, preview=True)


@view_router.get("/{pledge_id}/report", name="pledges.report")
def report(request: Request, pledge: OwnedPledge, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/pledges/report.html",
                  {**pages.base_context(scope), "pledge": pledge, "rows": followup.closing_report(session, pledge),
                   "view": public_view.pledge_view(session, pledge, "sv", updates_limit=0)})
