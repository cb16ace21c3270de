"""The tests' scale-out stack: the launcher's cluster (scripts/cluster.py), one replica with the HTTP API."""

from __future__ import annotations

import uuid

from scripts.cluster import Cluster, remove, start_cluster

__all__ = ["API_ARGS", "JWT_SECRET", "Cluster", "remove", "start_cluster"]

JWT_SECRET = f"test-{uuid.uuid4().hex}"
# Replica 1 of the tests' cluster runs with the HTTP API on, as `make rasa RASA_JWT_SECRET=...` starts it.
API_ARGS = ["--enable-api", "--jwt-secret", JWT_SECRET, "--jwt-method", "HS256"]
