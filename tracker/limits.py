"""The size limits of what people type, written once: the models, the services, the API's
serializers and the admin's forms all read them from here."""

TITLE_MAX = 200
NOTE_MAX = 2_000
