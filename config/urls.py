from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tracker.admin.language import my_language_view

urlpatterns: list[URLPattern | URLResolver] = [
    # Before the admin's own URLs, whose catch-all would take "my-language" for an app.
    path(
        "admin/my-language/",
        admin.site.admin_view(my_language_view),
        name="admin-my-language",
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("tracker.api.urls")),
    path("status/", include("tracker.status.urls")),
    path("integrations/", include("tracker.integrations.urls")),
    path("", include("tracker.urls")),
]

# The API answers its clients in its error shape even when Django itself fails.
handler500 = "tracker.api.exceptions.server_error"
