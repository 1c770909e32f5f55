"""Reads deploy/ as the tools would, without them: Compose files, kustomizations and the
Dockerfile.

`render_kustomization` understands the subset of kustomize that deploy/k8s uses (resources,
namespace, images, literal secret/config generators without name hashes, strategic-merge
patches by kind and name) and refuses anything else, so a new feature in a kustomization
fails here loudly instead of being silently ignored. Where kubectl is installed, a test
compares this rendering with `kubectl kustomize`.
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "images",
    "patches",
    "generatorOptions",
    "secretGenerator",
    "configMapGenerator",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "IngressClass"}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


# --- Compose -------------------------------------------------------------------------------


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's `${NAME}` / `${NAME:-default}` substitution, applied through the document."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: env.get(m["name"]) or (m["default"] or ""), value)
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    return value


def load_compose(path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file with anchors, merge keys and variables resolved (empty environment)."""
    raw = yaml.safe_load(path.read_text())
    return interpolate(raw, env or {})  # type: ignore[no-any-return]


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


# --- Dockerfile ----------------------------------------------------------------------------

Instruction = tuple[str, str]  # ("COPY", "libs/platform/src libs/platform/src")
# Run when the container starts or is checked, so the builder leaves their variables alone.
_RUN_TIME = {"CMD", "ENTRYPOINT", "HEALTHCHECK"}
_BUILD_VARIABLE = re.compile(r"\$(?:\{(?P<braced>\w+)\}|(?P<bare>[A-Za-z_]\w*))")


def dockerfile_instructions(text: str) -> list[Instruction]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            op, _, rest = line.strip().partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def build_stages(text: str, build_args: dict[str, str]) -> list[list[Instruction]]:
    """The stages (each from its FROM) as the builder runs them with these build args.

    As Docker does: an ARG before the first FROM serves the FROM lines only; inside a stage an
    argument has a value only after the stage declares it with ARG, and is empty before that
    or when neither the build nor the ARG gives one. CMD, ENTRYPOINT and HEALTHCHECK keep
    their variables for the container's shell or environment.
    """
    steps = dockerfile_instructions(text)
    names = {arg.partition("=")[0] for op, arg in steps if op == "ARG"}
    global_args: dict[str, str] = {}
    stages: list[list[Instruction]] = []
    declared: dict[str, str] = {}
    for op, arg in steps:
        if op == "ARG":
            name, has_default, default = arg.partition("=")
            value = build_args.get(name, default if has_default else global_args.get(name, ""))
            (declared if stages else global_args)[name] = value
        if op == "FROM":
            stages.append([])
            declared = {}
            scope = global_args
        else:
            scope = declared
        if not stages:
            continue
        if op not in _RUN_TIME:
            arg = _substitute(arg, names, scope)
        stages[-1].append((op, arg))
    return stages


def _substitute(text: str, names: set[str], values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        return values.get(name, "") if name in names else match[0]

    return _BUILD_VARIABLE.sub(value, text)


def image_environment(stage: list[Instruction]) -> dict[str, str]:
    """The environment an image's ENV instructions leave for its containers."""
    env: dict[str, str] = {}
    for op, arg in stage:
        if op == "ENV":
            for pair in shlex.split(arg):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


# --- Kustomize (the subset deploy/k8s uses) ----------------------------------------------


def render_kustomization(directory: Path) -> list[Manifest]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise ValueError(f"{directory}: kustomization keys this loader does not know: {unknown}")

    manifests: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            manifests += render_kustomization(target)
        else:
            manifests += [doc for doc in yaml.safe_load_all(target.read_text()) if doc]
    manifests += _generated(directory, kustomization)

    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise ValueError(f"{directory}: only file patches are supported, got {patch}")
        for doc in yaml.safe_load_all((directory / patch["path"]).read_text()):
            _apply_patch(manifests, doc, directory / patch["path"])

    for image in kustomization.get("images", []):
        _set_image(manifests, image)

    namespace = kustomization.get("namespace")
    if namespace:
        for manifest in manifests:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = namespace
    return manifests


def _generated(directory: Path, kustomization: dict[str, Any]) -> list[Manifest]:
    generators = [
        *(("Secret", g) for g in kustomization.get("secretGenerator", [])),
        *(("ConfigMap", g) for g in kustomization.get("configMapGenerator", [])),
    ]
    if not generators:
        return []
    if not kustomization.get("generatorOptions", {}).get("disableNameSuffixHash"):
        raise ValueError(f"{directory}: generators need generatorOptions.disableNameSuffixHash")
    out = []
    for kind, generator in generators:
        if set(generator) - {"name", "literals"}:
            raise ValueError(f"{directory}: only literal generators are supported: {generator}")
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        manifest: Manifest = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": generator["name"]},
        }
        if kind == "Secret":
            manifest["type"] = "Opaque"
            manifest["stringData"] = data
        else:
            manifest["data"] = data
        out.append(manifest)
    return out


def _apply_patch(manifests: list[Manifest], patch: Manifest, source: Path) -> None:
    for manifest in manifests:
        if (manifest["kind"], manifest["metadata"]["name"]) == (
            patch["kind"],
            patch["metadata"]["name"],
        ):
            merged = strategic_merge(manifest, patch)
            manifest.clear()
            manifest.update(merged)
            return
    raise ValueError(
        f"{source}: patch target {patch['kind']}/{patch['metadata']['name']} not found"
    )


def strategic_merge(base: Any, patch: Any) -> Any:
    """Maps merge key by key; lists of named items merge by name; other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = strategic_merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        by_name = {item["name"]: item for item in base}
        out_list = [
            strategic_merge(by_name[i["name"]], i) if i["name"] in by_name else i for i in patch
        ]
        patched = {item["name"] for item in patch}
        return [item for item in base if item["name"] not in patched] + out_list
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _set_image(manifests: list[Manifest], image: dict[str, str]) -> None:
    for container in all_containers(manifests):
        repository, _, _tag = container["image"].partition(":")
        if repository == image["name"]:
            new = image.get("newName", repository)
            container["image"] = f"{new}:{image['newTag']}" if "newTag" in image else new


# --- Reading rendered manifests ------------------------------------------------------------


def pod_spec(manifest: Manifest) -> dict[str, Any] | None:
    spec = manifest.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return template.get("spec") if template else None


def all_containers(manifests: list[Manifest]) -> list[dict[str, Any]]:
    containers = []
    for manifest in manifests:
        spec = pod_spec(manifest)
        if spec:
            containers += spec.get("initContainers", []) + spec.get("containers", [])
    return containers


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    for manifest in manifests:
        if manifest["kind"] == kind and manifest["metadata"]["name"] == name:
            return manifest
    raise LookupError(f"no {kind}/{name}")


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def container_environment(
    container: dict[str, Any], manifests: list[Manifest]
) -> dict[str, str | None]:
    """The container's environment as the kubelet would build it; a value from a Secret or
    ConfigMap the manifests do not hold is None (an external secret)."""
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef")
        kind = "ConfigMap" if "configMapRef" in source else "Secret"
        env.update(_data(find(manifests, kind, ref["name"])))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
            continue
        ref = item["valueFrom"].get("secretKeyRef") or item["valueFrom"].get("configMapKeyRef")
        kind = "Secret" if "secretKeyRef" in item["valueFrom"] else "ConfigMap"
        try:
            env[item["name"]] = _data(find(manifests, kind, ref["name"]))[ref["key"]]
        except (LookupError, KeyError):
            env[item["name"]] = None
    return env


def _data(manifest: Manifest) -> dict[str, str]:
    return {**manifest.get("data", {}), **manifest.get("stringData", {})}
