from django.urls import URLPattern, path

from tracker.status import views

app_name = "status_page"

urlpatterns: list[URLPattern] = [
    path("", views.lookup, name="lookup"),
    path("<int:number>/", views.request_page, name="request"),
    path("language/<str:code>/", views.language, name="language"),
]
