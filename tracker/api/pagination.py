from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.pagination import LargeTablePaginator


class ApiPaginator(LargeTablePaginator):
    # 200 pages of 50: an integration that wants more narrows its filters.
    count_cap = 10_000


class Pagination(PageNumberPagination):
    """Pages of the ranked list whose count stays cheap at 100,000 requests: it is exact up
    to 10,000 and capped beyond (`count_capped`), or PostgreSQL's estimate when unfiltered
    (`count_estimated`).

    A page that is not there (`0`, `x`, past the last) is a wrong query parameter: 400
    naming `page`, like any other, rather than DRF's 404, which would say the list itself
    does not exist."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = ApiPaginator
    invalid_page_message = "There is no page {page_number}: {message}."

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            detail = ErrorDetail(str(exc.detail), code="invalid")
            raise ValidationError({self.page_query_param: [detail]}) from None

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = getattr(self.page, "paginator", None)
        capped = isinstance(paginator, ApiPaginator) and paginator.is_capped
        estimated = isinstance(paginator, ApiPaginator) and paginator.is_estimated
        response.data["count_capped"] = capped
        response.data["count_estimated"] = estimated
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "More rows match than `count` says (it stopped at 10,001).",
        }
        paginated["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "`count` is the database's estimate of the whole table.",
        }
        return paginated

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "A page number from 1; past the last page is a 400."
            elif parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows a page (default {self.page_size}, at most {self.max_page_size})."
                )
        return parameters
