"""scripts/system-deps.sh against a stand-in apt-get that records what it is asked."""

import os
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps.sh"
# Package names no machine has, so the script's dpkg check always finds them missing.
MISSING = ["backcare-test-absent-a", "backcare-test-absent-b"]


def run(tmp_path: Path, packages: List[str], fail_on: str = "") -> Tuple[int, str, List[str]]:
    """Run the script with a recording apt-get first on PATH; return rc, stderr and apt calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "apt.log"
    apt = bin_dir / "apt-get"
    apt.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {log}\n'
        f'[ -n "{fail_on}" ] && [[ "$*" == *"{fail_on}"* ]] && exit 100\n'
        # Like a real install, make the package's command appear.
        f'[ "$1" = install ] && printf "#!/bin/sh\\n" > {bin_dir}/"${{@: -1}}" && chmod +x {bin_dir}/"${{@: -1}}"\n'
        "exit 0\n"
    )
    apt.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "APT_UPDATED_STAMP": str(tmp_path / "stamp")}
    done = subprocess.run(["bash", str(SCRIPT), *packages], env=env, capture_output=True, text=True, timeout=30)
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stderr, calls


def test_present_packages_never_call_apt(tmp_path: Path) -> None:
    rc, _, calls = run(tmp_path, ["bash", "git"])
    assert rc == 0
    assert calls == []


def test_each_missing_package_is_installed_alone_after_one_update(tmp_path: Path) -> None:
    rc, _, calls = run(tmp_path, ["bash", *MISSING])
    assert rc == 0
    assert calls == ["update -qq", f"install -y -qq {MISSING[0]}", f"install -y -qq {MISSING[1]}"]


def test_a_second_make_step_does_not_update_again(tmp_path: Path) -> None:
    run(tmp_path, MISSING[:1])
    _, _, calls = run(tmp_path, MISSING[1:])
    assert calls == ["update -qq", f"install -y -qq {MISSING[0]}", f"install -y -qq {MISSING[1]}"]


@pytest.mark.parametrize("fail_on", ["update", "install"])
def test_a_failing_apt_names_the_package_and_the_command(tmp_path: Path, fail_on: str) -> None:
    rc, stderr, _ = run(tmp_path, MISSING[:1], fail_on=fail_on)
    assert rc == 1
    assert f"apt-get install -y {MISSING[0]}" in stderr
