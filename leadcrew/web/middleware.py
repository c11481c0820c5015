"""Per request of the web app: the reader's language and time zone, and domain refusals shown
as the 404 and 403 pages."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.views import defaults

from leadcrew.accounts.models import Locale, User
from leadcrew.core.errors import Forbidden, NotFound

API_PREFIX = "/api/"


class WebRequestMiddleware:
    """A logged-in user reads the pages in their own `locale`, with dates in their account's
    time zone; anyone else in the language their browser (or the login page's switch) asks for.
    The API is left alone: it speaks English and UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return self.get_response(request)
        user = request.user
        if isinstance(user, User):
            language = user.locale if user.locale in Locale.values else Locale.EN
            timezone.activate(user.account.zone)
        else:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A lead the reader may not see does not exist for them; a refused action is a 403
        page. Views turn the errors they expect into form messages; this is the safety net."""
        if request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404())
        if isinstance(exception, Forbidden):
            response = render(request, "403.html", {"message": exception.text()})
            response.status_code = 403
            return response
        return None
