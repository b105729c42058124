"""Production settings, plus the URLs of the benchmarks' yardsticks. Only bench/ runs with
it (DJANGO_SETTINGS_MODULE=config.bench_settings); everything else is read from the
environment as in production, except the statement timeout: the suite's maintenance
(generate_load at full scale, VACUUM ANALYZE of the whole database) runs statements longer
than any web request may, so it is off unless the environment sets one."""

import os

os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
