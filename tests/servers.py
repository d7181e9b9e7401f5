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
    """aiosmtpd on 127.0.0.1; `messages` holds (recipients, raw bytes) and
    `connections` counts the sessions opened. `refuse` maps a recipient to
    the answer it gets instead of 250; a recipient in `drop` makes the server
    hang up on the client instead of answering, once."""

    def __init__(self):
        self.messages = []
        self.connections = 0
        self.refuse = {}
        self.drop = set()
        self.port = free_port()
        self._controller = None

    async def handle_EHLO(  # noqa: N802 (aiosmtpd)
        self, server, session, envelope, hostname, responses
    ):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(  # noqa: N802 (aiosmtpd)
        self, server, session, envelope, address, rcpt_options
    ):
        if address in self.drop:
            self.drop.discard(address)
            server.transport.close()
            return "421 4.4.2 connection dropped"
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

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
    (201 and a message resource) and records each request's form fields.
    `answers` holds what the next requests meet instead, in order: an
    (HTTP status, JSON body or None) pair, or ("hang", seconds) to keep
    the client waiting that long for nothing."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.sids = []
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
                if server.answers:
                    status, payload = server.answers.pop(0)
                    if status == "hang":
                        time.sleep(payload)  # the client has given up by then
                    else:
                        self._answer(status, payload)
                    return
                now = format_datetime(datetime.now(UTC))
                sid = "SM" + uuid.uuid4().hex
                server.sids.append(sid)
                self._answer(
                    201,
                    {
                        "sid": sid,
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
                if payload is None:  # a proxy's page, not Twilio's JSON
                    body = b"<html><body>Service Unavailable</body></html>"
                    content_type = "text/html"
                else:
                    body = json.dumps(payload).encode()
                    content_type = "application/json"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
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

    def fail_next(self, status, code=None, message=""):
        """The next request is answered with an error as Twilio words it."""
        body = None
        if code is not None:
            body = {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        self.answers.append((status, body))

    def texts_to(self, phone):
        return [request["Body"] for request in self.requests if request["To"] == phone]
