"""The Kubernetes manifests and the Dockerfile, checked by a schema validator and by reading them."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from arize_mcp.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
KUBE = ROOT / "manifests" / "kubernetes"


def documents() -> list[tuple[str, dict]]:
    return [
        (path.name, doc)
        for path in sorted(KUBE.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml.safe_load_all(path.read_text())
    ]


@pytest.mark.parametrize(("name", "doc"), documents(), ids=[name for name, _ in documents()])
def test_manifest_is_valid_kubernetes(name: str, doc: dict) -> None:
    kubernetes_validate.validate(doc, "1.37.0", strict=True)


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"])
    assert listed == {"deployment.yaml", "service.yaml", "hpa.yaml"}


def test_deployment_runs_stateless_replicas_safely() -> None:
    deployment = yaml.safe_load((KUBE / "deployment.yaml").read_text())
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    args = _parser().parse_args(container["args"])  # the flags exist and parse
    assert args.transport == "http" and args.stateless and args.host == "0.0.0.0" and args.port == 8000
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert set(secrets) == {"ARIZE_MCP_AUTH_TOKEN", "ARIZE_API_KEY", "ARIZE_MCP_TASK_SECRET"}
    assert pod["terminationGracePeriodSeconds"] > args.shutdown_grace_seconds


def test_autoscaler_and_service_target_the_deployment() -> None:
    hpa = yaml.safe_load((KUBE / "hpa.yaml").read_text())
    assert hpa["spec"]["scaleTargetRef"]["name"] == "arize-mcp" and hpa["spec"]["minReplicas"] >= 2
    service = yaml.safe_load((KUBE / "service.yaml").read_text())
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_dockerfile_is_slim_non_root_and_exposes_the_port() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert any(line.startswith("FROM python:") and line.endswith("-slim") for line in lines)
    assert "USER 10001:10001" in lines and "EXPOSE 8000" in lines
    assert 'ENTRYPOINT ["arize-mcp"]' in lines
    assert any("pip install ." in line for line in lines)
