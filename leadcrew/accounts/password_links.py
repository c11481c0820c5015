"""Setting a password from a link sent by e-mail: "Forgot password?" on the login page, and an
admin's invitation to a user who has no password yet.

Both links are Django's password-reset links (`default_token_generator`): the token is made of
the user's current password hash and last login, so it works once (setting the password or
logging in changes them) and for PASSWORD_RESET_TIMEOUT at most. Links are absolute, on
LEADCREW_SITE_URL; e-mails go through the project's mailer (LEADCREW_EMAIL_URL) in the user's
language.

A reset request answers the same whether the e-mail is a user's or not: only the e-mail itself
tells. Disabled users get no link, and a link of theirs stops working."""

import logging
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from leadcrew.access.actor import Actor
from leadcrew.accounts.models import User
from leadcrew.accounts.selectors import ensure_admin, user_get
from leadcrew.accounts.services import user_tokens_revoke_all
from leadcrew.accounts.throttle import reset_request_record
from leadcrew.core.errors import Code, InvalidParameter

logger = logging.getLogger("leadcrew.login")


class LinkKind(StrEnum):
    RESET = "reset"
    INVITATION = "invitation"


def password_link(user: User) -> str:
    """The absolute address of the page where `user` sets a password, valid once."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("web:password_set", kwargs={"uidb64": uid, "token": token})
    return f"{settings.LEADCREW_SITE_URL}{path}"


def _email_text(user: User, kind: LinkKind, inviter: User | None) -> tuple[str, str]:
    link = password_link(user)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    if kind == LinkKind.INVITATION:
        subject = _("You are invited to leadcrew")
        body = _(
            "%(inviter)s invited you to leadcrew, as %(email)s.\n\n"
            "Set your password to log in:\n%(link)s\n\n"
            "This link works once, for %(hours)s hours; ask %(inviter)s for a new one after that."
        ) % {
            "inviter": (inviter.full_name or inviter.email) if inviter else "leadcrew",
            "email": user.email,
            "link": link,
            "hours": hours,
        }
    else:
        subject = _("Set a new leadcrew password")
        body = _(
            "Someone asked for a new password for %(email)s on leadcrew.\n\n"
            "Choose it here:\n%(link)s\n\n"
            "This link works once, for %(hours)s hours. If you did not ask, ignore this e-mail: "
            "your password stays as it is."
        ) % {"email": user.email, "link": link, "hours": hours}
    return subject, body + "\n"


def _send(user: User, kind: LinkKind, inviter: User | None = None) -> None:
    with translation.override(user.locale):
        subject, body = _email_text(user, kind, inviter)
    send_mail(subject, body, None, [user.email])


def password_reset_request(*, email: str, address: str) -> None:
    """ "Forgot password?": e-mails a link to the user of that e-mail, if there is one who may
    log in. Raises RateLimited past the limits of leadcrew/accounts/throttle.py, whoever the
    e-mail belongs to; otherwise returns the same way in every case, a mailer failure
    included (it is logged)."""
    reset_request_record(email=email, address=address)
    user = User.objects.filter(email__iexact=email.strip(), is_disabled=False).first()
    if user is None or not user.has_usable_password():
        # Nobody to write to; a user without a password yet waits for an admin's invitation.
        logger.info("Password reset asked for %r: no user who may log in.", email[:254])
        return
    try:
        _send(user, LinkKind.RESET)
    except OSError:  # smtplib's errors included
        logger.exception("The password-reset e-mail to user %s could not be sent.", user.pk)


def invitation_send(*, actor: Actor, user_id: int) -> User:
    """An admin e-mails a user of their account the link to set their password (again, when
    the first e-mail got lost or the link expired). Raises OSError when the mailer fails, so
    that the admin knows the e-mail did not leave."""
    ensure_admin(actor)
    user = user_get(actor=actor, user_id=user_id)
    if user.is_disabled:
        raise InvalidParameter("user_id", Code.USER_DISABLED)
    inviter = User.objects.filter(pk=actor.user_id).first() if actor.user_id else None
    _send(user, LinkKind.INVITATION, inviter)
    return user


def password_link_user(*, uidb64: str, token: str) -> User | None:
    """The user a link is for, while its token is good and the user enabled; None otherwise."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    user = User.objects.filter(pk=user_id, is_disabled=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_link_used(*, user: User) -> None:
    """After the password is set from a link: the user's API tokens stop working, as after any
    password change (the link's token already did, with the old password hash)."""
    user_tokens_revoke_all(user=user)
