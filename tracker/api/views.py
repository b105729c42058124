"""Thin views: validate the input, call a service or selector, serialize the answer.
Errors are raised, never built here: tracker.api.exceptions turns them into answers."""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Prefetch, QuerySet
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound as NotFoundError
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker import selectors, services
from tracker.api import serializers as s
from tracker.api.filters import RequestFilter
from tracker.api.parsers import LimitedJSONParser
from tracker.api.permissions import (
    CanDecide,
    CanLog,
    CanReadAccounts,
    CanReadMentions,
    CanReadRequests,
    CanReadThreads,
)
from tracker.choices import Language
from tracker.models import Account, Decision, FeatureRequest, Mention, Thread
from tracker.search import similar_requests
from tracker.services.public_text import request_set_public_title
from tracker.status.limits import LookupThrottle


def _errors(description: str) -> OpenApiResponse:
    return OpenApiResponse(s.ErrorsSerializer, description=description)


UNAUTHENTICATED = {401: _errors("No or wrong credentials.")}
FORBIDDEN = {403: _errors("The user's groups do not allow this.")}
AUTH = {**UNAUTHENTICATED, **FORBIDDEN}
NOT_FOUND = {404: _errors("There is no such object.")}
BAD_INPUT = {
    400: _errors("The input is invalid; each entry names the field at fault."),
    413: _errors("The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE."),
    415: _errors("The body is not JSON."),
}
BAD_QUERY = {400: _errors("A query parameter is invalid; each entry names it.")}
CONFLICT = {409: _errors("The request's current status does not allow this.")}
BUSY = {503: _errors("Other changes to the same rows kept getting in the way: see Retry-After.")}
NUMBER = OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH)


