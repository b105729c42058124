"""Production settings, plus the URLs of the benchmarks' yardsticks. Only bench/ runs with
it (DJANGO_SETTINGS_MODULE=config.bench_settings); everything else is read from the
environment as in production."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
