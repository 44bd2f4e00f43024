# The static check blocks this before anything runs: a shell command, reached through an alias.
import os as system_tools

run = system_tools.system
run("cat /etc/passwd")
