"""Makes System V IPC objects and POSIX message queues impossible to create in the sandbox.

They are kernel objects of the container's IPC namespace, not files of its writable places, and they
outlive the process that made them: in recycle mode (one container, several runs) one run's queued
message or shared segment would reach the next run. Rather than finding and removing them after each
run (gVisor has no /proc/sysvipc and no /dev/mqueue to list them by), no run can make one: the agent
installs a seccomp filter on itself before any run, and every process of every run inherits it (it
cannot be removed). The creating calls fail with EPERM: shmget, semget, msgget, mq_open. Python's
multiprocessing is not affected: its locks and queues use POSIX semaphores, files in /dev/shm, which
the agent empties between runs. Under runc the host also sets fs.mqueue.queues_max=0, which covers
creating a queue as a file in /dev/mqueue (that goes through open(), not mq_open).

Works the same under runc and gVisor (both implement seccomp filters for the sandboxed program).
"""

import ctypes
import errno
import platform

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_RET_K = 0x06
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
X32_SYSCALL_BIT = 0x40000000

# machine: (audit arch, {call: number}) — the numbers of the creating calls on each architecture.
ARCHES = {
    "x86_64": (0xC000003E, {"shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240}),
    "aarch64": (0xC00000B7, {"mq_open": 180, "msgget": 186, "semget": 190, "shmget": 194}),
}


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def program(arch, numbers):
    """The filter: another architecture's calls (i386 compat, whose ipc() multiplexes all of these) and
    x32 calls are refused with ENOSYS, the creating calls with EPERM, everything else is allowed."""
    denied = sorted(numbers.values())
    deny_at = 5 + len(denied) + 1  # index of the EPERM return
    code = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 1, 0, arch),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (BPF_JGE_K, deny_at - 5, 0, X32_SYSCALL_BIT),
    ]
    for index, number in enumerate(denied):
        code.append((BPF_JEQ_K, deny_at - (5 + index) - 1, 0, number))
    code.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    code.append((BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM))
    assert len(code) == deny_at + 1
    return code


def install():
    """Installs the filter on this process (and so on everything it starts). True when it is in place."""
    machine = platform.machine()
    if machine not in ARCHES:
        return False
    code = program(*ARCHES[machine])
    filters = (SockFilter * len(code))(*[SockFilter(*row) for row in code])
    prog = SockFprog(len(code), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    ulong = ctypes.c_ulong
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), ulong(0),
                      ulong(0)) == 0
