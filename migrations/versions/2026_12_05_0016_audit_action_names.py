"""Audit actions renamed to one scheme, "<entity>.<verb>" (app/audit.py Action): rows written before keep their
meaning under the new name, so the audit page's filter finds old and new rows alike.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old action, entity, new action)
RENAMES = [
    ('accept', 'membership', 'membership.accept'),
    ('add_photo', 'walk_observation', 'walk_observation.add_photo'),
    ('cancel', 'dialogue_event', 'dialogue_event.cancel'),
    ('change_role', 'membership', 'membership.change_role'),
    ('concerns.crime_import', 'crime_statistic', 'crime_statistic.import'),
    ('concerns.priorities', 'concern_priority', 'concern_priority.save'),
    ('concerns.retag', 'survey_answer', 'survey_answer.retag'),
    ('concerns.term', 'concern_theme_term', 'concern_theme_term.create'),
    ('concerns.term_delete', 'concern_theme_term', 'concern_theme_term.delete'),
    ('copy_wave', 'survey', 'survey.copy_wave'),
    ('create', 'area', 'area.create'),
    ('create', 'dialogue_event', 'dialogue_event.create'),
    ('create', 'municipality', 'municipality.create'),
    ('create', 'party', 'party.create'),
    ('create', 'police_area', 'police_area.create'),
    ('create', 'survey', 'survey.create'),
    ('create', 'survey_question', 'survey_question.create'),
    ('create', 'walk_observation', 'walk_observation.create'),
    ('create_admin', 'staff_user', 'staff_user.create_admin'),
    ('decline', 'invitation', 'invitation.decline'),
    ('delete', 'area', 'area.delete'),
    ('delete', 'party', 'party.delete'),
    ('delete', 'survey_question', 'survey_question.delete'),
    ('disable', 'staff_user', 'staff_user.disable'),
    ('download_codes', 'survey', 'survey.download_codes'),
    ('enable', 'staff_user', 'staff_user.enable'),
    ('export_responses', 'survey', 'survey.export_responses'),
    ('generate_codes', 'survey', 'survey.generate_codes'),
    ('import_paper', 'survey', 'survey.import_paper'),
    ('invite', 'invitation', 'invitation.invite'),
    ('membership.party', 'membership', 'membership.change_party'),
    ('message_all', 'dialogue_event', 'dialogue_event.message_all'),
    ('move', 'survey_question', 'survey_question.move'),
    ('password_reset_link', 'staff_user', 'staff_user.password_reset_link'),
    ('password_set', 'staff_user', 'staff_user.password_set'),
    ('pledge.activity.save', 'pledge_activity', 'pledge_activity.save'),
    ('pledge.activity.status', 'pledge_activity', 'pledge_activity.change_status'),
    ('pledge.close', 'pledge', 'pledge.close'),
    ('pledge.create', 'pledge', 'pledge.create'),
    ('pledge.edit', 'pledge', 'pledge.update'),
    ('pledge.extend', 'pledge', 'pledge.extend'),
    ('pledge.focus_area.delete', 'pledge_focus_area', 'pledge_focus_area.delete'),
    ('pledge.focus_area.save', 'pledge_focus_area', 'pledge_focus_area.save'),
    ('pledge.indicator.add', 'pledge_indicator', 'pledge_indicator.add'),
    ('pledge.indicator.remeasure', 'pledge_indicator', 'pledge_indicator.remeasure'),
    ('pledge.proposal.approve', 'pledge_proposal', 'pledge_proposal.approve'),
    ('pledge.proposal.create', 'pledge_proposal', 'pledge_proposal.create'),
    ('pledge.proposal.reject', 'pledge_proposal', 'pledge_proposal.reject'),
    ('pledge.reminder', 'staff_user', 'staff_user.pledge_reminder'),
    ('pledge.reopen', 'pledge', 'pledge.reopen'),
    ('pledge.reopen_request', 'pledge', 'pledge.reopen_request'),
    ('pledge.return', 'pledge', 'pledge.return'),
    ('pledge.settings', 'municipality', 'municipality.pledge_settings'),
    ('pledge.sign', 'pledge_signature', 'pledge_signature.sign'),
    ('pledge.sign_publish', 'pledge', 'pledge.sign_publish'),
    ('pledge.signatory.add', 'pledge_signatory', 'pledge_signatory.add'),
    ('pledge.submit', 'pledge', 'pledge.submit'),
    ('pledge.translate', 'pledge', 'pledge.translate'),
    ('pledge.update.approve', 'pledge_update', 'pledge_update.approve'),
    ('pledge.update.correct', 'pledge_update', 'pledge_update.correct'),
    ('pledge.update.post', 'pledge_update', 'pledge_update.post'),
    ('pledge.update.reject', 'pledge_update', 'pledge_update.reject'),
    ('pledge.update.withdraw', 'pledge_update', 'pledge_update.withdraw'),
    ('pledge.version', 'pledge_version', 'pledge_version.create'),
    ('purge_signups', 'dialogue_event', 'dialogue_event.purge_signups'),
    ('remove', 'membership', 'membership.remove'),
    ('status', 'survey', 'survey.change_status'),
    ('two_factor_off', 'staff_user', 'staff_user.two_factor_off'),
    ('two_factor_on', 'staff_user', 'staff_user.two_factor_on'),
    ('two_factor_reset', 'staff_user', 'staff_user.two_factor_reset'),
    ('update', 'area', 'area.update'),
    ('update', 'dialogue_event', 'dialogue_event.update'),
    ('update', 'municipality', 'municipality.update'),
    ('update', 'party', 'party.update'),
    ('update', 'survey', 'survey.update'),
    ('update', 'survey_question', 'survey_question.update'),
    ('update', 'walk_observation', 'walk_observation.update'),
    ('update_texts', 'survey', 'survey.update_texts'),
    ('withdraw', 'invitation', 'invitation.withdraw'),
]

_audit = sa.table("audit_log", sa.column("action", sa.String), sa.column("entity", sa.String))


def upgrade() -> None:
    for old, entity, new in RENAMES:
        op.execute(_audit.update().where(_audit.c.action == old, _audit.c.entity == entity).values(action=new))


def downgrade() -> None:
    for old, entity, new in RENAMES:
        op.execute(_audit.update().where(_audit.c.action == new, _audit.c.entity == entity).values(action=old))
