"""AgentRun in-sandbox agent.

Started as the container's main process and its init (PID 1: the host runs it without docker-init), and
waits on stdin, so that a warm container costs nothing until a run arrives. Protocol, all on the attached
stdin:

    one header line: {"nonce": "<hex>", "code": <bytes>, "stdin": <bytes>, "argv": [...], "timeout": <s>}\n
    then exactly `code` bytes of UTF-8 source and `stdin` bytes for the program's stdin.

The interpreter that runs the code is started before the code arrives (boot.py, waiting on fd 3) and
inherits the container's stdout and stderr; it runs the code as `python3 main.py` in /tmp would, so
output, tracebacks and exit codes are byte-identical to running the file by hand. When the child ends, every other process of the sandbox user is killed, and only then the
agent writes its report as the last bytes on stdout:

    \\x1eAGENTRUN-REPORT:<nonce>:{"exit": n, "signal": s, "peak_memory": b, "cpu": secs, "oom_kills": k}\\n

Recycle mode (`agent.py --recycle N`, opt-in on the host): the agent serves up to N runs in turn, each
in a fresh interpreter. After each run it kills every other process of the sandbox user (again until
none is left), empties /tmp, /dev/shm and /dev/mqueue and removes System V IPC objects, and only then
writes the report with "recycled": true. IPC objects cannot be made in the first place (ipcfilter.py);
a container whose filter could not be installed is never recycled.

Why the agent is the init, in every mode: docker-init ran as the sandbox user and was dumpable, so a
program could write into /proc/1/mem and outlive its run. The agent is non-dumpable; as init it reaps
orphans, and the kernel delivers to it, from inside the container, no SIGKILL or SIGSTOP and no signal
without a handler: it installs none (every catchable signal is ignored), so the program can neither kill
nor interrupt it. When it exits the kernel kills every other process of the container.

Nothing outlives its owner: the engine closes the agent's stdin when the host's attach connection closes
(StdinOnce), so end-of-file on stdin, while waiting for a run, during one or after it, means the host is
gone: the agent kills every process and exits. During a run it also ends the run itself at its deadline
("timeout" in the header) plus GRACE seconds, in case the host cannot (its report then says "deadline").

The nonce arrives over stdin and the agent is non-dumpable, so the user's code can neither read it nor
forge a report; the host strips the report by its nonce and ignores any other look-alike. Just before
it, the agent writes \\x1eAGENTRUN-END:<nonce>\\n on stderr, which closes that stream the same way.
"""

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys
import threading
import time

import ipcfilter

PR_SET_DUMPABLE = 4
GRACE = 2.0  # seconds past a run's deadline before the agent ends it itself (the host kills at the deadline)
HOLD_SECONDS = 180  # longest wait for the host's copy-out after a held run (the copy stops after 120 s)
OWNER_GONE, PAST_DEADLINE, AGENT_FAILED = 0, 137, 70  # the agent's own exit statuses
IPC_BLOCKED = False  # set by main(): no run can create IPC objects (ipcfilter.py)


class Input:
    """The attached stdin, read in large chunks (a run's header, code and stdin arrive together)."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""

    def _more(self):
        chunk = os.read(self.fd, 1 << 16)
        self.buffer += chunk
        return bool(chunk)

    def read_exact(self, size):
        chunks = [self.buffer[:size]]
        self.buffer = self.buffer[size:]
        size -= len(chunks[0])
        while size > 0:
            chunk = os.read(self.fd, min(size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def read_header(self):
        while b"\n" not in self.buffer:
            if len(self.buffer) > 65536:
                sys.exit(70)
            if not self._more():
                end_everything(OWNER_GONE)  # the host went away before sending a run: nothing to do
        line, _, self.buffer = self.buffer.partition(b"\n")
        if len(line) > 65536:
            sys.exit(70)
        return json.loads(line)

    def wait_for_end(self, seconds):
        """Waits until the host closes stdin (what it sends meanwhile is dropped) or `seconds` passed.
        True when it was closed."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return False
            if not os.read(self.fd, 65536):
                return True


