"""A throwaway Dovecot IMAP server for the tests: its own configuration, mailboxes and
sockets in a temporary folder, plain-text login on 127.0.0.1, no TLS.

Run as root (as CI runs), its login processes run as Debian's `dovenull` and the
mailboxes belong to `dovecot` (Dovecot refuses both as root); run as another user,
everything runs as that user.
"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "replies", "boîte-secrète"


class DovecotServer:
    """Dovecot listening for IMAP on `port` of 127.0.0.1 (tests.ports.reserved_port)."""

    def __init__(self, port: int) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError("Dovecot is not installed: apt-get install dovecot-imapd "
                               "(.ci/run installs it)")
        self.binary = binary
        self.port = port
        # Under /tmp itself, not under pytest's private folder: the mail user must reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-dovecot-"))
        self.config = self.folder / "dovecot.conf"

    def _users(self) -> tuple[str, str, str]:
        """Return (internal user, login user, mail user)."""
        if os.geteuid() == 0:
            return "dovecot", "dovenull", "dovecot"
        me = getpass.getuser()
        return me, me, me

    def start(self) -> None:
        internal, login, mail_user = self._users()
        mail = pwd.getpwnam(mail_user)
        (self.folder / "mail").mkdir()
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.geteuid() == 0:
            self.folder.chmod(0o755)
            os.chown(self.folder / "mail", mail.pw_uid, mail.pw_gid)
        self.config.write_text(f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
login_trusted_networks = 127.0.0.0/8
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{self.folder}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={self.folder}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
        # Not capture_output: the daemon's processes keep the pipes open after it forks.
        with open(self.folder / "start.log", "wb") as output:
            subprocess.run([self.binary, "-c", str(self.config)], check=True, timeout=30,
                           stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not answer: {self.log()}")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        subprocess.run([self.binary, "-c", str(self.config), "stop"], timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for _ in range(50):  # wait for the master to go, then remove its folder
            if not (self.folder / "run" / "master.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)
