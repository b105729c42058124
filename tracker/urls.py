from django.urls import path

from tracker import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
