"""deploy/k8s, rendered offline: valid objects that run each service safely and reachably."""

from __future__ import annotations

import base64
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import deploy_manifests as dm
import deploy_settings as ds
import kubernetes_validate  # a dev dependency of the workspace root: installed with the rest
import pytest
import yaml

# The oldest Kubernetes the managed offerings still run, and the newest schema at hand.
KUBERNETES_VERSIONS = ("1.29", "latest")
SERVER_PORTS = {"postgres": 5432, "rabbitmq": 5672, "redis": 6379, "mailpit": 1025}


@pytest.fixture(scope="session", params=["base", "local"])
def manifests(request, base_manifests, local_manifests) -> list[dm.Manifest]:
    return base_manifests if request.param == "base" else local_manifests


def the_container(manifest: dm.Manifest) -> dict[str, Any]:
    containers = dm.pod_spec(manifest)["containers"]  # type: ignore[index]
    assert len(containers) == 1
    return containers[0]  # type: ignore[no-any-return]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def pod_labels(manifest: dm.Manifest) -> dict[str, str]:
    return manifest["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


# --- Every object is a valid Kubernetes object ---------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(manifests, version):
    if version == "latest":
        version = kubernetes_validate.utils.latest_version()
    for manifest in manifests:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_validator_rejects_a_misspelt_field(base_manifests):
    broken = dm.strategic_merge(
        dm.find(base_manifests, "Deployment", "waitlist"), {"spec": {"replica": 2}}
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_names_are_unique_per_kind(manifests):
    keys = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("target", ["base", "overlays/local"])
def test_this_rendering_matches_kubectl_kustomize(repo, target):
    """Keeps the loader above honest against the real tool (the machines' image has it)."""
    assert shutil.which("kubectl"), "kubectl is missing: this check needs the real tool"
    directory = repo / "deploy" / "k8s" / target
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True
    ).stdout
    theirs = sorted((d for d in yaml.safe_load_all(rendered) if d), key=_identity)
    ours = sorted(dm.render_kustomization(directory), key=_identity)
    assert [_identity(m) for m in ours] == [_identity(m) for m in theirs]
    for mine, real in zip(ours, theirs, strict=True):
        assert _normalized(mine) == _normalized(real), _identity(mine)


def _identity(manifest: dm.Manifest) -> str:
    meta = manifest["metadata"]
    return f"{manifest['kind']}/{meta.get('namespace', '')}/{meta['name']}"


def _normalized(manifest: dm.Manifest) -> dm.Manifest:
    # kustomize writes generated secrets base64-encoded under `data`; compare the values.
    if manifest["kind"] == "Secret" and "data" in manifest:
        manifest = dict(manifest)
        data = manifest.pop("data")
        manifest["stringData"] = {k: base64.b64decode(v).decode() for k, v in data.items()}
    return manifest


# --- The four services' Deployments --------------------------------------------------------


@pytest.mark.parametrize("service", ds.SERVICES)
def test_each_service_is_probed_on_its_health_endpoints(manifests, service):
    container = the_container(dm.find(manifests, "Deployment", service))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": ds.port_of(service)}
    for probe, path in (
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
        ("startupProbe", "/health/live"),
    ):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, probe


@pytest.mark.parametrize("service", ds.SERVICES)
def test_each_service_has_resource_requests_and_limits(manifests, service):
    resources = the_container(dm.find(manifests, "Deployment", service))["resources"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources[bound]), bound


@pytest.mark.parametrize("service", ds.SERVICES)
def test_each_service_runs_as_non_root_on_a_read_only_filesystem(manifests, service):
    deployment = dm.find(manifests, "Deployment", service)
    pod, container = dm.pod_spec(deployment), the_container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True  # type: ignore[index]
    assert pod["securityContext"]["runAsUser"] != 0  # type: ignore[index]
    assert pod["automountServiceAccountToken"] is False  # type: ignore[index]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    # The one writable place, as a read-only root needs.
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


@pytest.mark.parametrize("service", ds.SERVICES)
def test_the_autoscaler_owns_the_replica_count(manifests, service):
    deployment = dm.find(manifests, "Deployment", service)
    assert "replicas" not in deployment["spec"]
    hpa = dm.find(manifests, "HorizontalPodAutoscaler", service)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    # Two at least: relays stand by, consumers share their queue, gateways fan out on their own.
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert any(m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])


