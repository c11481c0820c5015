"""Logging in and out, changing one's password and language."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leadcrew.accounts.models import User
from leadcrew.accounts.password_links import (
    password_link_used,
    password_link_user,
    password_reset_request,
)
from leadcrew.accounts.services import (
    UserProfile,
    user_authenticate,
    user_locale_set,
    user_profile_set,
    user_tokens_revoke_all,
)
from leadcrew.core.client_address import client_address
from leadcrew.core.errors import InvalidParameter, RateLimited, Unauthorized
from leadcrew.web.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    show_domain_error,
)
from leadcrew.web.views.base import WebRequest, safe_next
from leadcrew.web.views.notifications import notification_settings_form


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
    if isinstance(request.user, User):
        return redirect(next_url or reverse("web:leads"))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                address=client_address(request.META),
            )
        except RateLimited as error:
            form.add_error(None, error.text())
            response = render(
                request, "web/pages/login.html", {"form": form, "next": next_url}, status=429
            )
            response["Retry-After"] = str(error.retry_after)
            return response
        except Unauthorized as error:
            if error.type == "unauthorized_disabled_token":
                form.add_error(
                    None,
                    _("This account is disabled: ask an admin of your company to enable it again."),
                )
            else:
                form.add_error(None, error.text())
        else:
            login(request, user, backend="leadcrew.accounts.backends.EmailBackend")
            translation.activate(user.locale)
            return HttpResponseRedirect(next_url or reverse("web:leads"), status=303)
    return render(request, "web/pages/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("web:login"), status=303)


@login_required
@require_http_methods(["GET", "POST"])
def password_view(request: WebRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # Other browser sessions end with the old password; so do the user's API tokens.
        update_session_auth_hash(request, form.user)
        user_tokens_revoke_all(user=form.user)
        messages.success(request, _("Your password was changed."))
        return HttpResponseRedirect(reverse("web:password"), status=303)
    return render(request, "web/pages/password.html", {"form": form})


PROFILE_FIELDS = ("phone", "mobile_phone", "job_title", "time_zone", "avatar_url")


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: WebRequest) -> HttpResponse:
    user = request.user
    initial = {name: getattr(user, name) for name in PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_profile_set(user=user, profile=UserProfile(**form.cleaned_data))
        except InvalidParameter as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return HttpResponseRedirect(reverse("web:profile"), status=303)
    context = {"form": form, "notification_form": notification_settings_form(user)}
    return render(request, "web/pages/profile.html", context)


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """The user menu's switch: saved on the user (it follows them everywhere), and in a cookie
    for the login page."""
    form = LanguageForm(request.POST)
    next_url = safe_next(request, request.POST.get("next"), reverse("web:leads"))
    response = HttpResponseRedirect(next_url, status=303)
    if form.is_valid():
        locale = form.cleaned_data["locale"]
        if isinstance(request.user, User):
            user_locale_set(user=request.user, locale=locale)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, locale, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response


@require_http_methods(["GET", "POST"])
def password_forgot_view(request: HttpRequest) -> HttpResponse:
    """ "Forgot password?": the same answer whether the e-mail is a user's or not."""
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            password_reset_request(email=email, address=client_address(request.META))
        except RateLimited as error:
            form.add_error(None, error.text())
            response = render(request, "web/pages/password_forgot.html", {"form": form}, status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        messages.success(
            request,
            _(
                "If %(email)s is the e-mail of a leadcrew user, a link to set a new password is "
                "on its way. It works once; look in the spam folder too."
            )
            % {"email": email},
        )
        return HttpResponseRedirect(reverse("web:password_forgot"), status=303)
    return render(request, "web/pages/password_forgot.html", {"form": form})


# The link's token moves from the address to the session at once, so that the page's address
# (which the browser may send to other sites as a Referer) carries no token: Django's own way.
SET_PASSWORD_TOKEN = "_password_link_token"
TOKEN_IN_SESSION = "set-password"


@require_http_methods(["GET", "POST"])
def password_set_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The page of a link from a reset or invitation e-mail: a new password, then logged in."""
    if token != TOKEN_IN_SESSION:
        if password_link_user(uidb64=uidb64, token=token) is None:
            return render(request, "web/pages/password_set.html", {"invalid": True})
        request.session[SET_PASSWORD_TOKEN] = token
        url = reverse("web:password_set", kwargs={"uidb64": uidb64, "token": TOKEN_IN_SESSION})
        return HttpResponseRedirect(url)
    saved = request.session.get(SET_PASSWORD_TOKEN, "")
    user = password_link_user(uidb64=uidb64, token=saved)
    if user is None:
        return render(request, "web/pages/password_set.html", {"invalid": True})
    form = SetPasswordForm(user, request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        form.save()
        password_link_used(user=user)
        del request.session[SET_PASSWORD_TOKEN]
        login(request, user, backend="leadcrew.accounts.backends.EmailBackend")
        translation.activate(user.locale)
        messages.success(request, _("Your password is set: welcome."))
        return HttpResponseRedirect(reverse("web:leads"), status=303)
    context = {"form": form, "person": user, "first_time": not user.has_activated}
    return render(request, "web/pages/password_set.html", context)


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    return redirect("web:leads")
