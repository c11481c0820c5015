"""A PostgreSQL primary with a streaming replica, and PgBouncer in front of them, made from
scratch in a temporary folder with the machine's PostgreSQL packages: for the tests and the
benchmark of read replicas. The machine's own cluster is never touched.

The servers run as the `postgres` user when this runs as root (PostgreSQL refuses to run as
root), which owns the temporary folder then."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

LOOPBACK = "127.0.0.1"
SERVICE_USER = "postgres"
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian: /usr/lib/postgresql/<version>/bin)."""
    versions = sorted(
        (entry for entry in os.listdir("/usr/lib/postgresql") if entry.isdigit()), key=int
    )
    if not versions:
        raise RuntimeError("no PostgreSQL in /usr/lib/postgresql")
    return Path("/usr/lib/postgresql") / versions[-1] / "bin"


def available() -> bool:
    try:
        return (postgres_bin() / "initdb").exists()
    except OSError:
        return False


def _as_service_user(command: Sequence[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVICE_USER, "--", *command]
    return list(command)


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {READY_TIMEOUT} s")


class Cluster:
    """A primary and one streaming replica (`pg_basebackup -R`), each on a free loopback port,
    with trust authentication from the loopback only. Use as a context manager."""

    def __init__(self, database: str = "leadcrew") -> None:
        self.database = database
        self.bin = postgres_bin()
        # In /tmp when run as root: the servers' user must reach it, and root's own temporary
        # folder (TMPDIR) may be closed to others.
        folder = "/tmp" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="leadcrew-cluster-", dir=folder))
        self.primary_dir = self.root / "primary"
        self.replica_dir = self.root / "replica"
        self.primary_port = free_port()
        self.replica_port = free_port()
        if os.geteuid() == 0:
            service = pwd.getpwnam(SERVICE_USER)
            os.chown(self.root, service.pw_uid, service.pw_gid)
        self.root.chmod(0o700)

    # --- running programs ---

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            _as_service_user(command),
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")

    def _pg_ctl(self, data: Path, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), *args)

    def _start(self, data: Path, port: int) -> None:
        options = (
            f"-p {port} -k {self.root} -c listen_addresses={LOOPBACK} -c fsync=off "
            "-c max_connections=60"
        )
        log = self.root / f"{data.name}.log"
        self._pg_ctl(
            data, "-w", "-t", str(int(READY_TIMEOUT)), "-l", str(log), "-o", options, "start"
        )

    # --- the cluster ---

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.primary_dir),
            "-U",
            SERVICE_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Written by this process: the servers' user must own it to read it.
        hba = self.primary_dir / "pg_hba.conf"
        hba.write_text(
            "local all all trust\n"
            f"host all all {LOOPBACK}/32 trust\n"
            f"host replication all {LOOPBACK}/32 trust\n"
        )
        if os.geteuid() == 0:
            service = pwd.getpwnam(SERVICE_USER)
            os.chown(hba, service.pw_uid, service.pw_gid)
        self._start(self.primary_dir, self.primary_port)
        with self.connect(self.primary_port, "postgres") as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self._run(
            str(self.bin / "pg_basebackup"),
            "-h",
            LOOPBACK,
            "-p",
            str(self.primary_port),
            "-U",
            SERVICE_USER,
            "-D",
            str(self.replica_dir),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        self.start_replica()

    def start_replica(self) -> None:
        self._start(self.replica_dir, self.replica_port)

    def stop_replica(self) -> None:
        """As a crash or a lost machine would: no goodbye to the clients."""
        self._pg_ctl(self.replica_dir, "-m", "immediate", "stop")

    def stop(self) -> None:
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    self._pg_ctl(data, "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- talking to it ---

    def url(self, port: int, database: str | None = None) -> str:
        return f"postgres://{SERVICE_USER}@{LOOPBACK}:{port}/{database or self.database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def connect(self, port: int, database: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=LOOPBACK,
            port=port,
            user=SERVICE_USER,
            dbname=database or self.database,
            autocommit=True,
        )

    def primary_value(self, sql: str) -> Any:
        with self.connect(self.primary_port) as connection:
            row = connection.execute(sql).fetchone()
        return row[0] if row else None

    def replica_value(self, sql: str) -> Any:
        with self.connect(self.replica_port) as connection:
            row = connection.execute(sql).fetchone()
        return row[0] if row else None

    def wait_for_replay(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary_value("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            with self.connect(self.replica_port) as connection:
                row = connection.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
        raise RuntimeError("the replica did not catch up")

    def pause_replay(self) -> None:
        with self.connect(self.replica_port) as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            # Paused once replay says so, not when asked.
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline:
                row = connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()
                if row and row[0] == "paused":
                    return
                time.sleep(0.05)
        raise RuntimeError("replay did not pause")

    def resume_replay(self) -> None:
        with self.connect(self.replica_port) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")


class PgBouncer:
    """PgBouncer in transaction mode in front of the cluster: the database `<name>` is the
    primary, `<name>_replica` the replica. A small pool whose connections are handed out in
    turns, so that whatever a client leaves on a server connection past its transaction (a
    prepared statement, a holdable cursor) is missing from the next one."""

    def __init__(self, cluster: Cluster, pool_size: int = 2, query_wait_timeout: int = 120) -> None:
        self.cluster = cluster
        self.port = free_port()
        self.pool_size = pool_size
        # How long a query waits for a server connection: when its server is gone, how long a
        # client waits before it is told.
        self.query_wait_timeout = query_wait_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgres://{SERVICE_USER}@{LOOPBACK}:{self.port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.cluster.database)

    @property
    def replica_url(self) -> str:
        return self.url(f"{self.cluster.database}_replica")

    def start(self) -> None:
        root, name = self.cluster.root, self.cluster.database
        config = root / "pgbouncer.ini"
        users = root / "userlist.txt"
        users.write_text(f'"{SERVICE_USER}" ""\n')
        config.write_text(
            "[databases]\n"
            f"{name} = host={LOOPBACK} port={self.cluster.primary_port} dbname={name}\n"
            f"{name}_replica = host={LOOPBACK} port={self.cluster.replica_port} dbname={name}\n"
            "[pgbouncer]\n"
            f"listen_addr = {LOOPBACK}\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = {root}\n"
            "auth_type = trust\n"
            f"auth_file = {users}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            # Every server connection open, and taken in turns: a client's next transaction
            # runs on another connection than its last one, every time.
            f"min_pool_size = {self.pool_size}\n"
            "server_round_robin = 1\n"
            "max_client_conn = 200\n"
            f"query_wait_timeout = {self.query_wait_timeout}\n"
            f"logfile = {root / 'pgbouncer.log'}\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        if os.geteuid() == 0:
            service = pwd.getpwnam(SERVICE_USER)
            for path in (config, users):
                os.chown(path, service.pw_uid, service.pw_gid)
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.process = subprocess.Popen(
            _as_service_user([binary, str(config)]),
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # stopped as one group, by its own id
        )
        _wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "PgBouncer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pgbouncer_available() -> bool:
    return bool(shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists())
