#!/usr/bin/env python3
"""Runs one unittest suite of the Python client (tests/python/test_SUITE.py) against a real server.

1. Installs clients/python into a fresh venv with pip, offline (--no-index --no-build-isolation), and
   proves the suite imports the installed copy, not the source tree.
2. Starts `agentrun serve` on a free loopback port with a token, a history file, `--allow '*'` and an
   empty wheelhouse (so installs fail offline the way AgentRun's did without the package), and the
   engine this machine runs.
3. Runs the suite with AGENTRUN_URL / AGENTRUN_TOKEN set, then stops the server with SIGTERM.

    run_tests.py --agentrun PATH --source REPO --work DIR --suite client|compat|sessions|docs
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time


def start_server(agentrun, work, token_file, extra_env=None, extra_args=()):
    log_path = os.path.join(work, "serve-%d.log" % len(os.listdir(work)))
    log = open(log_path, "wb")
    history = os.path.join(work, "history.sqlite3")
    wheelhouse = os.path.join(work, "wheelhouse")
    os.makedirs(wheelhouse, exist_ok=True)
    os.chmod(wheelhouse, 0o755)  # the installer container reads it as uid 65534
    env = dict(os.environ)
    env.update(extra_env or {})
    args = [agentrun, "serve", "--listen", "127.0.0.1:0", "--token-file", token_file, "--history-file", history,
            "--allow", "*", "--wheelhouse", wheelhouse, "--max-blocked-per-minute", "0", *extra_args]
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log_path, "r", errors="replace") as f:
            text = f.read()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        if found:
            return process, found.group(1), log_path
        if process.poll() is not None:
            sys.exit("agentrun serve exited with %s before listening:\n%s" % (process.returncode, text))
        time.sleep(0.1)
    process.kill()
    sys.exit("agentrun serve did not print its address within 60 s:\n" + open(log_path).read())


def stop_server(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agentrun", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--suite", required=True)
    options = parser.parse_args()

    options.agentrun = os.path.abspath(options.agentrun)
    options.source = os.path.abspath(options.source)
    work = os.path.abspath(options.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    package = os.path.join(options.source, "clients", "python")

    # 1. pip install, offline. --system-site-packages: the build backend (setuptools, wheel) comes from
    # the system's python3-setuptools and python3-wheel, never from a package index.
    venv = os.path.join(work, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    build = os.path.join(work, "build")  # pip builds in a copy: the source tree gets no build/ or egg-info
    shutil.copytree(package, build)
    # No pip configuration of this machine takes part (a find-links folder, an index): only the package.
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    pip_env["PIP_CONFIG_FILE"] = os.devnull
    install = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation",
                              "--disable-pip-version-check", "--no-cache-dir", build],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=pip_env)
    print(install.stdout)
    if install.returncode != 0:
        sys.exit("pip install of clients/python failed offline (exit %d): see above" % install.returncode)
    where = subprocess.run([python, "-c", "import agentrun_workbench; print(agentrun_workbench.__file__)"],
                           cwd=work, stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    if not where.startswith(venv):
        sys.exit("the venv imports agentrun_workbench from %s, not from what pip installed" % where)
    print("agentrun_workbench installed at", where)

    # 2. the server
    token = secrets.token_urlsafe(24)
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(token)
    os.chmod(token_file, 0o600)
    server, url, log_path = start_server(options.agentrun, work, token_file)
    print("server at", url)

    # 3. the suite, from outside the source tree (only the installed package is importable)
    env = dict(os.environ)
    env.update({
        "AGENTRUN_URL": url,
        "AGENTRUN_TOKEN": token,
        "AGENTRUN_CLI": options.agentrun,
        "AGENTRUN_SOURCE_DIR": options.source,
        "AGENTRUN_TEST_DATA": os.path.join(options.source, "tests", "data"),
        "AGENTRUN_TEST_WORK": work,
        "AGENTRUN_TEST_TOKEN_FILE": token_file,
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("PYTHONPATH", None)
    tests = os.path.join(options.source, "tests", "python")
    try:
        result = subprocess.run([python, "-m", "unittest", "-v", "test_%s" % options.suite], cwd=tests, env=env)
    finally:
        status = stop_server(server)
        with open(log_path, errors="replace") as f:
            log = f.read()
    if status != 0:
        print(log)
        sys.exit("agentrun serve exited with %s after SIGTERM (0 expected)" % status)
    if result.returncode != 0:
        print("---- server log ----\n" + log)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
