"""What every suite needs: the server run_tests.py started, and a client of it."""

import os
import socket

from agentrun_workbench import Client

URL = os.environ["AGENTRUN_URL"]
TOKEN = os.environ["AGENTRUN_TOKEN"]


def client(**options):
    return Client(URL, token=TOKEN, **options)


def closed_port_url():
    """An address nothing listens on: a port the system gave us, then closed."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return "http://127.0.0.1:%d" % port
