"""Benchmarks, each run from the project root as a module: `python -m bench.suite` (all
figures, `make bench`), `bench.intake`, `bench.status_page`, `bench.notifications`,
`bench.admin_backlog`. bench/common.py holds what they share."""