def end_everything(status):
    """Ends the sandbox now: kills every other process of this user and exits. As the container's init its
    exit makes the kernel kill whatever is left in the container (another user's process included)."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    os._exit(status)


class Watch:
    """While a run is on, a thread that ends it when the host is gone (end of file on stdin: the engine
    closes it when the host's attach connection closes, however the host ended) or when the run's deadline
    plus GRACE has passed (a second line behind the host's own clock). Past the deadline it kills the
    program's processes and lets the main thread report; should that not happen within a few seconds,
    it ends the sandbox itself."""

    def __init__(self, stdin, deadline):
        self.stdin = stdin
        self.deadline = deadline
        self.expired = False
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        poller = select.poll()
        poller.register(self.stdin.fd, select.POLLIN)
        poller.register(self.stop_r, select.POLLIN)
        while True:
            wait = None if self.deadline is None else max(0.0, self.deadline - time.monotonic()) * 1000
            ready = [fd for fd, _ in poller.poll(wait)]
            if self.stop_r in ready:
                return
            if self.stdin.fd in ready:
                chunk = os.read(self.stdin.fd, 1 << 16)
                if not chunk:
                    end_everything(OWNER_GONE)
                self.stdin.buffer += chunk  # not expected during a run; kept for the next header
                continue
            if self.deadline is not None and time.monotonic() >= self.deadline:
                break
        self.expired = True
        try:
            os.kill(-1, signal.SIGKILL)  # the program and all it started; the main thread reports
        except OSError:
            pass
        if not select.select([self.stop_r], [], [], 5.0)[0]:
            end_everything(PAST_DEADLINE)

    def stop(self):
        os.write(self.stop_w, b"x")
        self.thread.join()
        os.close(self.stop_r)
        os.close(self.stop_w)


def peak_memory():
    for path in ("/sys/fs/cgroup/memory/memory.max_usage_in_bytes", "/sys/fs/cgroup/memory.peak"):
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            continue
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def cgroup_counter(candidates):
    """A named counter from a cgroup events file (the first of `candidates` that exists)."""
    for path, key in candidates:
        try:
            with open(path) as f:
                for line in f:
                    name, _, value = line.partition(" ")
                    if name == key:
                        return int(value)
        except (OSError, ValueError):
            continue
    return 0


def oom_kills():
    """How many processes the kernel's OOM killer took in this sandbox's memory cgroup."""
    return cgroup_counter((("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
                           ("/sys/fs/cgroup/memory.events", "oom_kill")))


def pids_limit_hits():
    """How many fork/clone calls failed because the sandbox was at its process limit."""
    return cgroup_counter((("/sys/fs/cgroup/pids/pids.events", "max"),
                           ("/sys/fs/cgroup/pids.events", "max")))


def feed_stdin(fd, data):
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError:
        pass  # the program closed its stdin or exited: the rest is not wanted
    finally:
        os.close(fd)


def exec_python(script):
    """In a forked child: becomes `python3 SCRIPT` (a file next to this one), started as a shell would start
    it: every signal at its default (an ignored one would stay ignored across exec), none blocked."""
    for number in signal.valid_signals():
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL, SIGSTOP and the C library's own
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    try:
        os.execvp("python3", ["python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), script)])
    finally:
        os._exit(127)


def start_interpreter():
    """Starts the interpreter that will run the code, before the code arrives (see boot.py)."""
    code_r, code_w = os.pipe()
    stdin_r, stdin_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # Move both ends out of the way first, so that no dup2 below overwrites the other.
        code_r = os.dup(code_r)
        stdin_r = os.dup(stdin_r)
        os.dup2(stdin_r, 0)
        os.dup2(code_r, 3)
        os.closerange(4, 1 << 16)
        exec_python("boot.py")
    os.close(code_r)
    os.close(stdin_r)
    return pid, code_w, stdin_w


def shield_signals():
    """The kernel delivers to a container's init, from inside the container, only the signals it has a
    handler for (never SIGKILL or SIGSTOP). Python installs one for SIGINT (KeyboardInterrupt, whose
    traceback would land in the program's stderr): ignore that and every other catchable signal, so
    the program can neither kill, stop nor interrupt the agent. SIGCHLD stays: the agent waits."""
    for number in signal.valid_signals():
        if number not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            try:
                signal.signal(number, signal.SIG_IGN)
            except (OSError, ValueError):
                pass


def wait_program(pid):
    """Waits for the program's interpreter, reaping on the way every orphan that the program left (as
    the container's init they are the agent's children)."""
    while True:
        child, status, usage = os.wait4(-1, 0)
        if child == pid:
            return status, usage


def other_processes():
    """Processes of this user other than the agent (what a run may have left behind)."""
    me, uid, found = os.getpid(), os.getuid(), []  # pid 1 (the init) never counts: kill(-1) spares it
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (1, me):
            try:
                if os.stat("/proc/" + entry).st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def reap():
    """As the container's init, orphans are ours to reap."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def kill_others():
    """Kills every process of this user but the agent, again until none is left (a fork may race)."""
    for _ in range(200):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return True  # not one process of this user besides the agent (not even a zombie)
        except OSError:
            pass
        reap()
        if not other_processes():
            return True
        time.sleep(0.005)
    return False


def wipe(directory):
    """Empties a directory of everything the sandbox user could write there (recycle mode). Folders the
    program made unwritable are made writable first. True when it is empty afterwards."""
    for root, dirs, _ in os.walk(directory):
        for name in dirs:
            path = os.path.join(root, name)
            try:
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
            except OSError:
                pass
    for entry in os.scandir(directory):
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
    try:
        return not os.listdir(directory)
    except OSError:
        return False


# /proc/sysvipc/<kind>: "key id perms ..."; the owner's uid is column 7 (0-based) for shm and msg, 4 for sem.
IPC_OWNER_COLUMN = {"shm": 7, "msg": 7, "sem": 4}


def own_ipc_ids(kind):
    """Ids of this user's System V IPC objects of one kind."""
    try:
        with open("/proc/sysvipc/" + kind) as f:
            rows = [row.split() for row in f.read().splitlines()[1:]]
    except OSError:
        return []
    uid = os.getuid()
    return [int(fields[1]) for fields in rows if int(fields[IPC_OWNER_COLUMN[kind]]) == uid]


def remove_ipc():
    """System V IPC objects outlive their processes: remove those of this user (recycle mode). True when
    none of ours is left afterwards."""
    libc = ctypes.CDLL(None, use_errno=True)
    remove = {"shm": lambda i: libc.shmctl(i, 0, None),  # IPC_RMID is 0
              "msg": lambda i: libc.msgctl(i, 0, None),
              "sem": lambda i: libc.semctl(i, 0, 0)}
    for kind in IPC_OWNER_COLUMN:
        for ident in own_ipc_ids(kind):
            remove[kind](ident)
    return not any(own_ipc_ids(kind) for kind in IPC_OWNER_COLUMN)


def place_files(stdin, header):
    """The run's input files: their bytes follow the stdin data, in the header's order. Written under /tmp
    (the working directory) with their folders, never through a link; the host checked the names. A file
    that cannot be placed is said on the program's stderr before it starts."""
    for name, size in header.get("files", []):
        data = stdin.read_exact(int(size))
        path = os.path.join("/tmp", name)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as error:
            os.write(2, ("agentrun: the input file %s could not be placed: %s\n" % (name, error.strerror)).encode())


def serve(stdin, index, runs):
    """One run: reads it from stdin, runs it in a fresh interpreter, writes the marks and the report."""
    oom_before, pids_before = oom_kills(), pids_limit_hits()
    pid, code_w, stdin_w = start_interpreter()
    header = stdin.read_header()
    timeout = float(header.get("timeout", 0))
    deadline = time.monotonic() + timeout + GRACE if timeout > 0 else None
    nonce = str(header["nonce"])
    code = stdin.read_exact(int(header["code"]))
    data = stdin.read_exact(int(header.get("stdin", 0)))
    argv = [str(a) for a in header.get("argv", [])]
    place_files(stdin, header)
    last = index == runs - 1
    # "hold": the host copies files out after the report (with every process of the run gone), then
    # closes stdin; the agent waits for that instead of leaving.
    hold = last and bool(header.get("hold"))
    watch = Watch(stdin, deadline)

    with open("/tmp/main.py", "wb") as f:
        f.write(code)
    payload = b"%d\n" % len(argv) + b"".join(os.fsencode(a) + b"\0" for a in argv) + code
    feed_stdin(code_w, payload)
    if data:
        threading.Thread(target=feed_stdin, args=(stdin_w, data), daemon=True).start()
    else:
        os.close(stdin_w)  # input() gets end-of-file at once

    status, usage = wait_program(pid)
    # Nothing the program started may write after the report: kill every process of this user but us.
    clean = kill_others()
    watch.stop()

    report = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status),
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
        # The cgroup's high-water mark covers every process of the run; a recycled container's mark
        # includes earlier runs, so later runs report the program's own peak instead.
        "peak_memory": peak_memory() if index == 0 else usage.ru_maxrss * 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
        "oom_kills": oom_kills() - oom_before,
        "pids_limit_hits": pids_limit_hits() - pids_before,
        "clean": clean,
    }
    if watch.expired:
        report["deadline"] = True  # ended by the agent: the host's kill did not come
    if not last and clean and not watch.expired:
        # Recycle mode: nothing of this run may reach the next. Processes are gone (above); files in
        # the writable places, System V IPC objects; env and modules lived in the dead interpreter.
        # Anything that will not go ends the container instead (the host then uses a fresh one).
        wiped = wipe("/tmp") & wipe("/dev/shm") & (not os.path.isdir("/dev/mqueue") or wipe("/dev/mqueue"))
        if remove_ipc() and wiped and IPC_BLOCKED:
            report["recycled"] = True
    # stdout and stderr reach the host on separate pipes: a marker closes stderr too, so the host knows
    # it has every byte the program wrote there before it ends the run.
    os.write(2, ("\x1eAGENTRUN-END:%s\n" % nonce).encode())
    line = "\x1eAGENTRUN-REPORT:%s:%s\n" % (nonce, json.dumps(report))
    os.write(1, line.encode())
    if hold:
        stdin.wait_for_end(HOLD_SECONDS)
        report["held"] = True
    return report