class CheckedURL:
    """What every view of the API does before its own work: refuse a null character in the
    URL, which no account, thread or filter value can hold (PostgreSQL refuses one in any
    text, so it would otherwise fail deep in a query). In a path parameter it names nothing:
    404. In a query parameter it is bad input: 400 naming the parameter. Checked after
    authentication and permissions, so that a stranger learns nothing from it."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if any("\x00" in str(value) for value in kwargs.values()):
            raise NotFoundError("Nothing here: the address holds a null character.")
        refused = ProhibitNullCharactersValidator()
        bad = [
            name
            for name, values in request.query_params.lists()
            if any("\x00" in value for value in values)
        ]
        if bad:
            raise ValidationError({name: [refused.message] for name in bad}, code=refused.code)


class _JSONView(CheckedURL, APIView):
    parser_classes = [LimitedJSONParser]


# --- intake -----------------------------------------------------------------------------


class IntakeView(_JSONView):
    permission_classes = [CanLog]

    @extend_schema(
        operation_id="intake",
        summary="Log a customer thread against a request",
        description=(
            "Attaches the thread to request `request_number`, or logs a new request from "
            "`title`. Creates the account and thread on first sight. Idempotent per thread "
            "and request. A defect needs steps, started_how, expected, actual and at least one "
            "attachment URL; the 400 answer lists every part missing."
        ),
        request=s.IntakeSerializer,
        responses={
            201: OpenApiResponse(s.IntakeResultSerializer, description="A request was logged."),
            200: OpenApiResponse(
                s.IntakeResultSerializer, description="Attached to an existing request."
            ),
            **BAD_INPUT,
            **AUTH,
            **BUSY,
        },
    )
    def post(self, request: Request) -> Response:
        data = s.IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.intake_log(
            account=services.AccountData(**v["account"]),
            thread=services.ThreadData(**v["thread"]),
            request_number=v["request_number"],
            title=v["title"],
            description=v["description"],
            kind=v["kind"],
            criticality=v["criticality"],
            quote=v["quote"],
            report=services.DefectReport(
                steps=v["steps"],
                started_how=v["started_how"],
                expected=v["expected"],
                actual=v["actual"],
                attachments=v["attachments"],
            ),
            logged_by=request.user,  # type: ignore[arg-type]
        )
        # Exactly IntakeResultSerializer's fields and types (its schema documents them;
        # tests/api check the answer against it), without a serializer's cost per intake.
        answer = {
            "number": result.request.number,
            "created": result.request_created,
            "attached": result.mention_created,
            "status": str(result.request.status),
            "status_url": selectors.status_url(result.request.number),
            "redirected_from": result.redirected_from,
        }
        code = status.HTTP_201_CREATED if result.request_created else status.HTTP_200_OK
        return Response(answer, status=code)


# --- requests ---------------------------------------------------------------------------


@extend_schema(
    summary="The ranked backlog",
    description="Requests by score, best first, unless `ordering` says otherwise.",
    responses={200: s.RequestListSerializer(many=True), **BAD_QUERY, **AUTH},
)
class RequestListView(CheckedURL, generics.ListAPIView):
    permission_classes = [CanReadRequests]
    serializer_class = s.RequestListSerializer
    filterset_class = RequestFilter

    def get_queryset(self) -> QuerySet[FeatureRequest]:
        return selectors.ranked_backlog()


class RequestDetailView(_JSONView):
    def get_permissions(self) -> list[BasePermission]:
        return [CanDecide()] if self.request.method == "PATCH" else [CanReadRequests()]

    @staticmethod
    def _get(number: int) -> FeatureRequest:
        request = selectors.request_detail(number=number)
        if request is None:
            raise NotFoundError(f"There is no request {number}.")
        return request

    @extend_schema(
        summary="One request, with its score explained and its demand figures",
        parameters=[NUMBER],
        responses={200: s.RequestDetailSerializer, **BAD_QUERY, **AUTH, **NOT_FOUND},
    )
    def get(self, request: Request, number: int) -> Response:
        return Response(s.RequestDetailSerializer(self._get(number)).data)

    @extend_schema(
        summary="Set priority, criticality and/or the public title (product managers)",
        parameters=[NUMBER],
        request=s.RequestUpdateSerializer,
        responses={200: s.RequestDetailSerializer, **BAD_INPUT, **AUTH, **NOT_FOUND, **BUSY},
    )
    def patch(self, request: Request, number: int) -> Response:
        data = s.RequestUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "priority" in data.validated_data:
            services.request_set_priority(
                number=number,
                priority=data.validated_data["priority"],
                by=request.user,  # type: ignore[arg-type]
            )
        if "criticality" in data.validated_data:
            services.request_set_criticality(
                number=number,
                criticality=data.validated_data["criticality"],
                by=request.user,  # type: ignore[arg-type]
            )
        if "public_title" in data.validated_data:
            request_set_public_title(
                number=number,
                titles=data.validated_data["public_title"],
                by=request.user,  # type: ignore[arg-type]
            )
        return Response(s.RequestDetailSerializer(self._get(number)).data)


@extend_schema(
    summary="Who raised a request: every customer thread, newest first",
    description=(
        "Each mention: the customer account, the thread (channel slug and reference) and its "
        "language, the customer's words, how critical it is for them, when and by whom it "
        "was logged, and for a defect the report (steps, how it was started, expected and "
        "actual result, screenshot or video links); `report` is null when the mention "
        "carries none. A request lists its own mentions and those of the requests merged "
        "into it, each with the `request` it was raised on; a merged request lists its own."
    ),
    parameters=[NUMBER],
    responses={200: s.MentionSerializer(many=True), **BAD_QUERY, **AUTH, **NOT_FOUND},
)
class RequestMentionsView(CheckedURL, generics.ListAPIView):
    permission_classes = [CanReadMentions]
    serializer_class = s.MentionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Mention]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks for a model only
            return Mention.objects.none()
        number = self.kwargs["number"]
        mentions = selectors.request_mentions(number=number)
        if mentions is None:
            raise NotFoundError(f"There is no request {number}.")
        return mentions


class RequestTransitionView(_JSONView):
    permission_classes = [CanDecide]

    @extend_schema(
        summary="Change a request's status (product managers)",
        description="Every thread that raised it is told, with the public note.",
        parameters=[NUMBER],
        request=s.TransitionSerializer,
        responses={
            200: s.RequestDetailSerializer,
            **BAD_INPUT,
            **AUTH,
            **NOT_FOUND,
            **CONFLICT,
            **BUSY,
        },
    )
    def post(self, request: Request, number: int) -> Response:
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_transition(
            number=number,
            by=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(s.RequestDetailSerializer(RequestDetailView._get(number)).data)


class RequestMergeView(_JSONView):
    permission_classes = [CanDecide]

    @extend_schema(
        summary="Merge a request into another as a duplicate (product managers)",
        description="Answers with the request merged into, which now counts both demands.",
        parameters=[NUMBER],
        request=s.MergeSerializer,
        responses={
            200: s.RequestDetailSerializer,
            **BAD_INPUT,
            **AUTH,
            **NOT_FOUND,
            **CONFLICT,
            **BUSY,
        },
    )
    def post(self, request: Request, number: int) -> Response:
        data = s.MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survivor = services.request_merge(
            number=number,
            by=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(s.RequestDetailSerializer(RequestDetailView._get(survivor.number)).data)


@extend_schema(
    summary="A request's decisions (staff)",
    description=(
        "Every decision about the request, oldest first: status, merge, priority, "
        "criticality and wording, each value changed with its old and new value, who "
        "decided and when. A request merged into another keeps its own history."
    ),
    parameters=[NUMBER],
    responses={200: s.DecisionSerializer(many=True), **BAD_QUERY, **AUTH, **NOT_FOUND},
)
class RequestHistoryView(CheckedURL, generics.ListAPIView):
    permission_classes = [CanReadRequests]
    serializer_class = s.DecisionSerializer

    def get_queryset(self) -> QuerySet[Decision]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks for the model only
            return Decision.objects.none()
        number = self.kwargs["number"]
        if not FeatureRequest.objects.filter(number=number).exists():
            raise NotFoundError(f"There is no request {number}.")
        return Decision.objects.of_request(number)


class SimilarRequestsView(CheckedURL, APIView):
    permission_classes = [CanReadRequests]

    @extend_schema(
        summary="Requests like this text",
        description=(
            "Candidates for attaching instead of logging a duplicate: open requests first, "
            "then by similarity (0 to 1), best first. A merged request stands for the request "
            "it was merged into."
        ),
        parameters=[s.SimilarQuerySerializer],
        responses={200: s.SimilarSerializer(many=True), **BAD_QUERY, **AUTH},
    )
    def get(self, request: Request) -> Response:
        query = s.SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = similar_requests(
            query=query.validated_data["q"], limit=query.validated_data["limit"]
        )
        return Response(s.SimilarSerializer(found, many=True).data)


# --- accounts and threads ---------------------------------------------------------------


@extend_schema(responses={200: s.AccountSerializer(many=True), **BAD_QUERY, **AUTH})
class AccountListView(CheckedURL, generics.ListAPIView):
    permission_classes = [CanReadAccounts]
    serializer_class = s.AccountSerializer
    queryset = Account.objects.order_by("external_id")
    filterset_fields = ["plan"]


@extend_schema(responses={200: s.AccountSerializer, **BAD_QUERY, **AUTH, **NOT_FOUND})
class AccountDetailView(CheckedURL, generics.RetrieveAPIView):
    permission_classes = [CanReadAccounts]
    serializer_class = s.AccountSerializer
    queryset = Account.objects.all()
    lookup_field = "external_id"


def _threads() -> QuerySet[Thread]:
    return Thread.objects.select_related("channel", "account").prefetch_related(
        Prefetch("mentions", Mention.objects.only("thread_id", "request_id"))
    )


@extend_schema(responses={200: s.ThreadSerializer(many=True), **BAD_QUERY, **AUTH})
class ThreadListView(CheckedURL, generics.ListAPIView):
    permission_classes = [CanReadThreads]
    serializer_class = s.ThreadSerializer
    filterset_fields = {
        "channel__slug": ["exact"],
        "ref": ["exact"],
        "account__external_id": ["exact"],
        "language": ["exact"],
    }

    def get_queryset(self) -> QuerySet[Thread]:
        return _threads().order_by("id")


@extend_schema(responses={200: s.ThreadSerializer, **BAD_QUERY, **AUTH, **NOT_FOUND})
class ThreadDetailView(CheckedURL, generics.RetrieveAPIView):
    permission_classes = [CanReadThreads]
    serializer_class = s.ThreadSerializer

    def get_queryset(self) -> QuerySet[Thread]:
        return _threads()


# --- the public view --------------------------------------------------------------------


class PublicRequestView(CheckedURL, APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    # Numbers are sequential: without the status page's limit the backlog could be listed.
    throttle_classes = [LookupThrottle]

    @extend_schema(
        summary="What anyone may see of a request",
        description="No accounts, threads, customers' words, description, priority or score.",
        auth=[],
        parameters=[
            NUMBER,
            OpenApiParameter(
                "language",
                str,
                enum=["en", "ru", "ja"],
                required=False,
                description="The reader's language; default: Accept-Language, else English.",
            ),
        ],
        responses={
            200: s.PublicRequestSerializer,
            **BAD_QUERY,
            **NOT_FOUND,
            429: _errors("Too many look-ups from this address; see Retry-After."),
        },
    )
    def get(self, request: Request, number: int) -> Response:
        language = request.query_params.get("language") or get_language() or "en"
        if language[:2] not in Language.values:
            raise ValidationError(
                {"language": ["Use one of " + ", ".join(Language.values) + "."]}, code="invalid"
            )
        public = selectors.public_request(number=number, language=language[:2])
        if public is None:
            raise NotFoundError(f"There is no request {number}.")
        return Response(s.PublicRequestSerializer(public).data)
