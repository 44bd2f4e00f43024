"""A drop-in for AgentRun 0.2.5's Python API, on an ``agentrun serve``.

    from agentrun_workbench.compat import AgentRun      # was: from agentrun import AgentRun
    runner = AgentRun(container_name="my_container")     # the name is kept, nothing looks it up
    print(runner.execute_code_in_container("print('Hello, World!')"))

The constructor takes AgentRun's options and maps them onto a /v2 run: ``default_timeout`` is
``limits.timeout``, ``memory_limit`` ``limits.memory``, ``memswap_limit`` ``limits.memory_swap``,
``cpu_quota`` (microseconds per 100 ms) ``limits.cpus``, ``dependencies_whitelist`` (plus
``cached_dependencies``) the run's ``dependencies``, within the server's ``--allow``. The code is judged
by the ``agentrun-compat`` policy, so verdicts and messages are AgentRun's. Two keyword arguments are
new: ``base_url`` (else ``AGENTRUN_URL``, else ``http://127.0.0.1:8000``) and ``token`` (else
``AGENTRUN_TOKEN``). docs/migration.md lists every difference.
"""

from __future__ import annotations

import ast
import json
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

from .client import Client
from .errors import AgentRunError, APIError, ServerUnreachable
from .types import RunResult

SAFE_MESSAGE = "The code is safe to execute."
INSTALLED_MESSAGE = "Dependencies installed successfully."
COMPAT_POLICY = "agentrun-compat"


