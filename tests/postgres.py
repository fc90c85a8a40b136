"""A real PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder, a free port.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster
belongs to the unprivileged `postgres` user (which Debian's package creates)
and every server command runs as that user. The server listens on 127.0.0.1
only, with password authentication (scram-sha-256), so the tests use the same
path a house does: the URL in house.yaml, the password in the environment.
Without the binaries the tests that need them skip, except under CI=true.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from mail_servers import free_port

USER, PASSWORD = "composer", "pg-test-password-5d1c9e"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass
class Server:
    port: int
    folder: Path
    bin: Path
    runner: list[str]
    made: int = 0

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh database for one test."""
        import psycopg

        self.made += 1
        name = f"test_{os.getpid()}_{self.made}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name


def _as_owner(owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--"] if owner else []


def start() -> Server:
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed; .ci/system-packages installs it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql, or bash .ci/system-packages)")
    owner = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="composer-pg-", dir="/tmp"))
    if owner:
        record = pwd.getpwnam(owner)
        os.chown(folder, record.pw_uid, record.pw_gid)
    runner = _as_owner(owner)
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n")
    if owner:
        os.chown(password_file, pwd.getpwnam(owner).pw_uid, -1)
    data = folder / "data"
    subprocess.run([*runner, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=scram-sha-256",
                    f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*runner, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                    "-w", "-t", "60", "start"], check=True, capture_output=True, timeout=90)
    return Server(port, folder, bin_dir, runner)


def stop(server: Server) -> None:
    subprocess.run([*server.runner, str(server.bin / "pg_ctl"), "-D", str(server.folder / "data"), "-m", "fast",
                    "-w", "stop"], capture_output=True, timeout=60)
    shutil.rmtree(server.folder, ignore_errors=True)
