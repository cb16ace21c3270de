"""Security defaults as deploy/values.yaml overrides the official Rasa Helm chart."""

from typing import Any, Dict

import pytest
import yaml

from tests.servers import REPO


@pytest.fixture(scope="module")
def values() -> Dict[str, Any]:
    return yaml.safe_load((REPO / "deploy" / "values.yaml").read_text())


def test_helm_values_turn_off_the_chart_s_api_token_and_cors(values: Dict[str, Any]) -> None:
    args = values["args"]
    assert args[0] == "run"
    assert not {"--auth-token", "--cors", "--enable-api"} & set(args)
    settings = values["applicationSettings"]
    assert settings["enableAPI"] is False and settings["cors"] == "" and settings["token"] == ""
    assert settings["telemetry"]["enabled"] is False and settings["debugMode"] is False


def test_helm_values_use_our_stores_with_the_lock_store_on(values: Dict[str, Any]) -> None:
    endpoints = values["applicationSettings"]["endpoints"]
    assert endpoints["lockStore"]["enabled"] is True
    assert endpoints["lockStore"]["type"] == "stores.lock_store.AtomicRedisLockStore"
    assert endpoints["trackerStore"]["type"] == "stores.tracker_store.ResilientSQLTrackerStore"
    assert values["replicaCount"] >= 2


def test_helm_values_hold_no_password(values: Dict[str, Any]) -> None:
    assert values["global"]["postgresql"]["postgresqlPassword"] == ""
    assert values["global"]["postgresql"]["existingSecret"]
    assert values["global"]["redis"]["password"] == ""
    assert values["redis"]["auth"]["password"] == "" and values["redis"]["auth"]["existingSecret"]
    for value in (values["applicationSettings"]["endpoints"]["trackerStore"]["password"],
                  values["applicationSettings"]["endpoints"]["lockStore"]["password"]):
        assert value.startswith("${"), "credentials come from the environment"
