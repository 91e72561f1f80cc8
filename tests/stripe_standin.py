"""A small local stand-in of Stripe's HTTP API for tests (no network).

A threaded http.server on 127.0.0.1 answers the calls the Stripe provider makes, with JSON
objects shaped like Stripe's (checkout sessions, refunds, errors), honours Idempotency-Key
like Stripe does, and records every request. Webhook events are built from its sessions and
signed with the library's own signing code (`stripe.WebhookSignature`).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import stripe

WEBHOOK_SECRET = "whsec_test_standin_secret"
SECRET_KEY = "sk_test_standin"


def _unflatten(pairs) -> dict:
    """`a[b][0][c]=1` form fields (how the library encodes params) into nested dicts."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


class StripeStandIn:
    def __init__(self):
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.fail_refunds = False
        #: Make the refund at Stripe but answer with an error (the answer is lost on the way).
        self.lose_refund_answers = False
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(7))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                params = _unflatten(parse_qsl(raw, keep_blank_values=True))
                record = {
                    "method": method,
                    "path": self.path,
                    "params": params,
                    "idempotency_key": self.headers.get("Idempotency-Key"),
                    "authorization": self.headers.get("Authorization", ""),
                }
                with standin._lock:
                    standin.requests.append(record)
                    key = record["idempotency_key"]
                    if method == "POST" and key and key in standin._idempotent:
                        status, body = standin._idempotent[key]
                    else:
                        status, body = standin.route(method, self.path, params)
                        if method == "POST" and key:
                            standin._idempotent[key] = (status, body)
                self._answer(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for serve_forever's next poll: 0.5 s by default, at every test's end.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- the API -------------------------------------------------------------------------------

    @staticmethod
    def _error(status: int, message: str, kind: str = "invalid_request_error") -> tuple:
        return status, {"error": {"type": kind, "message": message}}

    def route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        path, _, query_string = path.partition("?")
        query = dict(parse_qsl(query_string))
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return self._error(404, "No such checkout.session")
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "GET" and path == "/v1/refunds":
            return self._list_refunds(query)
        return self._error(404, f"Unrecognized request URL ({method}: {path})")

    def _create_session(self, params: dict) -> tuple[int, dict]:
        item = params["line_items"]["0"]
        unit_amount = int(item["price_data"]["unit_amount"])
        quantity = int(item.get("quantity", 1))
        session_id = "cs_test_" + secrets.token_hex(12)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": unit_amount * quantity,
            "amount_total": unit_amount * quantity,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "currency": item["price_data"]["currency"],
            "customer_email": params.get("customer_email"),
            "expires_at": int(time.time()) + 86400,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": params.get("mode"),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return 200, session

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        if self.fail_refunds:
            return self._error(500, "An unknown error occurred", "api_error")
        intent = params.get("payment_intent")
        paid = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
        if paid is None:
            return self._error(400, f"No such payment_intent: '{intent}'")
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": int(params["amount"]),
            "currency": paid["currency"],
            "payment_intent": intent,
            "reason": params.get("reason"),
            "metadata": params.get("metadata", {}),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds.append(refund)
        if self.lose_refund_answers:
            return self._error(500, "An unknown error occurred", "api_error")
        return 200, refund

    def _list_refunds(self, query: dict) -> tuple[int, dict]:
        intent = query.get("payment_intent")
        refunds = [r for r in self.refunds if intent is None or r["payment_intent"] == intent]
        return 200, {"object": "list", "data": refunds, "has_more": False, "url": "/v1/refunds"}

    # -- test helpers --------------------------------------------------------------------------

    def pay(self, session_id: str) -> dict:
        """The attendee paid on the hosted page."""
        session = self.sessions[session_id]
        session.update(
            payment_status="paid",
            status="complete",
            payment_intent=session.get("payment_intent") or "pi_" + secrets.token_hex(12),
        )
        return session

    def event(self, session_id: str, *, event_type="checkout.session.completed", **changes):
        """The JSON body of a webhook event about a session (optionally altered)."""
        session = {**self.sessions[session_id], **changes}
        return json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "data": {"object": session},
                "livemode": False,
                "pending_webhooks": 1,
                "type": event_type,
            }
        )

    @staticmethod
    def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp=None) -> str:
        return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]
