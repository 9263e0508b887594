"""The Compose stack and the image, checked without Docker: compose.yaml and the Dockerfile
are parsed and held to the properties the deployment relies on (docs/deployment.md says
where each image, tag, digest and command was checked)."""

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

from grants.cli import main as grants_cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

BUILT_IMAGE = "grants:local"
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")

# The commands a health check may run, per image repository. Each one is in that image
# according to its publisher (docs/deployment.md has the sources and dates):
# - postgres: pg_isready ships with the server binaries, on PATH (/usr/lib/postgresql/N/bin,
#   see the image's ENV PATH in docker-library/repo-info);
# - grants:local: python is the base image's interpreter (the app's own HEALTHCHECK uses it);
# - clamav/clamav-debian: clamdcheck.sh is copied to /usr/local/bin by the publisher's
#   Dockerfile (Cisco-Talos/clamav-docker) and is the image's own HEALTHCHECK;
# - chrislusf/seaweedfs: the release Dockerfile (docker/Dockerfile.go_build) installs curl
#   ("docker: add curl for HTTPS healthcheck support", #7709, December 2025);
# - axllent/mailpit: /mailpit is the image's entrypoint binary, `readyz` its own HEALTHCHECK.
HEALTHCHECK_COMMANDS: dict[str, frozenset[str]] = {
    "postgres": frozenset({"pg_isready"}),
    # python: the app's HTTP readiness; grants: `grants worker --check` (the job queue's
    # worker heartbeat), a console script of the image itself.
    "grants": frozenset({"python", "grants"}),
    "clamav/clamav-debian": frozenset({"clamdcheck.sh"}),
    "chrislusf/seaweedfs": frozenset({"curl"}),
    "axllent/mailpit": frozenset({"/mailpit"}),
}


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _split_image(reference: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` → (name, tag, digest); a colon before the last slash is a
    registry port, not a tag."""
    name, _, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def _environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {key: str(value) for key, value in raw.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):  # short syntax: started, nothing more
        return {name: {"condition": "service_started"} for name in raw}
    return {name: spec or {"condition": "service_started"} for name, spec in raw.items()}


def _uses_built_image(service: dict[str, Any]) -> bool:
    return service.get("image") == BUILT_IMAGE


def _healthcheck_enabled(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck")
    if check is None:
        # Only our own image declares a HEALTHCHECK we rely on without restating it; every
        # third-party check is spelled out in compose.yaml so the allow-list below sees it.
        return _uses_built_image(service)
    return not check.get("disable", False)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    result = []
    for entry in logical:
        instruction, _, arguments = entry.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def test_compose_file_parses_and_every_service_names_an_image() -> None:
    services = _services()
    assert {"db", "migrate", "app", "worker", "clamav", "seaweedfs", "mailpit"} <= set(services)
    for name, service in services.items():
        assert isinstance(service.get("image"), str), f"{name}: no image"


def test_no_service_uses_minio_any_more() -> None:
    # minio/minio and minio/mc are no longer published on Docker Hub: a pull of either fails.
    for name, service in _services().items():
        assert not service["image"].startswith("minio/"), name
        for key, value in _environment(service).items():
            assert "minio" not in value.lower(), f"{name}: {key}={value}"


def test_every_image_has_an_explicit_tag_or_digest_never_latest() -> None:
    for name, service in _services().items():
        _, tag, digest = _split_image(service["image"])
        assert tag or digest, f"{name}: {service['image']} would mean :latest"
        assert tag != "latest", f"{name}: {service['image']}"
        if digest is not None:
            assert DIGEST.fullmatch(digest), f"{name}: malformed digest {digest}"


def test_split_image_tells_a_registry_port_from_a_tag() -> None:
    assert _split_image("registry.example:5000/grants") == (
        "registry.example:5000/grants",
        None,
        None,
    )
    assert _split_image("postgres:16.15@sha256:" + "a" * 64) == (
        "postgres",
        "16.15",
        "sha256:" + "a" * 64,
    )


def test_dockerfile_from_lines_are_pinned_by_digest() -> None:
    stages: set[str] = set()
    external = []
    for instruction, arguments in _dockerfile_instructions():
        if instruction != "FROM":
            continue
        words = [w for w in arguments.split() if not w.startswith("--")]
        image = words[0]
        assert "$" not in image, f"FROM {image}: a build argument could unpin it"
        if image not in stages:
            external.append(image)
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])
    assert external, "no base image found"
    for image in external:
        _, _, digest = _split_image(image)
        assert digest is not None and DIGEST.fullmatch(digest), f"FROM {image}: not pinned"


def test_the_base_image_is_the_python_the_lock_file_was_resolved_with() -> None:
    bases = [
        arguments.split()[0]
        for instruction, arguments in _dockerfile_instructions()
        if instruction == "FROM" and arguments.startswith("python:")
    ]
    assert len(bases) == 1  # builder and runtime share it, so the venv's symlink holds
    name, tag, _ = _split_image(bases[0])
    assert name == "python"
    assert tag is not None and tag.startswith("3.11-")


def test_everything_the_dockerfile_copies_passes_the_dockerignore_allow_list() -> None:
    allowed = {
        line.strip()[1:].rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("!")
    }
    copied = []
    for instruction, arguments in _dockerfile_instructions():
        if instruction != "COPY" or "--from=" in arguments:
            continue
        *sources, _target = shlex.split(arguments)
        copied.extend(sources)
    assert copied
    for source in copied:
        assert source.rstrip("/") in allowed, f"COPY {source}: excluded by .dockerignore"


def test_one_service_builds_the_image_that_app_worker_and_migrate_share() -> None:
    services = _services()
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    for name in ("app", "worker", "migrate"):
        assert services[name]["image"] == BUILT_IMAGE, name
    # The builder rebuilds on `up` and never asks a registry; the others never pull either.
    assert services["migrate"]["pull_policy"] == "build"
    for name, service in services.items():
        if _uses_built_image(service) and name != "migrate":
            assert service.get("pull_policy") == "never", name


def test_every_service_of_the_built_image_depends_on_its_builder() -> None:
    # `docker compose up worker` builds only what the started services need: each user of
    # grants:local must pull the building service into the run.
    for name, service in _services().items():
        if _uses_built_image(service) and name != "migrate":
            assert "migrate" in _depends_on(service), name


def test_migrate_runs_the_cli_schema_upgrade_once_after_the_database_is_healthy() -> None:
    migrate = _services()["migrate"]
    command = migrate["command"]
    assert command[:3] == ["grants", "db", "upgrade"]
    # The command must exist in the CLI the image installs.
    context = click.Context(grants_cli)
    group = grants_cli.get_command(context, command[1])
    assert isinstance(group, click.Group)
    assert group.get_command(context, command[2]) is not None
    assert _depends_on(migrate)["db"]["condition"] == "service_healthy"
    # A one-shot restarted "unless-stopped" would run for ever and never complete.
    assert migrate.get("restart", "no") in {"no", "on-failure"}


def test_app_and_worker_start_only_after_the_migration_completed() -> None:
    services = _services()
    for name in ("app", "worker"):
        dependency = _depends_on(services[name])["migrate"]
        assert dependency["condition"] == "service_completed_successfully", name


def test_every_dependency_exists_and_healthy_waits_have_a_health_check() -> None:
    services = _services()
    for name, service in services.items():
        for target, spec in _depends_on(service).items():
            assert target in services, f"{name} depends on unknown {target}"
            if spec["condition"] == "service_healthy":
                assert _healthcheck_enabled(services[target]), f"{name} waits for {target}"


def test_health_checks_run_only_commands_their_images_ship() -> None:
    for name, service in _services().items():
        check = service.get("healthcheck")
        if check is None or check.get("disable", False):
            continue
        test = check["test"]
        # Exec form: no shell needed in the image, and the command is the first word.
        assert isinstance(test, list), f"{name}: use the exec form"
        assert test[0] == "CMD", f"{name}: {test[0]}"
        repository, _, _ = _split_image(service["image"])
        assert repository in HEALTHCHECK_COMMANDS, f"{name}: no allow-list for {repository}"
        assert test[1] in HEALTHCHECK_COMMANDS[repository], f"{name}: {test[1]}"


@pytest.mark.parametrize("name", ["app", "worker", "migrate"])
def test_grants_services_get_the_settings_production_requires(name: str) -> None:
    environment = _environment(_services()[name])
    assert environment["GRANTS_ENVIRONMENT"] == "production"
    for key in (
        "GRANTS_DATABASE_URL",
        "GRANTS_SECRET_KEY",
        "GRANTS_AUDIT_SIGNING_KEY",
        "GRANTS_CLAMD_ADDRESS",
    ):
        assert environment.get(key), f"{name}: {key} missing"
    # The secrets have no default: compose stops with a message instead of using known ones.
    assert ":?" in environment["GRANTS_SECRET_KEY"]
    assert ":?" in environment["GRANTS_AUDIT_SIGNING_KEY"]


@pytest.mark.parametrize("name", ["app", "worker"])
def test_storage_points_at_the_s3_service_with_its_credentials_and_bucket(name: str) -> None:
    services = _services()
    environment = _environment(services[name])
    endpoint = urlsplit(environment["GRANTS_STORAGE_ENDPOINT"])
    assert endpoint.hostname in services
    s3 = services[endpoint.hostname]
    assert _split_image(s3["image"])[0] == "chrislusf/seaweedfs"
    assert endpoint.port == 8333  # weed mini's default S3 port
    assert str(endpoint.port) in " ".join(s3["healthcheck"]["test"])
    server = _environment(s3)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert environment[key] == server[key], key
    bucket = urlsplit(environment["GRANTS_STORAGE_URL"]).netloc
    assert server["S3_BUCKET"] == bucket
    assert _depends_on(services[name])[endpoint.hostname]["condition"] == "service_healthy"