def start_kernel():
    """Session mode: starts the kernel (kernel.py) that keeps the session's state, with fd 3 for the cells
    and fd 4 for its per-cell answers; stdin is /dev/null (a cell's stdin comes with the cell)."""
    cells_r, cells_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        cells_r, done_w = os.dup(cells_r), os.dup(done_w)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(cells_r, 3)
        os.dup2(done_w, 4)
        os.closerange(5, 1 << 16)
        exec_python("kernel.py")
    os.close(cells_r)
    os.close(done_w)
    return pid, cells_w, done_r


def process_cpu(pid):
    """CPU seconds of a process and its waited-for children (/proc/PID/stat utime+stime+cutime+cstime)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rpartition(")")[2].split()
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def zombie(pid):
    """A process that has ended and waits for its parent to read its status (it runs nothing)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone already


def kill_all_but(keep):
    """Kills every process of this user but the agent and `keep` (what a cell left running). The kernel's
    own children, once killed, stay zombies until the code waits for them (subprocess.Popen.poll): they
    run nothing and are left for it to reap."""
    for _ in range(200):
        others = [pid for pid in other_processes() if pid != keep and not zombie(pid)]
        if not others:
            return True
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap_but(keep)
        time.sleep(0.002)
    return False


def reap_but(keep):
    """Reaps orphans without waiting for the kernel (its status is read where its death is noticed)."""
    for pid in other_processes() + ([-1] if keep is None else []):
        if pid == keep:
            continue
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass  # not our child (yet): the kernel's own, it is reaped once the kernel is gone


