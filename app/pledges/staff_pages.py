"""The staff pledge pages' building: each page's context from the pledge, re-rendered with errors on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app import clock, i18n, places
from app.auth import Scope
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import Pledge, PledgeActivity, PledgeFocusArea, PledgeStatus, PledgeUpdate
from app.pledges import access, figures, forms, lifecycle, progress, public_view, queries, rules
from app.pledges.rules import localized
from app.web import flash, form_str, redirect, render

R = TypeVar("R")


def pledge_url(request: Request, scope: Scope, pledge_id: int | None, rest: str = "") -> str:
    """The path of the staff page of pledge `pledge_id`, then `rest` (a sub-path, a query or a fragment)."""
    path = request.app.url_path_for("pledges.staff_pledge", municipality=scope.municipality.slug,
                                    pledge_id=str(pledge_id))
    return f"{path}{rest}"


def base_context(scope: Scope) -> dict[str, Any]:
    return {"scope": scope, "loc": localized,
            "status_labels": forms.status_labels(), "activity_labels": forms.activity_status_labels(),
            "progress_rule": forms.progress_rule()}


def saved(request: Request, scope: Scope, pledge: Pledge, proposal: object, done: str, anchor: str) -> Response:
    """After a versioned change: applied (draft) or waiting for the other side (published pledge)."""
    if proposal is not None:
        flash(request, _("Ändringen är sparad som ett förslag. Den publiceras när den andra parten (polisen eller "
                         "kommunen) har godkänt den."))
        return redirect(pledge_url(request, scope, pledge.id, "#proposals"))
    flash(request, done)
    return redirect(pledge_url(request, scope, pledge.id, anchor))


def area_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    return [("", _("Hela kommunen"))] + [(str(a.id), a.name) for a in places.areas(session, scope.municipality_id)]


def pledge_page(request: Request, session: Session, scope: Scope, pledge: Pledge, *,
                errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                status_code: int = 200) -> Response:
    focus, acts = queries.children(session, pledge)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    pledge_values = {"title": localized(pledge.title, "sv"), "intro": localized(pledge.intro, "sv"),
                     "starts_on": pledge.starts_on.isoformat(), "ends_on": pledge.ends_on.isoformat(),
                     "area_id": str(pledge.area_id or "")}
    view = public_view.pledge_view(session, pledge, "sv", updates_limit=10)
    who = access.actor(session, scope)
    act_titles = {a.id: localized(a.title, "sv") for a in acts}
    kind_labels = forms.proposal_labels()
    users = queries.proposers(session, pledge)
    return render(request, "staff/pledges/pledge.html", {
        **base_context(scope), "pledge": pledge, "view": view, "focus": focus, "acts": acts,
        "party_of": lambda act: queries.party_label(act, names),
        "values": {**pledge_values, **(values or {})}, "errors": errors or {},
        "published": pledge.status == PledgeStatus.published,
        "editable": pledge.status != PledgeStatus.closed,
        "area_options": area_options(session, scope),
        "party_options": queries.party_options(session, scope.municipality_id),
        "focus_options": [(str(f.id), localized(f.title, "sv")) for f in focus],
        "observation_options": queries.observation_options(session, scope.municipality_id),
        "priorities": figures.concern_priorities(session, scope.municipality_id),
        "survey_items": [("", _("Välj fråga")), *figures.survey_items(session, scope.municipality_id)],
        "problems": rules.publish_problems(lifecycle.publish_facts(session, pledge), signing=True),
        "figure_sentence": forms.figure_sentence,
        "signed_by": {sig.side: sig for sig in queries.signatures(session, pledge)},
        "signing_open": lifecycle.signing_open(pledge),
        "side_labels": forms.side_labels(), "my_side": who.side, "editor": who.editor,
        "pending": [{"row": u, "activity": act_titles.get(u.activity_id, ""), "party": names.get(u.party_id or 0, "")}
                    for u in queries.pending_updates(session, pledge)],
        "proposals": [{"row": p, "label": kind_labels.get(p.kind, p.kind), "by": users.get(p.proposed_by or 0, "")}
                      for p in queries.proposals(session, pledge)],
    }, status_code=status_code)


def chosen_figures(session: Session, scope: Scope, form: FormData) -> list[figures.Figure]:
    chosen: list[figures.Figure] = []
    priorities = figures.concern_priorities(session, scope.municipality_id)
    for raw in form.getlist("priority"):
        if isinstance(raw, str) and (index := queries.row_id(raw)) is not None and index < len(priorities):
            chosen.append(priorities[index])
    pick = form_str(form, "fig_item", 200)
    if pick:
        area = form_str(form, "fig_area", 20)
        chosen.append(figures.figure_from_survey(session, scope.municipality_id, pick,
                                                 queries.row_id(area)))
    return chosen


def focus_area_page(request: Request, session: Session, scope: Scope, pledge: Pledge, row: PledgeFocusArea, *,
                    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
    current = {"fa_title": localized(row.title, "sv"), "fa_problem": localized(row.problem, "sv"),
               "fa_cause": localized(row.cause, "sv")}
    return render(request, "staff/pledges/focus_area.html", {
        **base_context(scope), "pledge": pledge, "row": row, "values": {**current, **(values or {})},
        "errors": errors or {},
        "published": pledge.status == PledgeStatus.published, "figure_sentence": forms.figure_sentence,
        "survey_items": [("", _("Välj fråga")), *figures.survey_items(session, scope.municipality_id)],
        "area_options": area_options(session, scope), "priorities": [],
    }, status_code=status_code)


def activity_page(request: Request, session: Session, scope: Scope, pledge: Pledge, row: PledgeActivity, *,
                  errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    focus, _acts = queries.children(session, pledge)
    current = {"act_title": localized(row.title, "sv"), "act_party": "joint" if row.joint else str(row.party_id or ""),
               "act_target_number": "" if row.target_number is None else str(row.target_number),
               "act_target_unit": localized(row.target_unit, "sv"), "act_target_text": localized(row.target_text, "sv"),
               "act_starts_on": row.starts_on.isoformat() if row.starts_on else "",
               "act_ends_on": row.ends_on.isoformat() if row.ends_on else "",
               "act_focus_area_id": str(row.focus_area_id), "act_observation_id": str(row.observation_id or ""),
               "status": row.status, "cancel_reason": row.cancel_reason}
    view = public_view.pledge_view(session, pledge, "sv", updates_limit=200, staff=True)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    who = access.actor(session, scope)
    return render(request, "staff/pledges/activity.html", {
        **base_context(scope), "pledge": pledge, "row": row, "party": queries.party_label(row, names),
        "updates": [u for u in view["updates"] if u["activity_id"] == row.id],
        "values": {**current, **(values or {})}, "errors": errors or {},
        "published": pledge.status == PledgeStatus.published, "today": clock.today().isoformat(),
        "percent": progress.percent(progress.activity_progress(queries.facts(row))),
        "party_options": queries.party_options(session, scope.municipality_id),
        "focus_options": [(str(f.id), localized(f.title, "sv")) for f in focus],
        "observation_options": queries.observation_options(session, scope.municipality_id),
        "status_options": list(forms.activity_status_labels().items()),
        "max_mb": rules.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "may_act": rules.may_act_on_activity(who, row.party_id, row.joint),
        "update_labels": forms.update_state_labels(),
    }, status_code=status_code)


def update_page(request: Request, session: Session, scope: Scope, pledge: Pledge, update: PledgeUpdate, *,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    row = session.get(PledgeActivity, update.activity_id)
    assert row is not None
    who = access.actor(session, scope)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    current = {"upd_text": update.text, "upd_achieved": "" if update.achieved is None else str(update.achieved)}
    return render(request, "staff/pledges/update.html", {
        **base_context(scope), "pledge": pledge, "row": row, "update": update,
        "party": names.get(update.party_id or 0, ""),
        "values": {**current, **(values or {})}, "errors": errors or {},
        "update_labels": forms.update_state_labels(),
        "may_change": (scope.may("report") and rules.may_act_on_activity(who, row.party_id, row.joint)
                       and rules.may_change_update(who, update.party_id) and pledge.status != PledgeStatus.closed
                       and update.state in ("published", "pending")),
    }, status_code=status_code)


def translate_page(request: Request, session: Session, scope: Scope, pledge: Pledge, lang: str, *,
                   errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    focus, acts = queries.children(session, pledge)
    rows: list[dict[str, Any]] = [
        {"key": "pledge-title", "label": _("Rubrik"), "sv": pledge.title.get("sv", ""),
         "value": pledge.title.get(lang, "")},
        {"key": "pledge-intro", "label": _("Inledning"), "sv": pledge.intro.get("sv", ""),
         "value": pledge.intro.get(lang, ""), "long": True}]
    names = {"title": _("Rubrik"), "problem": _("Problembeskrivning"), "cause": _("Orsaksanalys"),
             "target_unit": _("Enhet"), "target_text": _("Mål i ord")}
    for fa in focus:
        for name in ("title", "problem", "cause"):
            texts = getattr(fa, name)
            if texts.get("sv"):
                rows.append({"key": f"fa-{fa.id}-{name}", "label": f"{localized(fa.title, 'sv')}: {names[name]}",
                             "sv": texts["sv"], "value": texts.get(lang, ""), "long": name != "title"})
    for act in acts:
        for name, label in (("title", _("Aktivitet")), ("target_unit", names["target_unit"]),
                            ("target_text", names["target_text"])):
            texts = getattr(act, name)
            if texts.get("sv"):
                rows.append({"key": f"act-{act.id}-{name}", "label": label, "sv": texts["sv"],
                             "value": texts.get(lang, ""), "long": name == "title"})
    langs = [(code, i18n.LANGUAGES[code].native_name) for code in scope.municipality.languages
             if code != "sv" and code in i18n.LANGUAGES]
    return render(request, "staff/pledges/translate.html", {
        **base_context(scope), "pledge": pledge, "rows": rows, "target": lang, "langs": langs,
        "lang_name": i18n.LANGUAGES[lang].native_name if lang in i18n.LANGUAGES else lang,
        "text_dir": i18n.direction(lang), "errors": errors or {}}, status_code=status_code)


def target_language(scope: Scope, raw: str | None) -> str:
    offered = [code for code in scope.municipality.languages if code != "sv" and code in i18n.LANGUAGES]
    return raw if raw in offered else (offered[0] if offered else "en")


def settle(write: Callable[[], R], then: Callable[[R], Response],
           again: Callable[[dict[str, str]], Response]) -> Response:
    """Every staff POST's one shape: run the service's write (it rolls itself back on a refusal), then answer with
    `then(result)`, or, when the service refused, with `again(errors)`: the page re-rendered with the errors."""
    try:
        result = write()
    except ValidationFailed as exc:
        return again(exc.errors)
    return then(result)


def refused(page: Callable[..., Response], *args: Any, prefix: str = "",
            **context: Any) -> Callable[[dict[str, str]], Response]:
    """`page(*args, **context)` re-rendered with a refusal's errors (400); with `prefix`, the version box's error
    is named for that form (`pl`, `fa`, `act`)."""
    return lambda errors: page(*args, errors=forms.remap(errors, prefix) if prefix else errors, status_code=400,
                               **context)
