"""services/*/Dockerfile: each builds its service from the repository root, the same way."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import deploy_settings as ds
import pytest


def dockerfile(repo: Path, service: str) -> str:
    return (repo / "services" / service / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            op, _, rest = line.strip().partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def final_stage(text: str) -> list[tuple[str, str]]:
    steps = instructions(text)
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


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


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_starts_from_python_311_slim_and_runs_the_service(repo, service):
    text = dockerfile(repo, service)
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    stage = final_stage(text)
    assert stage[0] == ("FROM", "${PYTHON_IMAGE}")
    assert ("CMD", f'["python", "-m", "{service}"]') in stage
    assert ("EXPOSE", str(ds.port_of(service))) in stage


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_runs_as_a_numeric_non_root_user(repo, service):
    users = [arg for op, arg in final_stage(dockerfile(repo, service)) if op == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_health_check_asks_for_readiness_on_the_service_port(repo, service):
    checks = [arg for op, arg in final_stage(dockerfile(repo, service)) if op == "HEALTHCHECK"]
    assert len(checks) == 1
    check = checks[0]
    assert "CMD" in check and "python" in check and "curl" not in check
    prefix = ds.env_name(service, "port")
    assert f"os.environ.get('{prefix}', '{ds.port_of(service)}')" in check
    assert "/health/ready" in check


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_listens_on_all_interfaces(repo, service):
    text = dockerfile(repo, service)
    assert f"{ds.env_name(service, 'host')}=0.0.0.0" in text
    assert f"{ds.env_name(service, 'port')}={ds.port_of(service)}" in text


@pytest.mark.parametrize("service", ds.SERVICES)
def test_dependencies_come_from_the_lock_without_dev_tools(repo, service):
    syncs = [
        arg
        for op, arg in instructions(dockerfile(repo, service))
        if op == "RUN" and "uv sync" in arg
    ]
    assert len(syncs) == 2  # dependencies first (cached layer), then the code
    for sync in syncs:
        assert "--frozen" in sync and "--no-dev" in sync
        assert f"--package maitred-{service}" in sync
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]


@pytest.mark.parametrize("service", ds.SERVICES)
def test_every_copied_path_exists_in_the_repository(repo, service):
    copies = [arg for op, arg in instructions(dockerfile(repo, service)) if op == "COPY"]
    local = [arg.split() for arg in copies if not arg.startswith("--from")]
    assert local
    for *sources, _target in local:
        for source in sources:
            assert (repo / source).exists(), f"COPY {source}: not in the repository"


@pytest.mark.parametrize("service", ds.SERVICES)
def test_image_copies_every_workspace_manifest_and_the_code_it_needs(repo, service):
    text = dockerfile(repo, service)
    copied = {
        source
        for op, arg in instructions(text)
        if op == "COPY" and not arg.startswith("--from")
        for source in arg.split()[:-1]
    }
    assert {"pyproject.toml", "uv.lock"} <= copied
    # uv reads the whole workspace before it installs one member of it.
    for manifest in [*repo.glob("libs/*/pyproject.toml"), *repo.glob("services/*/pyproject.toml")]:
        assert str(manifest.relative_to(repo)) in copied
    for member in workspace_dependencies(repo, f"maitred-{service}"):
        assert f"{member}/src" in copied, f"{member}/src is not copied"


def test_the_four_dockerfiles_differ_only_by_service_name_and_port(repo):
    def neutral(service: str) -> str:
        # The workspace manifests are the same list in each (checked above).
        text = re.sub(r"(?m)^COPY \S+/pyproject\.toml \S+\n", "", dockerfile(repo, service))
        for word, placeholder in (
            (service.upper(), "SERVICE"),
            (service, "service"),
            (str(ds.port_of(service)), "PORT"),
        ):
            text = text.replace(word, placeholder)
        return text

    first, *others = ds.SERVICES
    for service in others:
        assert neutral(service) == neutral(first), f"{service}'s Dockerfile drifted from {first}'s"


@pytest.mark.parametrize("service", ds.SERVICES)
def test_commands_are_in_exec_form(repo, service):
    """Docker silently runs a malformed JSON array through a shell: check they parse."""
    stage = final_stage(dockerfile(repo, service))
    cmd = next(arg for op, arg in stage if op == "CMD")
    check = next(arg for op, arg in stage if op == "HEALTHCHECK")
    assert json.loads(cmd) == ["python", "-m", service]
    probe = json.loads(check[check.index("CMD") + len("CMD") :])
    assert probe[:2] == ["python", "-c"]
    compile(probe[2], "HEALTHCHECK", "exec")
