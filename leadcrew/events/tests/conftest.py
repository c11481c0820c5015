import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from leadcrew.access.actor import Actor, actor_for_api_key, actor_for_user
from leadcrew.leads.models import Lead
from leadcrew.testing.api_world import World


def admin_actor(world: World) -> Actor:
    return actor_for_user(world.admin)


def key_actor(world: World) -> Actor:
    return actor_for_api_key(world.account)


def many_leads(world: World, count: int, **fields: object) -> list[int]:
    step = world.first_step()
    Lead.objects.bulk_create(
        Lead(
            account=world.account,
            title=f"Lead {n}",
            currency="EUR",
            step=step,
            **fields,
        )
        for n in range(count)
    )
    return list(
        Lead.objects.filter(account=world.account).order_by("pk").values_list("pk", flat=True)
    )


@pytest.fixture(autouse=True)
def _webhook_hosts(settings: object) -> None:
    settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]  # type: ignore[attr-defined]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


def body(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())
