"""Real servers on loopback for tests: an SMTP server that keeps what it
receives, and an HTTP server that answers like Twilio's Messages API and
keeps every request the twilio client sent."""

import json
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1; `messages` holds (recipients, raw bytes)."""

    def __init__(self):
        self.messages = []
        self.port = free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def wait_for(self, to, count=1, timeout=15):
        """The raw messages to `to`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [raw for rcpts, raw in self.messages if to in rcpts]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} message(s) to {to} within {timeout} s")

    @staticmethod
    def parse(raw):
        return message_from_bytes(raw, policy=policy.default)


class TwilioApiServer:
    """Answers POST /2010-04-01/Accounts/<sid>/Messages.json as Twilio does
    (201 and a message resource) and records each request's form fields."""

    def __init__(self):
        self.requests = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server)
                length = int(self.headers.get("Content-Length", 0))
                fields = {
                    key: values[0]
                    for key, values in parse_qs(
                        self.rfile.read(length).decode()
                    ).items()
                }
                parts = self.path.split("/")
                if len(parts) != 5 or parts[4] != "Messages.json":
                    self._answer(404, {"code": 20404, "message": "Not found"})
                    return
                server.requests.append(
                    {"path": self.path, "auth": self.headers["Authorization"], **fields}
                )
                now = format_datetime(datetime.now(UTC))
                self._answer(
                    201,
                    {
                        "sid": "SM" + uuid.uuid4().hex,
                        "account_sid": parts[3],
                        "to": fields.get("To"),
                        "from": fields.get("From"),
                        "messaging_service_sid": fields.get("MessagingServiceSid"),
                        "body": fields.get("Body"),
                        "status": "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "date_created": now,
                        "date_sent": None,
                        "date_updated": now,
                        "price": None,
                        "error_code": None,
                        "error_message": None,
                        "uri": self.path.replace(".json", "/x.json"),
                    },
                )

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass  # requests carry phone numbers: keep them out of the output

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def texts_to(self, phone):
        return [request["Body"] for request in self.requests if request["To"] == phone]
