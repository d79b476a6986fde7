"""Sending e-mail: through SMTP when SMTP_HOST is set, otherwise into the local outbox folder."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage

from app import clock
from app.config import get_settings

log = logging.getLogger("app.mail")


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    settings = get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@trygghetsdialog>"
    message.set_content(body)
    return message


def send(to: str, subject: str, body: str) -> bool:
    """Send one message; returns False (and logs) on failure instead of breaking the caller's request."""
    settings = get_settings()
    message = build_message(to, subject, body)
    try:
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
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail not sent: %s", type(exc).__name__)
        return False
