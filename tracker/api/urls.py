from django.urls import path

from tracker.api import views

urlpatterns = [
    path("intake/", views.IntakeView.as_view(), name="api-intake"),
    path("requests/", views.RequestListView.as_view(), name="api-requests"),
    path("requests/similar/", views.SimilarRequestsView.as_view(), name="api-similar"),
    path("requests/<int:number>/", views.RequestDetailView.as_view(), name="api-request"),
    path(
        "requests/<int:number>/mentions/",
        views.RequestMentionsView.as_view(),
        name="api-request-mentions",
    ),
    path(
        "requests/<int:number>/transition/",
        views.RequestTransitionView.as_view(),
        name="api-request-transition",
    ),
    path(
        "requests/<int:number>/merge/", views.RequestMergeView.as_view(), name="api-request-merge"
    ),
    path(
        "requests/<int:number>/history/",
        views.RequestHistoryView.as_view(),
        name="api-request-history",
    ),
    path("accounts/", views.AccountListView.as_view(), name="api-accounts"),
    path("accounts/<str:external_id>/", views.AccountDetailView.as_view(), name="api-account"),
    path("threads/", views.ThreadListView.as_view(), name="api-threads"),
    path("threads/<int:pk>/", views.ThreadDetailView.as_view(), name="api-thread"),
    path(
        "public/requests/<int:number>/",
        views.PublicRequestView.as_view(),
        name="api-public-request",
    ),
]
