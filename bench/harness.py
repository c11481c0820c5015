"""What every measurement uses: a keep-alive HTTP client, a server process on a loopback port,
and timing with medians and 95th percentiles."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One persistent HTTP/1.1 connection to the server, with fixed headers (a credential).
    Reconnects once if the server closed the connection between two requests."""

    def __init__(self, port: int, headers: Mapping[str, str], timeout: float = 120.0) -> None:
        self.port, self.headers, self.timeout = port, dict(headers), timeout
        self.connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if params:
            path = f"{path}?{urlencode(params)}"
        payload = None if body is None else json.dumps(body).encode()
        headers = {**self.headers, **(headers or {})}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                raw = self.connection.getresponse()
                data = raw.read()
                return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(
                    LOOPBACK, self.port, timeout=self.timeout
                )
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> Response:
        return self.request("GET", path, params)

    def close(self) -> None:
        self.connection.close()


class Server:
    """A server started as a child process, stopped (by its own pid) when leaving."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log: Path,
        ready_path: str,
        cwd: Path | None = None,
    ) -> None:
        self.command, self.env, self.log, self.ready_path = (
            list(command),
            dict(env),
            log,
            ready_path,
        )
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.port = free_port()

    def start(self, timeout: float = 120.0) -> None:
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            # A session of its own: stopping it stops its workers, and nothing else.
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: see {self.log}")
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    pass
                connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
                connection.request("GET", self.ready_path)
                connection.getresponse().read()
                connection.close()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {timeout} s: see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Timing ---------------------------------------------------------------------------------


@dataclass
class Stats:
    median_ms: float
    p95_ms: float
    min_ms: float
    runs: int

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> "Stats":
        ordered = sorted(samples_ms)
        # Nearest-rank 95th percentile: with 40 runs, the 38th fastest.
        rank = max(1, -(-95 * len(ordered) // 100))
        return cls(
            median_ms=round(statistics.median(ordered), 3),
            p95_ms=round(ordered[rank - 1], 3),
            min_ms=round(ordered[0], 3),
            runs=len(ordered),
        )


def clock_ms[T](function: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def interleaved(
    functions: Sequence[Callable[[], Any]], runs: int, warmup: int
) -> list[list[float]]:
    """Runs the functions in turn, `runs` times each after `warmup` untimed rounds: alternating
    spreads the noise of a shared machine evenly over what is being compared."""
    for _ in range(warmup):
        for function in functions:
            function()
    samples: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for index, function in enumerate(functions):
            elapsed, _ = clock_ms(function)
            samples[index].append(elapsed)
    return samples


def server_shape(workers: int, threads: int) -> str:
    """How a gunicorn server was run, in words for the report."""
    if threads <= 1:
        return f"{workers} gunicorn workers, one request at a time each"
    return f"{workers} gunicorn workers × {threads} threads"
