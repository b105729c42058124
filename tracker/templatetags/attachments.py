"""`{% load attachments %}`: `{{ url|attachment_link }}` shows a defect report's link safely."""

from django import template

from tracker.attachments import attachment_link

register = template.Library()
register.filter("attachment_link", attachment_link)