@pytest.mark.parametrize("service", ds.SERVICES)
def test_a_disruption_budget_keeps_each_service_up_during_node_drains(manifests, service):
    deployment = dm.find(manifests, "Deployment", service)
    pdb = dm.find(manifests, "PodDisruptionBudget", service)
    assert selects(pdb["spec"]["selector"]["matchLabels"], pod_labels(deployment))
    assert pdb["spec"].get("maxUnavailable") == 1 or pdb["spec"].get("minAvailable", 0) >= 1


@pytest.mark.parametrize("service", ds.SERVICES)
def test_each_service_is_reachable_by_name_on_its_port(manifests, service):
    deployment = dm.find(manifests, "Deployment", service)
    svc = dm.find(manifests, "Service", service)
    assert selects(svc["spec"]["selector"], pod_labels(deployment))
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert svc["spec"]["ports"] == [
        {"name": "http", "port": ds.port_of(service), "targetPort": "http"}
    ]


@pytest.mark.parametrize("service", ds.SERVICES)
def test_every_setting_without_a_safe_default_is_set(manifests, service):
    container = the_container(dm.find(manifests, "Deployment", service))
    env = dm.container_environment(container, manifests)
    missing = [v for v in ds.required_variables(service) if v not in env]
    assert not missing, f"{service} lacks {missing}"
    assert env[ds.env_name(service, "host")] == "0.0.0.0"
    assert env[ds.env_name(service, "port")] == str(ds.port_of(service))


def test_the_gateway_reaches_each_service_through_its_service_object(manifests):
    env = dm.container_environment(
        the_container(dm.find(manifests, "Deployment", "gateway")), manifests
    )
    for variable, host, port in ds.servers_reached("gateway", env):
        if variable.endswith(("RESERVATIONS_URL", "WAITLIST_URL", "NOTIFIER_URL")):
            service = dm.find(manifests, "Service", host)
            assert port in [p["port"] for p in service["spec"]["ports"]]


def test_secrets_are_referenced_never_written_in_the_base(base_manifests):
    assert not dm.of_kind(base_manifests, "Secret")
    config = dm.find(base_manifests, "ConfigMap", "maitred-config")["data"]
    secret_like = [k for k in config if k.endswith(("_KEY", "_SECRET", "_PASSWORD", "_TOKEN"))]
    assert not secret_like
    assert not [k for k in config if k.endswith(("DATABASE_URL", "AMQP_URL", "REDIS_URL"))]


def test_the_base_runs_in_production_mode(base_manifests):
    config = dm.find(base_manifests, "ConfigMap", "maitred-config")["data"]
    for service in ds.SERVICES:
        assert config[ds.env_name(service, "environment")] == "production"


