"""The configuration file: secrets from the environment, paths relative to the file,
durations, and errors that name where (never a value)."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.authoring.registry import discover
from framework.engine.loop import engine_loop
from framework.runtime.delivery.config import ConfigError, load_config, load_queue_url
from framework.runtime.delivery.durations import parse_duration, parse_time
from framework.runtime.delivery.routes import Routing
from tests.delivery.support import API_KEY, ENV, ROOT, WRITE_KEY, write_config


def test_a_configuration_resolves_secrets_paths_and_durations(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", concurrency=3, max_age="2h", lease="1.5s")
    config = load_config(path, ENV)
    assert config.queue_url == f"sqlite:///{tmp_path.resolve() / 'queue.db'}"
    assert (config.delivery.concurrency, config.delivery.max_age, config.delivery.lease) == (
        3,
        7200.0,
        1.5,
    )
    assert config.delivery.max_attempts == 8  # the default
    assert config.delivery.shutdown_grace == 30.0  # the default
    [source] = config.sources
    assert (source.name, source.write_key) == ("shop", WRITE_KEY)
    [perkville] = source.destinations
    assert (perkville.id, perkville.slug, perkville.endpoint) == (
        "perkville",
        "perkville",
        "http://127.0.0.1:9",
    )
    assert perkville.settings["api_key"] == API_KEY  # env: over the settings file
    assert perkville.settings["business_id"] == "4242"  # from the settings file
    assert WRITE_KEY not in repr(source)


def test_the_example_configuration_builds_its_routes() -> None:
    environ = {"WEBSITE_WRITE_KEY": "w", "PERKVILLE_API_KEY": "k"}
    config = load_config(ROOT / "examples" / "runtime" / "actions.toml", environ)
    assert config.sources[0].destinations[0].settings["api_key"] == "k"
    assert config.delivery.concurrency == 256
    routing = Routing(config, discover().destinations)
    try:
        source = routing.source("w")
        assert source is not None
        assert [route.id for route in source.routes] == ["perkville/award_points/default"]
        assert routing.source("k") is None
    finally:
        engine_loop().run(routing.aclose())


def test_a_missing_variable_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    with pytest.raises(ConfigError) as raised:
        load_config(path, {"TEST_WRITE_KEY": "w"})
    assert raised.value.message == (
        "sources[0].destinations[0].settings.api_key: environment variable "
        "TEST_PERKVILLE_KEY is not set"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[delivery]\nworkerz = 2\n", "delivery.workerz: unknown key"),
        (
            "[delivery]\nconcurrency = 0\n",
            "delivery.concurrency: expected a whole number of at least 1",
        ),
        ("[delivery]\nworkers = 8\n", "delivery.workers: renamed to concurrency (deliveries"),
        ('[delivery]\nshutdown_grace = "-1s"\n', "delivery.shutdown_grace: "),
        ('[delivery]\nmax_age = "soon"\n', 'delivery.max_age: expected a duration such as "250ms"'),
        ("queue = 1\n", 'queue: expected a URL such as "sqlite:///actions-queue.db"'),
        ("[queue]\nurl = 1\n", "queue: expected a URL"),
        ('[queue]\npath = "q.db"\n', "queue.path: unknown key (expected one of url)"),
        ("x = [", "is not valid TOML"),
        ("", "[[sources]]: at least one source is required"),
        (
            '[[sources]]\nname = "a"\nwrite_key = "k"\ndestinations = 1\n',
            "sources[0].destinations: expected an array of tables",
        ),
        (
            '[[sources]]\nname = "a"\nwrite_key = "secret-key"\n'
            '[[sources.destinations]]\nslug = "perkville"\n'
            '[[sources]]\nname = "b"\nwrite_key = "secret-key"\n'
            '[[sources.destinations]]\nslug = "perkville"\n',
            "sources: write key used twice",
        ),
    ],
)
def test_mistakes_are_reported_where_they_are(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "actions.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, {})
    assert message in raised.value.message
    assert "secret-key" not in raised.value.message


def test_the_queue_url_alone_needs_no_secret(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    assert load_queue_url(path) == f"sqlite:///{tmp_path.resolve() / 'queue.db'}"


@pytest.mark.parametrize(
    ("written", "environ", "url"),
    [
        ('queue = "redis://10.0.0.5:6379/2"', {}, "redis://10.0.0.5:6379/2"),
        ('[queue]\nurl = "sqlite:////var/q.db"', {}, "sqlite:////var/q.db"),
        ('queue = "env:QUEUE_URL"', {"QUEUE_URL": "redis://r:6379/0"}, "redis://r:6379/0"),
        (
            'queue = "rediss://:env:REDIS_PASSWORD@r.internal:6380/1"',
            {"REDIS_PASSWORD": "p@ss/word"},
            "rediss://:p%40ss%2Fword@r.internal:6380/1",
        ),
        (
            'queue = "redis://actions:env:REDIS_PASSWORD@r:6379/0"',
            {"REDIS_PASSWORD": "pw"},
            "redis://actions:pw@r:6379/0",
        ),
    ],
)
def test_the_queue_is_a_url_with_its_password_from_the_environment(
    tmp_path: Path, written: str, environ: dict[str, str], url: str
) -> None:
    path = tmp_path / "actions.toml"
    path.write_text(f"{written}\n")
    assert load_queue_url(path, environ) == url


def test_a_missing_queue_password_variable_is_named(tmp_path: Path) -> None:
    path = tmp_path / "actions.toml"
    path.write_text('queue = "redis://:env:REDIS_PASSWORD@r:6379/0"\n')
    with pytest.raises(ConfigError) as raised:
        load_queue_url(path, {})
    assert raised.value.message == (
        "queue (password): environment variable REDIS_PASSWORD is not set"
    )


def test_durations_and_times() -> None:
    assert [parse_duration(t) for t in ("250ms", "30s", "5m", "24h", "7d", "12", 1.5)] == [
        0.25,
        30.0,
        300.0,
        86400.0,
        604800.0,
        12.0,
        1.5,
    ]
    with pytest.raises(ValueError, match="expected a duration") as refused:
        parse_duration("1 week")
    assert "week" not in str(refused.value)
    assert parse_time("2h", now=10_000.0) == 2_800.0
    assert parse_time("1970-01-01T01:00:00Z", now=0.0) == 3600.0
    assert parse_time("1970-01-02", now=0.0) == 86400.0
    with pytest.raises(ValueError, match="is not a time"):
        parse_time("yesterday", now=0.0)
