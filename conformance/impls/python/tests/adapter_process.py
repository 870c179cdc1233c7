"""Run adapter.py as a subprocess and talk protocol 1 to it, as the conformance runner does."""

import json
import os
import subprocess
import sys
from pathlib import Path

ADAPTER = Path(__file__).resolve().parents[1] / "adapter.py"


class AdapterProcess:
    """One running adapter; use as a context manager."""

    def __init__(self, *arguments: str, environment: dict[str, str] | None = None) -> None:
        env = {key: value for key, value in os.environ.items() if key != "PROVEDEX_PLANT_BUG"}
        env.update(environment or {})
        self.process = subprocess.Popen(
            [sys.executable, str(ADAPTER), *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.counter = 0

    def __enter__(self) -> "AdapterProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()

    def send_raw(self, line: bytes) -> dict:
        self.process.stdin.write(line + b"\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def request(self, op: str, **arguments) -> dict:
        """Send one request and return its response, checking that the id is echoed."""
        self.counter += 1
        request_id = f"{op}-{self.counter}"
        response = self.send_raw(json.dumps({"id": request_id, "op": op, **arguments}).encode())
        assert response["id"] == request_id
        return response

    def result(self, op: str, **arguments) -> dict:
        response = self.request(op, **arguments)
        assert "result" in response, response
        return response["result"]
