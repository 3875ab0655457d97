"""Faults a deployment meets: the database gone for a moment."""

from __future__ import annotations

import gc
import socket
import threading

import pytest

from tests.conftest import PASSWORD
from tracker.api import tokens
from tracker.extensions import db
from tracker.models import Role


class TcpProxy:
    """Forward a local port to the database, and cut the line on demand."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.up = True
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        """Refuse new connections and break the open ones, like a database restart."""
        self.up = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_database_down_gives_a_clear_503_and_the_app_recovers_by_itself(
        app, database_url, make_user, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server to cut; CI runs this on PostgreSQL")
    from tests.conftest import Client, _test_config
    from tracker import create_app

    url = db.engine.url
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    user = make_user(Role.VIEWER)
    _token, secret = tokens.create_token(user, user, "faults")
    db.session.commit()
    api = {"Authorization": f"Bearer {secret}"}
    proxied = url.set(host="127.0.0.1", port=proxy.port)
    config = _test_config(proxied.render_as_string(hide_password=False), tmp_path)
    other = create_app(config)
    other.test_client_class = Client
    client = other.test_client()
    try:
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/events").status_code == 200
        proxy.cut()
        down = client.get("/events")
        assert down.status_code == 503
        assert "indisponible" in down.get_data(as_text=True)
        assert down.headers["Retry-After"] == "30"
        # The API says the same in its own format: a problem document.
        api_down = client.get("/api/v1/actions", headers=api)
        assert api_down.status_code == 503
        assert api_down.mimetype == "application/problem+json"
        assert api_down.get_json()["status"] == 503
        assert "unavailable" in api_down.get_json()["detail"]
        assert api_down.headers["Retry-After"] == "30"
        proxy.restore()
        assert client.get("/events").status_code == 200
        assert client.get("/api/v1/actions", headers=api).status_code == 200
    finally:
        with other.app_context():
            db.engine.dispose()
        proxy.close()
        gc.collect()
