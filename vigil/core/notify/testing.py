"""For tests: a real SMTP server on 127.0.0.1 (aiosmtpd) and Django settings pointing the
SMTP e-mail backend at it, so a test proves a notification's e-mail really goes out."""

from __future__ import annotations

import email
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.policy import default as default_policy


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message as the server received it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        # Django folds a long encoded subject onto a continuation line; mail clients
        # (and this) drop the folding whitespace.
        return str(self.message["Subject"]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)

    def settings(self) -> dict:
        """Overrides for `override_settings`: Django's SMTP backend to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host, "EMAIL_PORT": self.port, "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }


@contextmanager
def smtp_server():
    """Run an SMTP server on a free loopback port for the duration of the block."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
            sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def closed_port_settings() -> dict:
    """Settings of an SMTP server that is down: nothing listens on the port."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": free_port(), "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }
