from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v2/", api.urls),
    path("", include("leadcrew.web.urls")),
]
