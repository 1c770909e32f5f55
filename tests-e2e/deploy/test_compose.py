"""deploy/compose.yaml, read as Compose would: `make up` starts a stack that can work."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import deploy_manifests as dm
import deploy_settings as ds
import pytest

from maitred_platform.provision import service_database

SERVER_PORTS = {"postgres": 5432, "rabbitmq": 5672, "redis": 6379, "mailpit": 1025}


def is_job(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def depends(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def test_compose_file_holds_the_servers_the_jobs_and_the_four_services(compose):
    expected = {
        "postgres",
        "rabbitmq",
        "redis",
        "mailpit",
        "provision",
        *ds.SERVICES,
        *(f"{s}-migrate" for s in ds.SERVICES),
    }
    assert set(compose["services"]) == expected


@pytest.mark.parametrize("name", ["postgres", "rabbitmq", "redis", "mailpit", *ds.SERVICES])
def test_every_long_running_service_has_a_health_check_and_restarts(compose, name):
    service = compose["services"][name]
    assert not is_job(service)
    assert service.get("restart") == "unless-stopped"
    test = service["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    assert not service["healthcheck"].get("disable")


@pytest.mark.parametrize("name", ds.SERVICES)
def test_each_service_is_checked_on_its_readiness_endpoint_and_port(compose, name):
    command = " ".join(compose["services"][name]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{ds.port_of(name)}/health/ready" in command


def test_images_of_the_same_service_are_the_same_image_built_once(compose):
    services = compose["services"]
    built = {s["image"]: name for name, s in services.items() if "build" in s}
    assert set(built.values()) == set(ds.SERVICES)
    for service in ds.SERVICES:
        assert services[f"{service}-migrate"]["image"] == services[service]["image"]
    # The provisioning job runs maitred_platform from one of the service images.
    assert services["provision"]["image"] in built


@pytest.mark.parametrize("name", ds.SERVICES)
def test_each_image_is_built_from_the_repository_root_with_the_one_dockerfile(compose, repo, name):
    build = compose["services"][name]["build"]
    context = (repo / "deploy" / build["context"]).resolve()
    assert context == repo.resolve()
    assert build["dockerfile"] == "deploy/Dockerfile"
    assert (context / build["dockerfile"]).is_file()
    # The service to install and the port its Settings listen on by default.
    args = {key: str(value) for key, value in build["args"].items()}
    assert args == {"SERVICE": name, "PORT": str(ds.port_of(name))}


def test_one_shot_jobs_never_restart_and_each_is_awaited_to_success(compose):
    services = compose["services"]
    jobs = {name for name, s in services.items() if is_job(s)}
    assert jobs == {"provision", *(f"{s}-migrate" for s in ds.SERVICES)}
    awaited = {
        dep
        for s in services.values()
        for dep, condition in depends(s).items()
        if condition == "service_completed_successfully"
    }
    assert awaited == jobs


def test_start_order_is_database_then_provisioning_then_migrations_then_services(compose):
    services = compose["services"]
    assert depends(services["provision"]) == {"postgres": "service_healthy"}
    for name in ds.SERVICES:
        assert depends(services[f"{name}-migrate"]) == {
            "provision": "service_completed_successfully"
        }
        deps = depends(services[name])
        assert deps[f"{name}-migrate"] == "service_completed_successfully"
        assert deps["rabbitmq"] == "service_healthy"
    assert depends(services["gateway"])["redis"] == "service_healthy"
    for target in {d for s in services.values() for d in depends(s)}:
        assert target in services


@pytest.mark.parametrize("name", [*ds.SERVICES, *(f"{s}-migrate" for s in ds.SERVICES)])
def test_every_setting_without_a_safe_default_is_set(compose, name):
    service = name.removesuffix("-migrate")
    env = dm.compose_environment(compose["services"][name])
    missing = [v for v in ds.required_variables(service) if not env.get(v)]
    assert not missing, f"{name} lacks {missing}"
    assert env[ds.env_name(service, "host")] == "0.0.0.0"


@pytest.mark.parametrize("name", ds.SERVICES)
def test_each_service_reaches_servers_that_the_compose_file_runs(compose, name):
    env = dm.compose_environment(compose["services"][name])
    ports = {**SERVER_PORTS, **{s: ds.port_of(s) for s in ds.SERVICES}}
    reached = ds.servers_reached(name, env)
    assert reached
    for variable, host, port in reached:
        assert host in compose["services"], f"{variable} points at {host}, not a compose service"
        assert port == ports[host], f"{variable}: {host} listens on {ports[host]}, not {port}"


@pytest.mark.parametrize("name", ds.SERVICES)
def test_each_service_logs_in_as_the_role_the_provisioning_job_creates(compose, name):
    command = compose["services"]["provision"]["command"]
    admin_url, database = command[-2], command[-1]
    expected = service_database(admin_url, database, name)
    actual = urlsplit(
        dm.compose_environment(compose["services"][name])[ds.env_name(name, "database_url")]
    )
    assert (actual.username, actual.password) == (expected.role, expected.password)
    assert (actual.hostname, actual.path) == ("postgres", f"/{database}")
    assert urlsplit(admin_url).hostname == "postgres"


@pytest.mark.parametrize("name", [*ds.SERVICES, *(f"{s}-migrate" for s in ds.SERVICES)])
def test_each_service_settings_load_from_its_compose_environment(compose, name):
    service = name.removesuffix("-migrate")
    env = dm.compose_environment(compose["services"][name])
    settings = ds.settings_from_environment(ds.SETTINGS[service], env)
    assert settings.port == ds.port_of(service)
    assert settings.host == "0.0.0.0"


def test_all_services_share_one_internal_key_and_the_jwt_secret_differs(compose):
    envs = {s: dm.compose_environment(compose["services"][s]) for s in ds.SERVICES}
    keys = {envs[s][ds.env_name(s, "internal_key")] for s in ds.SERVICES}
    assert len(keys) == 1
    assert envs["gateway"]["GATEWAY_JWT_SECRET"] not in keys


def test_secrets_can_be_replaced_from_the_environment(repo):
    compose = dm.load_compose(
        repo / "deploy" / "compose.yaml",
        {"MAITRED_INTERNAL_KEY": "k" * 40, "MAITRED_JWT_SECRET": "j" * 40},
    )
    for service in ds.SERVICES:
        env = dm.compose_environment(compose["services"][service])
        assert env[ds.env_name(service, "internal_key")] == "k" * 40
    assert dm.compose_environment(compose["services"]["gateway"])["GATEWAY_JWT_SECRET"] == "j" * 40


def test_the_gateway_is_published_on_8000_and_points_at_each_service(compose):
    gateway = compose["services"]["gateway"]
    assert any(str(p).endswith(":8000") for p in gateway["ports"])
    env = dm.compose_environment(gateway)
    for service in ds.DOMAIN_SERVICES:
        assert env[f"GATEWAY_{service.upper()}_URL"] == f"http://{service}:{ds.port_of(service)}"


@pytest.mark.parametrize("name", ds.DOMAIN_SERVICES)
def test_domain_services_are_not_published_outside_compose(compose, name):
    service = compose["services"][name]
    assert "ports" not in service
    assert [str(p) for p in service["expose"]] == [str(ds.port_of(name))]


def test_make_up_and_down_drive_this_compose_file(repo: Path):
    makefile = (repo / "Makefile").read_text()
    assert "up:" in makefile and "down:" in makefile
    assert "docker compose -f deploy/compose.yaml up --build -d" in makefile
    assert "docker compose -f deploy/compose.yaml down -v" in makefile