class Answers:
    """The kernel's answers on fd 4: one JSON line per cell; end of file when the kernel is gone."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""

    def wait(self, kernel):
        """The kernel's answer to the cell, or None when it died (its wait status then in .status)."""
        self.status = None
        while b"\n" not in self.buffer:
            if select.select([self.fd], [], [], 0.1)[0]:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                self.buffer += chunk
                if len(self.buffer) > (4 << 20):
                    return None  # not a kernel that works: treated as dead
                continue
            try:
                done, status = os.waitpid(kernel, os.WNOHANG)
            except ChildProcessError:
                done, status = kernel, 137 << 8
            if done:
                self.status = status
                return None
            reap_but(kernel)
        if b"\n" not in self.buffer:
            return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            return None


def serve_session(stdin):
    """Session mode: one kernel keeps its state across cells until it dies or the host goes. Each cell is
    reported like a run, with "session": {"alive": ..., "cell": k} and the variables view."""
    kernel, cells_w, done_r = start_kernel()
    answers = Answers(done_r)
    cell = 0
    while True:
        header = stdin.read_header()
        cell += 1
        oom_before, pids_before = oom_kills(), pids_limit_hits()
        timeout = float(header.get("timeout", 0))
        deadline = time.monotonic() + timeout + GRACE if timeout > 0 else None
        nonce = str(header["nonce"])
        code = stdin.read_exact(int(header["code"]))
        data = stdin.read_exact(int(header.get("stdin", 0)))
        argv = [str(a) for a in header.get("argv", [])]
        place_files(stdin, header)
        cpu_before = process_cpu(kernel)
        watch = Watch(stdin, deadline)
        message = json.dumps({"code": len(code), "stdin": len(data), "argv": argv, "cell": cell}).encode()
        try:
            feed = message + b"\n" + code + data
            view = memoryview(feed)
            while view:
                view = view[os.write(cells_w, view):]
        except OSError:
            pass  # the kernel is gone: its death is read below
        answer = answers.wait(kernel)
        alive = answer is not None
        cpu = process_cpu(kernel) - cpu_before if alive else 0.0
        if alive:
            status, signal_number = int(answer.get("exit", 1)), 0
        else:  # its wait status first, before the orphans are reaped
            wait_status = answers.status
            if wait_status is None:
                try:
                    os.kill(kernel, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    wait_status = os.waitpid(kernel, 0)[1]
                except ChildProcessError:
                    wait_status = 137 << 8
            signal_number = os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else 0
            status = os.WEXITSTATUS(wait_status) if os.WIFEXITED(wait_status) else 128 + signal_number
        clean = kill_all_but(kernel if alive else None)
        watch.stop()
        report = {
            "exit": status,
            "signal": signal_number,
            "peak_memory": peak_memory(),  # the session's high-water mark (the cgroup's), not the cell's
            "cpu": max(cpu, 0.0),
            "oom_kills": oom_kills() - oom_before,
            "pids_limit_hits": pids_limit_hits() - pids_before,
            "clean": clean,
            "session": {"alive": alive and not watch.expired, "cell": cell},
            "variables": answer.get("variables", []) if alive else [],
        }
        if watch.expired:
            report["deadline"] = True
        os.write(2, ("\x1eAGENTRUN-END:%s\n" % nonce).encode())
        os.write(1, ("\x1eAGENTRUN-REPORT:%s:%s\n" % (nonce, json.dumps(report))).encode())
        if not report["session"]["alive"]:
            return report


def main():
    global IPC_BLOCKED
    try:
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    shield_signals()
    IPC_BLOCKED = ipcfilter.install()  # before any run: every process of every run inherits it
    # `--recycle N`: serve up to N runs, one fresh interpreter each (the host's opt-in recycle mode).
    runs = 1
    if len(sys.argv) == 3 and sys.argv[1] == "--recycle":
        runs = max(1, min(int(sys.argv[2]), 10000))
    stdin = Input(sys.stdin.fileno())
    if sys.argv[1:] == ["--session"]:
        report = serve_session(stdin)
        stdin.wait_for_end(2 if not report.get("deadline") else 0)
        return report["exit"]
    for index in range(runs):
        report = serve(stdin, index, runs)
        if not report.get("recycled"):
            break
    # The engine may close the attach stream as soon as the container exits, before it has copied the
    # last bytes out of the pipes (moby/moby#49655). Stay a moment (less when the host is gone): the host
    # ends the run when both marks have arrived and removes the container then, so this costs a run nothing.
    if not report.get("held") and not report.get("deadline"):  # past it, the host is not acting
        stdin.wait_for_end(2)
    return report["exit"]


if __name__ == "__main__":
    try:
        status = main()
    except BaseException:  # noqa: B036 - never the agent's traceback in the program's stderr
        end_everything(AGENT_FAILED)
    end_everything(status)