class AgentRun:
    """AgentRun's class, running every call on a fresh sandbox of an AgentRun Workbench server."""

    class CommandTimeout(Exception):
        """Exception raised when a command execution times out (kept for ``except`` clauses)."""

    def __init__(
        self,
        container_name: Optional[str] = None,
        dependencies_whitelist: Union[List[str], str, None] = None,
        cached_dependencies: Optional[List[str]] = None,
        cpu_quota: int = 50000,
        default_timeout: float = 20,
        memory_limit: str = "100m",
        memswap_limit: Optional[str] = None,
        client: Optional[Client] = None,
        *,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
    ):
        if dependencies_whitelist is None:
            dependencies_whitelist = ["*"]
        if isinstance(dependencies_whitelist, str):
            # An older AgentRun read the whitelist from an environment variable as a JSON list.
            dependencies_whitelist = _string_list(dependencies_whitelist)
        if cached_dependencies is None:
            cached_dependencies = []
        self.container_name = container_name
        self.dependencies_whitelist = list(dependencies_whitelist)
        self.cached_dependencies = list(cached_dependencies)
        self.cpu_quota = cpu_quota
        self.default_timeout = default_timeout
        self.memory_limit = memory_limit
        self.memswap_limit = memswap_limit
        if client is not None and not isinstance(client, Client):
            raise TypeError(
                "client must be an agentrun_workbench.Client (the server talks to the container engine; "
                "a docker client has no use here): Client(base_url, token=...)"
            )
        self.client = client or Client(base_url, token=token)

        # AgentRun pinged the engine here; the server is what we talk to, and it reports its engine.
        try:
            self.client.health()
        except ServerUnreachable as error:
            raise RuntimeError(
                "Failed to connect to the AgentRun Workbench server. Please make sure `agentrun serve` is "
                f"running. {error}"
            ) from None
        except APIError as error:
            if error.code.startswith("engine."):
                raise RuntimeError(
                    f"Failed to connect to Docker daemon. Please make sure Docker is running. {error.message}"
                ) from None
            raise RuntimeError(f"The AgentRun Workbench server refused: {error}") from None

        if not self.is_everything_whitelisted() and not self.validate_cached_dependencies():
            raise ValueError("Some cached dependencies are not in the whitelist.")
        if self.cached_dependencies:
            self.install_cached_dependencies()

    # -- AgentRun's whitelist logic, unchanged -----------------------------------------------------------

    def is_everything_whitelisted(self) -> bool:
        return "*" in self.dependencies_whitelist

    def validate_cached_dependencies(self) -> bool:
        if self.is_everything_whitelisted():
            return True
        return all(dep in self.dependencies_whitelist for dep in self.cached_dependencies)

    def install_cached_dependencies(self) -> None:
        """Installs the cached dependencies once (the server keeps installed sets in its cache, so later
        runs that import them install nothing); ValueError when that fails, as AgentRun."""
        output = self.install_dependencies(None, self.cached_dependencies)
        if output != INSTALLED_MESSAGE:
            raise ValueError(output)

    # -- the run ----------------------------------------------------------------------------------------

    def _limits(self) -> Dict[str, Any]:
        limits: Dict[str, Any] = {
            "timeout": self.default_timeout,
            "memory": self.memory_limit,
            "cpus": self.cpu_quota / 100000,
        }
        if self.memswap_limit is not None:
            limits["memory_swap"] = self.memswap_limit
        return limits

    def _dependencies(self) -> Optional[List[str]]:
        """The run's whitelist: None (the server's own --allow) when everything is allowed."""
        if self.is_everything_whitelisted():
            return None
        names = list(self.dependencies_whitelist)
        names += [d for d in self.cached_dependencies if d not in names]
        return names

    def _run(self, code: str) -> RunResult:
        return self.client.run(code, limits=self._limits(), policy=COMPAT_POLICY, dependencies=self._dependencies())

    def _output(self, result: RunResult) -> str:
        """The one string AgentRun returned for each outcome (as the server's /v1/run/ words it)."""
        status = result.status
        if status in ("ok", "exception"):
            return result.output
        if status == "blocked":
            for finding in result.findings:
                if finding.severity == "block":
                    return finding.message  # agentrun-compat puts AgentRun's own verdict first
            return result.message
        if status == "dependency_rejected":
            allowed = self._dependencies()
            for package in result.packages:
                if allowed is not None and _normalised(package) not in {_normalised(a) for a in allowed}:
                    return f"Dependency: {package} is not in the whitelist."
            return result.message
        if status == "install_failed":
            return f"Failed to install dependency {', '.join(result.packages)}" if result.packages else result.message
        if status == "timeout":
            return "Execution timed out."
        # AgentRun has no words for these (out of memory, output limit, killed, ...): the output so far,
        # then the server's sentence on a line of its own.
        text = result.output
        if text and not text.endswith("\n"):
            text += "\n"
        return text + result.message

    def execute_code_in_container(self, python_code: str) -> str:
        """Runs the code and returns what AgentRun returned: the output (a traceback included), or its
        one-line verdict (``Unsafe module import: os``, ``Dependency: numpy is not in the whitelist.``,
        ``Failed to install dependency x``, ``Execution timed out.``). As AgentRun, a failure of the
        call itself comes back as its message rather than an exception."""
        try:
            return self._output(self._run(python_code))
        except APIError as error:
            return error.message
        except AgentRunError as error:
            return str(error)

    def safety_check(self, python_code: str) -> Dict[str, object]:
        """``{"safe": bool, "message": str}``: the server's check under the ``agentrun-compat`` policy,
        whose first finding is AgentRun's own verdict."""
        result = self.client.check(python_code, policy=COMPAT_POLICY)
        if result.allowed:
            return {"safe": True, "message": SAFE_MESSAGE}
        for finding in result.findings:
            if finding.severity == "block":
                return {"safe": False, "message": finding.message}
        return {"safe": False, "message": result.findings[0].message if result.findings else "Blocked."}

    def parse_dependencies(self, python_code: str) -> List[str]:
        """The top-level names the code imports that are not in the standard library (AgentRun's
        import names; the server maps them to distributions, ``sklearn`` to ``scikit-learn``)."""
        tree = ast.parse(python_code)
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.add(alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
        return [name for name in found if name and not _is_stdlib(name)]

    def install_dependencies(self, container: Any, dependencies: List[str]) -> str:
        """Checks the whitelist and installs the packages through the server (into its package cache,
        so later runs that import them install nothing). ``container`` is ignored: there is none."""
        if not self.is_everything_whitelisted():
            for dep in dependencies:
                if dep not in self.dependencies_whitelist:
                    return f"Dependency: {dep} is not in the whitelist."
        if not dependencies:
            return INSTALLED_MESSAGE
        code = "".join(f"import {name}\n" for name in dependencies if name.isidentifier())
        try:
            result = self._run(code)
        except APIError as error:
            return error.message
        except AgentRunError as error:
            return str(error)
        if result.status == "ok":
            return INSTALLED_MESSAGE
        if result.status == "exception":
            # Imported but not there: the server installs nothing without a whitelist and a package source
            # (serve --allow, --wheelhouse or --index-url).
            return f"Failed to install dependency {', '.join(dependencies)}"
        return self._output(result)

    def uninstall_dependencies(self, container: Any, dependencies: List[str]) -> str:
        """Nothing to uninstall: every run starts from the image."""
        return "Dependencies uninstalled successfully."

    def copy_code_to_container(self, container: Any, python_code: str) -> Dict[str, Union[bool, str]]:
        """There is no long-lived container to copy into: the code travels with each run."""
        return {
            "success": False,
            "message": "No container to copy into: every run gets a fresh sandbox. Pass the code to "
            "execute_code_in_container.",
        }

    def execute_command_in_container(self, container: Any, cmd: str, timeout: int) -> Tuple[Optional[int], str]:
        """AgentRun ran any command with ``docker exec``; the server runs Python programs only."""
        raise NotImplementedError(
            "Commands cannot be run in the sandbox: only Python programs, through execute_code_in_container."
        )

    def clean_up(self, container: Any, script_name: str, dependencies: List[str]) -> None:
        """Nothing to clean: the server removes each run's container."""
        return None


def _string_list(text: str) -> List[str]:
    try:
        value = json.loads(text)
    except ValueError:
        value = [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value]


def _normalised(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name.split("==")[0].split(">")[0].split("<")[0].strip()).lower()


def _is_stdlib(name: str) -> bool:
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    if names is not None:
        return name in names or name in sys.builtin_module_names
    # Python 3.9: a module found under the interpreter's own library folder (not site-packages).
    if name in sys.builtin_module_names:
        return True
    import importlib.util
    import sysconfig

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    stdlib = sysconfig.get_paths()["stdlib"]
    return spec.origin.startswith(stdlib) and "site-packages" not in spec.origin and "dist-packages" not in spec.origin
