"""The product managers' ranked backlog, one module per kind of page:

- `changelist`: the list itself (columns, filters, search, paging) and the ModelAdmin that
  brings the pages together;
- `request_page`: a request's own page (its score explained, mentions, history, chart);
- `decisions`: change status, set priority, set criticality, merge;
- `intake`: log a new request, or one more customer thread on a request;
- `export`: the filtered backlog as CSV.

Every change made here goes through tracker.services; the pages only collect input, show
what will happen, and turn the services' refusals into messages or form errors.
"""

from tracker.admin.requests.changelist import FeatureRequestAdmin

__all__ = ["FeatureRequestAdmin"]
