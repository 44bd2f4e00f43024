import json, socket, urllib.error, urllib.request
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "reached"
    except urllib.error.HTTPError as error:
        results[name] = "http %d" % error.code
    except Exception as error:
        results[name] = "%s: %s" % (type(error).__name__, str(error)[:100])
get = lambda url: urllib.request.urlopen(url, timeout=20).read()
attempt("other name", lambda: get("http://other.test/"))
attempt("other name tls", lambda: get("https://other.test/"))
attempt("direct ip through the proxy", lambda: get("http://FAKE/"))
attempt("other port", lambda: get("http://api.test:8080/"))
attempt("direct connection", lambda: socket.create_connection(("FAKE", 80), timeout=5).close())
attempt("dns of an allowed name", lambda: socket.getaddrinfo("api.test", 80))
attempt("dns of an outside name", lambda: socket.getaddrinfo("example.org", 443))
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"x", ("FAKE", 53))
    s.recvfrom(16)
attempt("udp", udp)
def gateway():
    for line in open("/proc/net/route").read().splitlines()[1:]:
        fields = line.split()
        if fields[1] == "00000000":
            address = ".".join(str(int(fields[2][i:i + 2], 16)) for i in (6, 4, 2, 0))
            socket.create_connection((address, 22), timeout=5).close()
            return
    raise OSError("no default route")
attempt("the host through the gateway", gateway)
attempt("raw socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
print(json.dumps(results))
