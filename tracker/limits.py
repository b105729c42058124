"""The size limits of what people type, written once: the models, the services, the API's
serializers and the admin's forms all read them from here."""

# A request.
TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
# A status change's public note.
NOTE_MAX = 2_000
# A search of the backlog, in the API's `q` filter.
SEARCH_TERM_MAX = 200
# How deeply a JSON body may nest: an intake is three levels deep. Python's parser recurses
# once per level and gives up near a thousand, so the API's parser stops far before that.
JSON_DEPTH_MAX = 32

# A mention: the customer's words and a defect's report.
QUOTE_MAX = 10_000
STEPS_MAX = 10_000
STARTED_HOW_MAX = 2_000
EXPECTED_MAX = 5_000
ACTUAL_MAX = 5_000
ATTACHMENTS_MAX = 20
ATTACHMENT_URL_MAX = 2_000

# Who and where: an account, a channel, a thread.
EXTERNAL_ID_MAX = 255
NAME_MAX = 255
CHANNEL_SLUG_MAX = 64
THREAD_REF_MAX = 255

# The largest request number: the primary key is a 64-bit signed integer, so anything
# larger cannot name a request (and would overflow the database's integer).
NUMBER_MAX = 2**63 - 1
