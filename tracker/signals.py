"""Signals the domain sends, for the layers above it to act on without the domain
importing them."""

from django.dispatch import Signal

# What customers can see of some requests changed (a status, a merge, a new customer, the
# wording), and the change is committed. Sent with `numbers`, the requests' numbers; the
# status page drops its cached pages of them.
public_view_changed = Signal()
