"""A local HTTP server for download tests: serves files and can 404, cut, stall, corrupt or trickle.

The first path segment picks the behaviour: /ok/F, /404/F, /cut/F (promises the whole length,
sends half, closes), /stall/F (sends a little, then nothing), /corrupt/F (one byte flipped),
/slow/F (small chunks with pauses, for progress bars), /junk/F (1000 other bytes), /empty/F
(a 0-byte body), /trickle/F (2 bytes every 0.2 s: data keeps coming, too slowly to ever finish).
A stall lasts until the client hangs up or the server stops (never a timing guess). Bodies past any sane cap (bounded at ENDLESS bytes so a broken client cannot fill
the disk): /endless/F (no Content-Length, sent until the client hangs up), /chunked/F (the same,
chunked), /huge/F (announces a terabyte). `sent[mode]` counts the body bytes each mode wrote.
"""
import http.server
import threading
import time

ENDLESS = 16 << 20


class Server:
    def __init__(self, files):
        self.files = dict(files)  # name -> bytes
        self.stop_event = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = self.path.lstrip("/").split("/")
                mode, name = parts[0], parts[-1]
                data = outer.files.get(name)
                if mode == "404" or data is None:
                    self.send_error(404)
                    return
                if mode == "corrupt":
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                elif mode == "junk":
                    data = b"\x89junk" * 200
                elif mode == "empty":
                    data = b""
                elif mode in ("endless", "chunked", "huge"):
                    self.endless(mode, data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    if mode == "cut":
                        self.wfile.write(data[:len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                    elif mode == "stall":
                        self.wfile.write(data[:1000])
                        self.wfile.flush()
                        outer.stop_event.wait()  # until the server stops: a test under load may take minutes
                    elif mode == "trickle":
                        for i in range(0, len(data), 2):
                            self.wfile.write(data[i:i + 2])
                            self.wfile.flush()
                            if outer.stop_event.wait(0.2):
                                return
                    elif mode == "slow":
                        step = max(1, len(data) // 40)
                        for i in range(0, len(data), step):
                            self.wfile.write(data[i:i + step])
                            self.wfile.flush()
                            if outer.stop_event.wait(0.1):
                                return
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def endless(self, mode, data):
                if mode == "chunked":
                    self.protocol_version = "HTTP/1.1"
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if mode == "chunked":
                    self.send_header("Transfer-Encoding", "chunked")
                elif mode == "huge":
                    self.send_header("Content-Length", str(10 ** 12))
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                block = (data * (65536 // max(1, len(data)) + 1))[:65536]
                try:
                    while outer.sent.get(mode, 0) < ENDLESS and not outer.stop_event.is_set():
                        if mode == "chunked":
                            self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                        else:
                            self.wfile.write(block)
                        outer.sent[mode] = outer.sent.get(mode, 0) + len(block)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.sent = {}
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def base(self, mode):
        return f"http://127.0.0.1:{self.port}/{mode}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port():
    """A port on 127.0.0.1 that nothing listens on."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
