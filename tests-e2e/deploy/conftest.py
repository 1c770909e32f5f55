"""Static checks of deploy/: the Compose file, the Kubernetes manifests and the Dockerfiles.

Nothing here needs Docker or a cluster: the tests read the files and the services' Settings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# The helpers beside this file, importable by the test modules.
sys.path.insert(0, str(Path(__file__).parent))
import deploy_manifests as dm

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return dm.load_compose(REPO / "deploy" / "compose.yaml")


@pytest.fixture(scope="session")
def base_manifests() -> list[dm.Manifest]:
    return dm.render_kustomization(REPO / "deploy" / "k8s" / "base")


@pytest.fixture(scope="session")
def local_manifests() -> list[dm.Manifest]:
    return dm.render_kustomization(REPO / "deploy" / "k8s" / "overlays" / "local")
