from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from tracker.pagination import LargeTablePaginator


class ApiPaginator(LargeTablePaginator):
    # 200 pages of 50: an integration that wants more narrows its filters.
    count_cap = 10_000


class Pagination(PageNumberPagination):
    """Pages of the ranked list whose count stays cheap at 100,000 requests: it is exact up
    to 10,000 and capped beyond (`count_capped`), or PostgreSQL's estimate when unfiltered
    (`count_estimated`)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = ApiPaginator

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
