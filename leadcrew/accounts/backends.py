from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from leadcrew.accounts.models import User


class EmailBackend(ModelBackend):
    """Log in by e-mail (any case); a disabled user never gets in."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = username or kwargs.get("email")
        if not email or not password:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing tells nothing
            return None
        if user.check_password(password) and not user.is_disabled:
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and not user.is_disabled else None
