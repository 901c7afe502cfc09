"""Calibration tests: campaign specs written into tmp_path, the `postgres` marker."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server (HYBRID_RG_POSTGRES_URL; .ci/postgres.sh)")
