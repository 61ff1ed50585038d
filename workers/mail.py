"""Sending one email: SMTP in production, a file or the console in development."""

from __future__ import annotations

import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate

from portal.security import files


def build_message(config, *, to: str, subject: str, body: str, message_id: str) -> EmailMessage:
    """A plain-text message. EmailMessage refuses CR/LF in headers (header injection)."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def send(config, message: EmailMessage) -> None:
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(config, message)
    elif backend == "file":
        folder = files.private_dir(config["MAIL_DIR"])
        name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        files.write_private(folder / f"{name}.eml", message.as_bytes())
    elif backend == "console":
        sys.stdout.write(message.as_string() + "\n")
    else:
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")


def _send_smtp(config, message: EmailMessage) -> None:
    with smtplib.SMTP(config["MAIL_HOST"], config["MAIL_PORT"],
                      timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
