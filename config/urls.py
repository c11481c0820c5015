from django.urls import include, path

from config.api import api, simple_api

urlpatterns = [
    path("api/v2/", api.urls),
    path("api/simple/", simple_api.urls),
    path("", include("leadcrew.web.urls")),
]
