"""Calibration tests: campaign specs are written into tmp_path. The `postgres` marker is registered in pyproject.toml
(`make test` starts a server for it with .ci/postgres.sh)."""
