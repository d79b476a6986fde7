"""The audit log: who changed what, when, with before/after snapshots. Written in the caller's transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import Session, SQLModel

from app.i18n import gettext as _
from app.models import AuditLog, StaffUser

_SECRET_FIELDS = frozenset({"password_hash"})


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = obj.model_dump(mode="json", warnings=False)  # enum columns read back from the database as plain str
    return {key: value for key, value in data.items() if key not in _SECRET_FIELDS}


class Action(StrEnum):
    """Every audited action, named "<entity>.<verb>" (the entity as in the log's entity column)."""

    AREA_CREATE = "area.create"
    AREA_DELETE = "area.delete"
    AREA_UPDATE = "area.update"
    CONCERN_PRIORITY_SAVE = "concern_priority.save"
    CONCERN_THEME_TERM_CREATE = "concern_theme_term.create"
    CONCERN_THEME_TERM_DELETE = "concern_theme_term.delete"
    CRIME_STATISTIC_IMPORT = "crime_statistic.import"
    AGREEMENT_SAVE = "agreement.save"
    CYCLE_CREATE = "cycle.create"
    CYCLE_STEP_SAVE = "cycle_step.save"
    CYCLE_CHECK_ADD = "cycle_check.add"
    CYCLE_CHECK_TICK = "cycle_check.tick"
    SITUATION_DOCUMENT_ADOPT = "situation_document.adopt"
    SITUATION_DOCUMENT_SAVE = "situation_document.save"
    DIALOGUE_EVENT_CANCEL = "dialogue_event.cancel"
    DIALOGUE_EVENT_CREATE = "dialogue_event.create"
    DIALOGUE_EVENT_MESSAGE_ALL = "dialogue_event.message_all"
    DIALOGUE_EVENT_PURGE_SIGNUPS = "dialogue_event.purge_signups"
    DIALOGUE_EVENT_UPDATE = "dialogue_event.update"
    INVITATION_DECLINE = "invitation.decline"
    INVITATION_INVITE = "invitation.invite"
    INVITATION_WITHDRAW = "invitation.withdraw"
    MEMBERSHIP_ACCEPT = "membership.accept"
    MEMBERSHIP_CHANGE_PARTY = "membership.change_party"
    MEMBERSHIP_CHANGE_ROLE = "membership.change_role"
    MEMBERSHIP_REMOVE = "membership.remove"
    MUNICIPALITY_CREATE = "municipality.create"
    MUNICIPALITY_PLEDGE_SETTINGS = "municipality.pledge_settings"
    MUNICIPALITY_UPDATE = "municipality.update"
    PARTY_CREATE = "party.create"
    PARTY_DELETE = "party.delete"
    PARTY_UPDATE = "party.update"
    PLEDGE_CLOSE = "pledge.close"
    PLEDGE_CREATE = "pledge.create"
    PLEDGE_EXTEND = "pledge.extend"
    PLEDGE_REOPEN = "pledge.reopen"
    PLEDGE_REOPEN_REQUEST = "pledge.reopen_request"
    PLEDGE_RETURN = "pledge.return"
    PLEDGE_SIGN_PUBLISH = "pledge.sign_publish"
    PLEDGE_SUBMIT = "pledge.submit"
    PLEDGE_TRANSLATE = "pledge.translate"
    PLEDGE_UPDATE = "pledge.update"
    PLEDGE_ACTIVITY_CHANGE_STATUS = "pledge_activity.change_status"
    PLEDGE_ACTIVITY_SAVE = "pledge_activity.save"
    PLEDGE_FOCUS_AREA_DELETE = "pledge_focus_area.delete"
    PLEDGE_FOCUS_AREA_SAVE = "pledge_focus_area.save"
    PLEDGE_INDICATOR_ADD = "pledge_indicator.add"
    PLEDGE_INDICATOR_REMEASURE = "pledge_indicator.remeasure"
    PLEDGE_PROPOSAL_APPROVE = "pledge_proposal.approve"
    PLEDGE_PROPOSAL_CREATE = "pledge_proposal.create"
    PLEDGE_PROPOSAL_REJECT = "pledge_proposal.reject"
    PLEDGE_SIGNATORY_ADD = "pledge_signatory.add"
    PLEDGE_SIGNATURE_SIGN = "pledge_signature.sign"
    PLEDGE_UPDATE_APPROVE = "pledge_update.approve"
    PLEDGE_UPDATE_CORRECT = "pledge_update.correct"
    PLEDGE_UPDATE_POST = "pledge_update.post"
    PLEDGE_UPDATE_REJECT = "pledge_update.reject"
    PLEDGE_UPDATE_WITHDRAW = "pledge_update.withdraw"
    PLEDGE_VERSION_CREATE = "pledge_version.create"
    POLICE_AREA_CREATE = "police_area.create"
    STAFF_USER_CREATE_ADMIN = "staff_user.create_admin"
    STAFF_USER_DISABLE = "staff_user.disable"
    STAFF_USER_ENABLE = "staff_user.enable"
    STAFF_USER_PASSWORD_RESET_LINK = "staff_user.password_reset_link"  # noqa: S105 - an action name, no secret
    STAFF_USER_PASSWORD_SET = "staff_user.password_set"  # noqa: S105 - an action name, no secret
    STAFF_USER_PLEDGE_REMINDER = "staff_user.pledge_reminder"
    STAFF_USER_TWO_FACTOR_OFF = "staff_user.two_factor_off"
    STAFF_USER_TWO_FACTOR_ON = "staff_user.two_factor_on"
    STAFF_USER_TWO_FACTOR_RESET = "staff_user.two_factor_reset"
    SURVEY_CHANGE_STATUS = "survey.change_status"
    SURVEY_COPY_WAVE = "survey.copy_wave"
    SURVEY_CREATE = "survey.create"
    SURVEY_DOWNLOAD_CODES = "survey.download_codes"
    SURVEY_EXPORT_RESPONSES = "survey.export_responses"
    SURVEY_GENERATE_CODES = "survey.generate_codes"
    SURVEY_IMPORT_PAPER = "survey.import_paper"
    SURVEY_UPDATE = "survey.update"
    SURVEY_UPDATE_TEXTS = "survey.update_texts"
    SURVEY_ANSWER_RETAG = "survey_answer.retag"
    SURVEY_QUESTION_CREATE = "survey_question.create"
    SURVEY_QUESTION_DELETE = "survey_question.delete"
    SURVEY_QUESTION_MOVE = "survey_question.move"
    SURVEY_QUESTION_UPDATE = "survey_question.update"
    WALK_OBSERVATION_ADD_PHOTO = "walk_observation.add_photo"
    WALK_OBSERVATION_CREATE = "walk_observation.create"
    WALK_OBSERVATION_UPDATE = "walk_observation.update"


def label(action: str) -> str:
    """The action in words for the audit page; an action no longer written (older rows) shows as stored."""
    labels: dict[str, str] = {
        Action.AREA_CREATE: _("Område skapat"),
        Action.AREA_DELETE: _("Område borttaget"),
        Action.AREA_UPDATE: _("Område ändrat"),
        Action.CONCERN_PRIORITY_SAVE: _("Prioriteringar sparade"),
        Action.CONCERN_THEME_TERM_CREATE: _("Temaord tillagt"),
        Action.CONCERN_THEME_TERM_DELETE: _("Temaord borttaget"),
        Action.CRIME_STATISTIC_IMPORT: _("Brottsstatistik inläst"),
        Action.AGREEMENT_SAVE: _("Samverkansöverenskommelse sparad"),
        Action.CYCLE_CREATE: _("Arbetscykel skapad"),
        Action.CYCLE_STEP_SAVE: _("Steg i arbetscykeln ändrat"),
        Action.CYCLE_CHECK_ADD: _("Punkt i checklistan tillagd"),
        Action.CYCLE_CHECK_TICK: _("Punkt i checklistan bockad"),
        Action.SITUATION_DOCUMENT_ADOPT: _("Lägesbild eller åtgärdsplan antagen"),
        Action.SITUATION_DOCUMENT_SAVE: _("Lägesbild eller åtgärdsplan sparad"),
        Action.DIALOGUE_EVENT_CANCEL: _("Dialogtillfälle inställt"),
        Action.DIALOGUE_EVENT_CREATE: _("Dialogtillfälle skapat"),
        Action.DIALOGUE_EVENT_MESSAGE_ALL: _("Meddelande till alla anmälda"),
        Action.DIALOGUE_EVENT_PURGE_SIGNUPS: _("Anmälningar raderade"),
        Action.DIALOGUE_EVENT_UPDATE: _("Dialogtillfälle ändrat"),
        Action.INVITATION_DECLINE: _("Inbjudan avböjd"),
        Action.INVITATION_INVITE: _("Inbjuden"),
        Action.INVITATION_WITHDRAW: _("Inbjudan återkallad"),
        Action.MEMBERSHIP_ACCEPT: _("Inbjudan accepterad"),
        Action.MEMBERSHIP_CHANGE_PARTY: _("Ny part för kontot"),
        Action.MEMBERSHIP_CHANGE_ROLE: _("Ny roll"),
        Action.MEMBERSHIP_REMOVE: _("Borttagen ur kommunen"),
        Action.MUNICIPALITY_CREATE: _("Kommun skapad"),
        Action.MUNICIPALITY_PLEDGE_SETTINGS: _("Inställningar för medborgarlöften ändrade"),
        Action.MUNICIPALITY_UPDATE: _("Kommunens uppgifter ändrade"),
        Action.PARTY_CREATE: _("Part skapad"),
        Action.PARTY_DELETE: _("Part borttagen"),
        Action.PARTY_UPDATE: _("Part ändrad"),
        Action.PLEDGE_CLOSE: _("Medborgarlöfte avslutat"),
        Action.PLEDGE_CREATE: _("Medborgarlöfte skapat"),
        Action.PLEDGE_EXTEND: _("Medborgarlöfte förlängt"),
        Action.PLEDGE_REOPEN: _("Medborgarlöfte öppnat igen"),
        Action.PLEDGE_REOPEN_REQUEST: _("Begäran att öppna medborgarlöftet igen"),
        Action.PLEDGE_RETURN: _("Medborgarlöfte skickat tillbaka"),
        Action.PLEDGE_SIGN_PUBLISH: _("Medborgarlöfte undertecknat och publicerat"),
        Action.PLEDGE_SUBMIT: _("Medborgarlöfte skickat för underskrift"),
        Action.PLEDGE_TRANSLATE: _("Översättning av medborgarlöfte"),
        Action.PLEDGE_UPDATE: _("Medborgarlöfte ändrat"),
        Action.PLEDGE_ACTIVITY_CHANGE_STATUS: _("Aktivitetens status ändrad"),
        Action.PLEDGE_ACTIVITY_SAVE: _("Aktivitet sparad"),
        Action.PLEDGE_FOCUS_AREA_DELETE: _("Fokusområde borttaget"),
        Action.PLEDGE_FOCUS_AREA_SAVE: _("Fokusområde sparat"),
        Action.PLEDGE_INDICATOR_ADD: _("Indikator tillagd"),
        Action.PLEDGE_INDICATOR_REMEASURE: _("Indikator mätt på nytt"),
        Action.PLEDGE_PROPOSAL_APPROVE: _("Ändringsförslag godkänt"),
        Action.PLEDGE_PROPOSAL_CREATE: _("Ändringsförslag lämnat"),
        Action.PLEDGE_PROPOSAL_REJECT: _("Ändringsförslag avslaget"),
        Action.PLEDGE_SIGNATORY_ADD: _("Undertecknare tillagd"),
        Action.PLEDGE_SIGNATURE_SIGN: _("Undertecknat"),
        Action.PLEDGE_UPDATE_APPROVE: _("Uppdatering godkänd"),
        Action.PLEDGE_UPDATE_CORRECT: _("Uppdatering rättad"),
        Action.PLEDGE_UPDATE_POST: _("Uppdatering lämnad"),
        Action.PLEDGE_UPDATE_REJECT: _("Uppdatering avslagen"),
        Action.PLEDGE_UPDATE_WITHDRAW: _("Uppdatering återtagen"),
        Action.PLEDGE_VERSION_CREATE: _("Version sparad"),
        Action.POLICE_AREA_CREATE: _("Lokalpolisområde skapat"),
        Action.STAFF_USER_CREATE_ADMIN: _("Administratör skapad"),
        Action.STAFF_USER_DISABLE: _("Konto avstängt"),
        Action.STAFF_USER_ENABLE: _("Konto aktiverat"),
        Action.STAFF_USER_PASSWORD_RESET_LINK: _("Länk för nytt lösenord"),
        Action.STAFF_USER_PASSWORD_SET: _("Lösenord valt"),
        Action.STAFF_USER_PLEDGE_REMINDER: _("Påminnelse om medborgarlöfte"),
        Action.STAFF_USER_TWO_FACTOR_OFF: _("Tvåstegsverifiering av"),
        Action.STAFF_USER_TWO_FACTOR_ON: _("Tvåstegsverifiering på"),
        Action.STAFF_USER_TWO_FACTOR_RESET: _("Tvåstegsverifiering återställd"),
        Action.SURVEY_CHANGE_STATUS: _("Enkätens status ändrad"),
        Action.SURVEY_COPY_WAVE: _("Kopierad som nästa mätomgång"),
        Action.SURVEY_CREATE: _("Enkät skapad"),
        Action.SURVEY_DOWNLOAD_CODES: _("Brevkoder hämtade"),
        Action.SURVEY_EXPORT_RESPONSES: _("Svar exporterade"),
        Action.SURVEY_GENERATE_CODES: _("Brevkoder skapade"),
        Action.SURVEY_IMPORT_PAPER: _("Pappersenkäter inlästa"),
        Action.SURVEY_UPDATE: _("Enkät ändrad"),
        Action.SURVEY_UPDATE_TEXTS: _("Enkätens texter ändrade"),
        Action.SURVEY_ANSWER_RETAG: _("Svarets teman ändrade"),
        Action.SURVEY_QUESTION_CREATE: _("Fråga skapad"),
        Action.SURVEY_QUESTION_DELETE: _("Fråga borttagen"),
        Action.SURVEY_QUESTION_MOVE: _("Fråga flyttad"),
        Action.SURVEY_QUESTION_UPDATE: _("Fråga ändrad"),
        Action.WALK_OBSERVATION_ADD_PHOTO: _("Foto tillagt"),
        Action.WALK_OBSERVATION_CREATE: _("Iakttagelse skapad"),
        Action.WALK_OBSERVATION_UPDATE: _("Iakttagelse ändrad"),
    }
    return labels.get(action, action)


def record(session: Session, actor: StaffUser | None, action: Action, entity: str, entity_id: int | None,
           *, municipality_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(actor_id=actor.id if actor else None, municipality_id=municipality_id,
                         action=action, entity=entity, entity_id=entity_id, before=before, after=after))