def test_every_secret_the_base_refers_to_is_documented_in_the_example(repo, base_manifests):
    example = yaml.safe_load_all((repo / "deploy/k8s/base/secret.example.yaml").read_text())
    documented = {(s["metadata"]["name"], key) for s in example for key in s["stringData"]}
    referenced = {
        (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for container in dm.all_containers(base_manifests)
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert referenced <= documented, referenced - documented


def test_the_base_runs_only_maitred_images(base_manifests):
    """Postgres, RabbitMQ and Redis are managed outside the cluster in production."""
    images = {c["image"].split(":")[0] for c in dm.all_containers(base_manifests)}
    assert images == {f"maitred/{s}" for s in ds.SERVICES}


# --- Jobs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ds.SERVICES)
def test_each_service_has_a_migration_job_with_its_image_and_settings(manifests, service):
    job = dm.find(manifests, "Job", f"{service}-migrate")
    container = the_container(job)
    deployment = the_container(dm.find(manifests, "Deployment", service))
    assert container["command"] == ["python", "-m", service, "migrate"]
    assert container["image"] == deployment["image"]
    assert container["env"] == deployment["env"]
    assert container["envFrom"] == deployment["envFrom"]
    assert dm.pod_spec(job)["restartPolicy"] == "Never"  # type: ignore[index]
    assert job["spec"]["backoffLimit"] >= 1


def test_a_provisioning_job_creates_roles_from_the_services_own_database_urls(manifests):
    job = dm.find(manifests, "Job", "maitred-provision")
    container = the_container(job)
    assert container["image"].split(":")[0] in {f"maitred/{s}" for s in ds.SERVICES}
    names = {item["name"] for item in container["env"]}
    assert names == {"POSTGRES_ADMIN_URL", *(ds.env_name(s, "database_url") for s in ds.SERVICES)}
    assert "maitred_platform.provision" in container["command"][-1]


def test_jobs_are_labelled_for_applying_them_in_order(manifests):
    components = {
        j["metadata"]["name"]: j["metadata"]["labels"]["app.kubernetes.io/component"]
        for j in dm.of_kind(manifests, "Job")
    }
    assert components == {
        "maitred-provision": "provision",
        **{f"{s}-migrate": "migration" for s in ds.SERVICES},
    }


# --- Ingress -------------------------------------------------------------------------------


def test_the_ingress_keeps_websockets_and_streams_open(manifests):
    ingress = dm.find(manifests, "Ingress", "maitred")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"


def test_the_ingress_sends_everything_including_realtime_to_the_gateway(manifests):
    ingress = dm.find(manifests, "Ingress", "maitred")
    paths = {
        p["path"]: p["backend"]["service"]
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    }
    assert set(paths) == {"/", "/v1/realtime"}
    gateway_ports = [p["name"] for p in dm.find(manifests, "Service", "gateway")["spec"]["ports"]]
    for backend in paths.values():
        assert backend["name"] == "gateway"
        assert backend["port"]["name"] in gateway_ports


# --- The local overlay: a whole system on one small cluster --------------------------------


def test_local_overlay_puts_everything_in_its_namespace(local_manifests):
    assert dm.find(local_manifests, "Namespace", "maitred")
    for manifest in local_manifests:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == "maitred", manifest["metadata"]["name"]


def test_local_overlay_uses_the_locally_built_images(local_manifests):
    ours = [
        c["image"] for c in dm.all_containers(local_manifests) if c["image"].startswith("maitred/")
    ]
    assert ours and all(image.endswith(":local") for image in ours)


def test_local_overlay_runs_the_images_compose_builds_from_the_one_dockerfile(
    local_manifests, compose
):
    """`docker compose -f deploy/compose.yaml build` makes exactly what the overlay runs."""
    built = {
        service["image"]: service["build"]["args"]["SERVICE"]
        for service in compose["services"].values()
        if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }
    for service in ds.SERVICES:
        deployment = the_container(dm.find(local_manifests, "Deployment", service))
        assert built.get(deployment["image"]) == service, deployment["image"]
    ours = {
        c["image"] for c in dm.all_containers(local_manifests) if c["image"].startswith("maitred/")
    }
    assert ours <= set(built)


def test_every_reference_in_the_local_overlay_resolves(local_manifests):
    for container in dm.all_containers(local_manifests):
        for source in container.get("envFrom", []):
            dm.find(local_manifests, "ConfigMap", source["configMapRef"]["name"])
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                secret = dm.find(local_manifests, "Secret", ref["name"])
                assert ref["key"] in secret["stringData"], f"{ref['name']}/{ref['key']}"


@pytest.mark.parametrize("service", ds.SERVICES)
def test_local_services_reach_servers_the_overlay_runs(local_manifests, service):
    container = the_container(dm.find(local_manifests, "Deployment", service))
    env = dm.container_environment(container, local_manifests)
    for variable, host, port in ds.servers_reached(service, env):
        svc = dm.find(local_manifests, "Service", host)
        assert port in [p["port"] for p in svc["spec"]["ports"]], variable


@pytest.mark.parametrize("service", ds.SERVICES)
def test_local_services_settings_load_from_their_pod_environment(local_manifests, service):
    for name in (service, f"{service}-migrate"):
        kind = "Deployment" if name == service else "Job"
        container = the_container(dm.find(local_manifests, kind, name))
        env = dm.container_environment(container, local_manifests)
        present = {k: v for k, v in env.items() if v is not None}
        settings = ds.settings_from_environment(ds.SETTINGS[service], present)
        assert settings.port == ds.port_of(service)


def test_local_database_urls_agree_with_what_provisioning_accepts(local_manifests):
    """The provisioning job needs every role named maitred_<service>, on one database."""
    container = the_container(dm.find(local_manifests, "Job", "maitred-provision"))
    env = dm.container_environment(container, local_manifests)
    urls = {s: urlsplit(env[ds.env_name(s, "database_url")] or "") for s in ds.SERVICES}
    assert {u.username for u in urls.values()} == {f"maitred_{s}" for s in ds.SERVICES}
    assert len({u.path for u in urls.values()}) == 1
    assert all(u.password for u in urls.values())
    admin = urlsplit(env["POSTGRES_ADMIN_URL"] or "")
    assert admin.hostname == "postgres" and admin.port == SERVER_PORTS["postgres"]
