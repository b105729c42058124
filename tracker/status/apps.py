from django.apps import AppConfig


class StatusPageConfig(AppConfig):
    name = "tracker.status"
    label = "status_page"
    verbose_name = "Public status page"

    def ready(self) -> None:
        # The domain says when a request's public view changed; the page drops its cache.
        from tracker.signals import public_view_changed
        from tracker.status import pages

        public_view_changed.connect(pages.forget_changed, dispatch_uid="status_page_forget")
