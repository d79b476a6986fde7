"""Sending e-mail: through SMTP when SMTP_HOST is set, otherwise into the local outbox folder.

`send()` sends at once. `queue()` stores a message in the `mail_outbox` table inside the caller's transaction;
`deliver_pending()` sends queued messages (after the request, and from the `send-reminders` command), so a slow
or broken mail server never blocks or breaks what the resident did; failures are retried later.
"""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from fastapi import BackgroundTasks
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from app import clock, ratelimit
from app.config import get_settings
from app.models.dialogues import MailOutbox

log = logging.getLogger("app.mail")


MAX_ATTEMPTS = 8
CLAIM = timedelta(minutes=5)
CONFIRMATIONS_PER_ADDRESS_HOUR = 1  # sign-up and subscription confirmations: 20 requests must not mean 20 mails


# One shape for every address we take (staff, sign-ups, subscribers): no spaces, quotes or angle brackets; a
# fully qualified domain's trailing dot is allowed (mailbox() counts it as the same recipient).
EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}\.?$")


def valid_email(address: str) -> bool:
    return len(address) <= 254 and EMAIL_RE.match(address) is not None


def mailbox(address: str) -> str:
    """The mailbox an address delivers to, for counting mails per recipient: case, a "+tag" (sub-addressing) and a
    trailing dot on the domain do not make another recipient."""
    local, _at, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain.rstrip('.')}" if local else address.strip().lower()


def confirmation_allowed(session: Session, address: str) -> bool:
    """Counts a confirmation mail to `address` and says whether it may go out: at most one per address and hour,
    for event sign-ups and pledge subscriptions alike, counted in the database (the key is an HMAC of the address,
    which is never stored there). An empty address (a phone-only sign-up) gets no mail anyway."""
    if not address:
        return True
    now = clock.now()
    key = ratelimit.client_key("confirmation-mail", mailbox(address), now)
    return ratelimit.hit(session.connection(), key, now=now) <= CONFIRMATIONS_PER_ADDRESS_HOUR


def single_line(text: str) -> str:
    """A header value on one line: a CR/LF in a subject (an event title typed by staff) could add headers."""
    return " ".join("".join(" " if ch in "\t\r\n" or ord(ch) < 32 or ord(ch) == 127 else ch
                            for ch in text).split())


def build_message(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> EmailMessage:
    """Raises ValueError for an address that is not one (the caller marks that mail failed)."""
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to  # not folded: a CR/LF here is refused by the email package (ValueError), never sent
    message["Subject"] = single_line(subject)
    message["Message-ID"] = f"<{uuid.uuid4()}@trygghetsdialog>"
    for name, value in (headers or {}).items():
        message[name] = single_line(value)
    message.set_content(body)
    return message


def send(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> bool:
    """Send one message; returns False (and logs) on failure instead of breaking the caller's request."""
    try:
        _deliver(build_message(to, subject, body, headers))
        return True
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.warning("mail not sent: %s", type(exc).__name__)
        return False


def _deliver(message: EmailMessage) -> None:
    settings = get_settings()
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    else:
        settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (settings.outbox_dir / name).write_bytes(bytes(message))


def queue(session: Session, to: str, subject: str, body: str, *, ref: str = "",
          headers: dict[str, str] | None = None) -> MailOutbox:
    """Store a message for delivery; it is sent only if the caller's transaction commits."""
    row = MailOutbox(ref=ref, recipient=to, subject=single_line(subject)[:300], body=body, headers=headers or {})
    session.add(row)
    return row


def deliver_pending(session: Session, ids: list[int] | None = None, limit: int = 500) -> tuple[int, int]:
    """Send queued messages (only `ids` when given); returns (sent, failed). Safe to run in several processes:
    each message is claimed with a conditional UPDATE first, so it is sent once."""
    now = clock.now()
    query = select(MailOutbox.id).where(col(MailOutbox.attempts) < MAX_ATTEMPTS, or_(
        col(MailOutbox.claimed_until).is_(None), col(MailOutbox.claimed_until) < now))
    if ids is not None:
        if not ids:
            return 0, 0
        query = query.where(col(MailOutbox.id).in_(ids))
    candidates = [i for i in session.exec(query.order_by(col(MailOutbox.id)).limit(limit)).all() if i is not None]
    session.commit()
    sent = failed = 0
    for outbox_id in candidates:
        claimed = session.execute(update(MailOutbox).where(
            col(MailOutbox.id) == outbox_id,
            or_(col(MailOutbox.claimed_until).is_(None), col(MailOutbox.claimed_until) < now),
        ).values(claimed_until=now + CLAIM, attempts=col(MailOutbox.attempts) + 1))
        session.commit()
        if getattr(claimed, "rowcount", 0) != 1:
            continue
        row = session.get(MailOutbox, outbox_id)
        if row is None:
            continue
        try:
            message = build_message(row.recipient, row.subject, row.body, dict(row.headers))
        except ValueError as exc:  # can never be sent (a bad address): failed for good, and on with the rest
            failed += 1
            log.warning("mail cannot be sent: %s", type(exc).__name__)
            session.execute(update(MailOutbox).where(col(MailOutbox.id) == outbox_id).values(
                attempts=MAX_ATTEMPTS, last_error=f"{type(exc).__name__}: {exc}"[:200]))
            session.commit()
            continue
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            log.warning("mail not sent, will retry: %s", type(exc).__name__)
            backoff = timedelta(minutes=2 ** min(row.attempts, 8))
            session.execute(update(MailOutbox).where(col(MailOutbox.id) == outbox_id).values(
                claimed_until=clock.now() + backoff, last_error=type(exc).__name__[:200]))
        else:
            sent += 1
            session.execute(delete(MailOutbox).where(col(MailOutbox.id) == outbox_id))
        session.commit()
    return sent, failed


def outbox_files(header: str, value: str, limit: int = 100) -> list[dict[str, Any]]:
    """The newest messages in the development outbox folder whose `header` equals `value`."""
    folder = get_settings().outbox_dir
    if not folder.is_dir():
        return []
    found: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        with path.open("rb") as handle:
            message = BytesParser(policy=policy.default).parse(handle)
        if message.get(header) != value:
            continue
        body = message.get_body(preferencelist=("plain",))
        found.append({"name": path.name, "to": str(message["To"]), "subject": str(message["Subject"]),
                      "body": body.get_content() if body is not None else ""})
        if len(found) >= limit:
            break
    return found


def deliver_after_response(app: Any, background: BackgroundTasks, ids: list[int]) -> None:
    """Send the just-queued messages after the response has gone out; failures stay queued for the
    `send-reminders` command, so mail never blocks or breaks what the resident did."""
    if ids:
        background.add_task(_deliver_in_background, app, list(ids))


def _deliver_in_background(app: Any, ids: list[int]) -> None:
    try:
        with app.state.sessions.open() as session:
            deliver_pending(session, ids)
    except Exception:  # never let delivery trouble reach a request; the outbox keeps the message
        log.exception("mail delivery after response failed")
