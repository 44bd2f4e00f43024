# The fake internet of tests/security/tst_allowlist.cpp: HTTP on 80 and 8080, HTTPS on 443, one page
# that names the host asked for, /big (8 MiB) for the byte cap, and a package index under /simple/ and
# /files/ for installs through the proxy.
import http.server, os, socketserver, ssl, threading

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        if self.path.startswith("/simple/") or self.path.startswith("/files/"):
            self.serve_index_file()
            return
        if self.path.startswith("/big"):
            size = 8 << 20
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        body = ("hello from %s over %s" % (self.headers.get("Host"), scheme)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # A package index (PEP 503) from /srv/www, which the test fills: pages and wheels.
    def serve_index_file(self):
        path = os.path.normpath("/srv/www" + self.path.split("?")[0])
        if self.path.endswith("/"):
            path = os.path.join(path, "index.html")
        if not path.startswith("/srv/www/") or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if path.endswith(".html") else "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

def serve(port, tls):
    server = Server(("0.0.0.0", port), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("/srv/cert.pem", "/srv/key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()

for port, tls in ((80, False), (8080, False), (443, True)):
    threading.Thread(target=serve, args=(port, tls), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
