"""deploy/Dockerfile: the one recipe that builds each service's image, given its SERVICE and PORT.

Each check reads the Dockerfile as the builder would for one service (dm.build_stages); the
command and the health check are run here the way the container would run them, with a
stand-in for the interpreter and for the HTTP call.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
import urllib.request
from pathlib import Path

import deploy_manifests as dm
import deploy_settings as ds
import pytest

DOCKERFILE = "deploy/Dockerfile"


def dockerfile(repo: Path) -> str:
    return (repo / DOCKERFILE).read_text()


def build_args(service: str) -> dict[str, str]:
    """What deploy/compose.yaml passes (test_compose.py checks that it does)."""
    return {"SERVICE": service, "PORT": str(ds.port_of(service))}


def built_for(repo: Path, service: str) -> list[list[dm.Instruction]]:
    return dm.build_stages(dockerfile(repo), build_args(service))


def every_step(repo: Path, service: str) -> list[dm.Instruction]:
    return [step for stage in built_for(repo, service) for step in stage]


def final_stage(repo: Path, service: str) -> list[dm.Instruction]:
    return built_for(repo, service)[-1]


def workspace_dependencies(repo: Path, package: str) -> set[str]:
    """The workspace members a package needs, itself included (e.g. maitred-waitlist)."""
    members = {}
    for manifest in [*repo.glob("libs/*/pyproject.toml"), *repo.glob("services/*/pyproject.toml")]:
        project = tomllib.loads(manifest.read_text())["project"]
        members[project["name"]] = (manifest.parent, project.get("dependencies", []))
    needed, todo = set(), [package]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [d for d in members[name][1] if d in members]
    return {str(members[name][0].relative_to(repo)) for name in needed}


def test_one_dockerfile_builds_every_service(repo):
    assert (repo / DOCKERFILE).is_file()
    assert not sorted(repo.glob("services/*/Dockerfile")), "a service has a Dockerfile of its own"
    assert not sorted(repo.glob("libs/*/Dockerfile"))


def test_the_service_and_its_port_must_be_named_at_build_time(repo):
    steps = dm.dockerfile_instructions(dockerfile(repo))
    declared = [arg for op, arg in steps if op == "ARG"]
    # No defaults: a build that forgets them must not quietly make some other image.
    assert declared.count("SERVICE") == declared.count("PORT") == 2  # build and final stage
    guard = next(arg for op, arg in built_for(repo, "waitlist")[1] if op == "RUN")
    assert subprocess.run(["sh", "-c", guard], capture_output=True).returncode == 0
    unnamed = next(arg for op, arg in dm.build_stages(dockerfile(repo), {})[1] if op == "RUN")
    refused = subprocess.run(["sh", "-c", unnamed], capture_output=True, text=True)
    assert refused.returncode != 0 and "SERVICE" in refused.stderr


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_starts_from_python_311_slim_and_runs_the_service(repo, service, tmp_path):
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile(repo)
    stage = final_stage(repo, service)
    assert stage[0] == ("FROM", "python:3.11-slim")
    assert ("EXPOSE", str(ds.port_of(service))) in stage
    # The command, run by the container's shell with the image's environment.
    stand_in = tmp_path / "python"
    stand_in.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    stand_in.chmod(0o755)
    command = json.loads(next(arg for op, arg in stage if op == "CMD"))
    env = {**dm.image_environment(stage), "PATH": f"{tmp_path}:/usr/bin:/bin"}
    ran = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["-m", service, "--host", "0.0.0.0"]
    # exec: the interpreter replaces the shell, so the stop signal reaches the service.
    assert command[:2] == ["sh", "-c"] and command[2].startswith("exec python ")


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_runs_as_a_numeric_non_root_user(repo, service):
    users = [arg for op, arg in final_stage(repo, service) if op == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def probed_url(stage: list[dm.Instruction], monkeypatch, **environment: str) -> str:
    """The URL the image's health check asks for, run with the image's environment."""
    check = next(arg for op, arg in stage if op == "HEALTHCHECK")
    assert "CMD" in check and "curl" not in check
    probe = json.loads(check[check.index("CMD") + len("CMD") :])
    assert probe[:2] == ["python", "-c"]
    asked: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: asked.append(url))
    for name, value in {**dm.image_environment(stage), **environment}.items():
        monkeypatch.setenv(name, value)
    exec(compile(probe[2], "HEALTHCHECK", "exec"), {})
    assert len(asked) == 1
    return asked[0]


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_health_check_asks_for_readiness_on_the_service_port(repo, service, monkeypatch):
    stage = final_stage(repo, service)
    checks = [arg for op, arg in stage if op == "HEALTHCHECK"]
    assert len(checks) == 1
    port_variable = ds.env_name(service, "port")
    monkeypatch.delenv(port_variable, raising=False)
    url = probed_url(stage, monkeypatch)
    assert url == f"http://127.0.0.1:{ds.port_of(service)}/health/ready"
    moved = probed_url(stage, monkeypatch, **{port_variable: "9999"})
    assert moved == "http://127.0.0.1:9999/health/ready"


@pytest.mark.parametrize("service", ds.SERVICES)
def test_the_service_listens_where_the_image_says(repo, service):
    """The image leaves the port to the service's Settings: the same one it exposes and checks."""
    env = dm.image_environment(final_stage(repo, service))
    assert ds.env_name(service, "port") not in env
    assert env["MAITRED_IMAGE_PORT"] == str(ds.port_of(service))
    assert env["MAITRED_IMAGE_SERVICE"] == service


@pytest.mark.parametrize("service", ds.SERVICES)
def test_dependencies_come_from_the_lock_without_dev_tools(repo, service):
    syncs = [arg for op, arg in every_step(repo, service) if op == "RUN" and "uv sync" in arg]
    assert len(syncs) == 2  # dependencies first (cached layer), then the code
    for sync in syncs:
        assert "--frozen" in sync and "--no-dev" in sync
        assert f"--package maitred-{service} " in sync
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]


@pytest.mark.parametrize("service", ds.SERVICES)
def test_every_copied_path_exists_in_the_repository(repo, service):
    copies = [arg for op, arg in every_step(repo, service) if op == "COPY"]
    local = [arg.split() for arg in copies if not arg.startswith("--from")]
    assert local
    for *sources, _target in local:
        for source in sources:
            assert (repo / source).exists(), f"COPY {source}: not in the repository"


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_copies_every_workspace_manifest_and_the_code_it_needs(repo, service):
    copied = {
        source
        for op, arg in every_step(repo, service)
        if op == "COPY" and not arg.startswith("--from")
        for source in arg.split()[:-1]
    }
    assert {"pyproject.toml", "uv.lock"} <= copied
    # uv reads the whole workspace before it installs one member of it.
    for manifest in [*repo.glob("libs/*/pyproject.toml"), *repo.glob("services/*/pyproject.toml")]:
        assert str(manifest.relative_to(repo)) in copied
    for member in workspace_dependencies(repo, f"maitred-{service}"):
        assert f"{member}/src" in copied, f"{member}/src is not copied"
    others = {f"services/{s}/src" for s in ds.SERVICES if s != service}
    assert not copied & others, "another service's code is in the image"
