"""Who may do what to which termbase: tokens with roles, and termbases that read closed.

Why one module for the API and the MCP server alike: a token must mean the same
at every door. A token is given a role on one termbase (or ``*``, every one):

- ``read``: search, concepts, entries, terms in a text, QA;
- ``edit``: also add, change and delete entries;
- ``review``: also accept or reject candidate equivalents;
- ``admin``: also rebuild, and create, describe and remove termbases.

Each role includes the ones above it. A termbase reads *open* (anyone may
read, as before tokens existed) unless the access file marks it closed. The
server's ``GLOSSA_ADMIN_TOKEN`` stays an admin token on every termbase.

The access file (JSON, ``GLOSSA_ACCESS_FILE``) keeps each token's SHA-256 only:
a token is shown once, when ``glossa token create`` makes it. Tokens are 32
random bytes, so one unsalted hash is enough (nothing to guess a dictionary of).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import Any

from glossa.errors import ErrorKind, GlossaError

EVERY = "*"  # a token for every termbase


class Role(IntEnum):
    READ = 1
    EDIT = 2
    REVIEW = 3
    ADMIN = 4

    @classmethod
    def named(cls, name: str) -> Role:
        try:
            return cls[name.upper()]
        except KeyError:
            valid = ", ".join(role.name.lower() for role in cls)
            raise AccessError(f"unknown role {name!r}; valid: {valid}",
                              kind=ErrorKind.INVALID, parameter="role") from None  # fmt: skip

    @property
    def label(self) -> str:
        return self.name.lower()


WHAT = {Role.READ: "read", Role.EDIT: "edit entries of", Role.REVIEW: "review equivalents of",
        Role.ADMIN: "administer"}  # fmt: skip


class AccessError(GlossaError):
    """A request without the token or role it needs (``kind`` says which)."""

    kind = ErrorKind.FORBIDDEN


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str  # shown by `glossa token list`, used to revoke; not the token
    termbase: str  # a termbase's name, or EVERY
    role: Role
    sha256: str
    label: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "termbase": self.termbase, "role": self.role.label,
                "sha256": self.sha256, "label": self.label}  # fmt: skip


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header's value (None for
    another scheme or none): how every door reads it, HTTP routes and MCP alike."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Access:
    """The access rules of one server, read from the access file (and the settings'
    admin token). Immutable: a change writes a new file and reads it back."""

    tokens: tuple[TokenRecord, ...] = ()
    closed: frozenset[str] = frozenset()  # termbases that read closed
    admin_digest: str | None = None  # GLOSSA_ADMIN_TOKEN's
    path: Path | None = field(default=None, compare=False)

    # ------------------------------------------------------------------ reading

    @classmethod
    def load(cls, path: Path | None, admin_token: str | None = None) -> Access:
        """The rules in ``path`` (none there: no tokens, every termbase open)."""
        admin = digest(admin_token) if admin_token else None
        if path is None or not path.is_file():
            return cls(admin_digest=admin, path=path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            tokens = tuple(
                TokenRecord(str(t["id"]), str(t["termbase"]), Role.named(str(t["role"])),
                            str(t["sha256"]), str(t.get("label", "")))  # fmt: skip
                for t in data.get("tokens", [])
            )
            closed = frozenset(str(name) for name in data.get("closed", []))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, AccessError) as exc:
            raise AccessError(f"{path}: not a Glossa access file ({exc})",
                              kind=ErrorKind.DAMAGED) from exc  # fmt: skip
        return cls(tokens, closed, admin, path)

    def is_open(self, termbase: str) -> bool:
        return termbase not in self.closed

    def guarded(self, termbase: str) -> bool:
        """Whether any token can write to ``termbase`` (else its writes are disabled)."""
        return self.admin_digest is not None or any(
            t.termbase in (termbase, EVERY) for t in self.tokens
        )

    def role(self, token: str | None, termbase: str) -> Role | None:
        """What ``token`` may do on ``termbase``: its highest role there, None for
        an unknown token (a known token of another termbase reads open ones)."""
        if not token:
            return None
        if self.admin_digest is not None and hmac.compare_digest(digest(token), self.admin_digest):
            return Role.ADMIN
        found = self._records(token)
        roles = [t.role for t in found if t.termbase in (termbase, EVERY)]
        if roles:
            return max(roles)
        return Role.READ if found and self.is_open(termbase) else None

    def may_read(self, token: str | None, termbase: str) -> bool:
        """Whether a caller with ``token`` sees ``termbase`` in a listing."""
        return self.is_open(termbase) or self.role(token, termbase) is not None

    def _records(self, token: str) -> list[TokenRecord]:
        """The file's records of ``token`` (of any termbase), compared in constant time."""
        given = digest(token)
        return [t for t in self.tokens if hmac.compare_digest(given, t.sha256)]

    def require(self, token: str | None, termbase: str, need: Role) -> Role:
        """The caller's role on ``termbase`` if it includes ``need``; else the one
        refusal every door shows (401 without a token, 403 with the wrong one)."""
        if need is Role.READ and self.is_open(termbase):
            return self.role(token, termbase) or Role.READ
        if need is not Role.READ and not self.guarded(termbase):
            if token and self._records(token):  # a token, of another termbase
                raise AccessError(f"this token is not valid for termbase {termbase!r}")
            raise AccessError(
                f"writes to termbase {termbase!r} are disabled on this server; start it with "
                "GLOSSA_ADMIN_TOKEN set, or create a token (glossa token create)",
                kind=ErrorKind.DISABLED,
            )
        if not token:
            raise AccessError("send the header 'Authorization: Bearer <token>'",
                              kind=ErrorKind.UNAUTHORIZED)  # fmt: skip
        role = self.role(token, termbase)
        if role is None:
            raise AccessError(f"this token is not valid for termbase {termbase!r}")
        if role < need:
            raise AccessError(f"this token may {WHAT[role]} termbase {termbase!r}, not "
                              f"{WHAT[need]} it (needs the {need.label} role)")  # fmt: skip
        return role

    # ------------------------------------------------------------------ changing

    def with_token(self, termbase: str, role: Role, label: str = "") -> tuple[Access, str]:
        """A new token for ``termbase``: the rules with it, and the token (shown once)."""
        token = "glossa_" + secrets.token_urlsafe(32)
        record = TokenRecord(secrets.token_hex(4), termbase, role, digest(token), label)
        return replace(self, tokens=(*self.tokens, record)), token

    def without_token(self, token_id: str) -> Access:
        kept = tuple(t for t in self.tokens if t.id != token_id)
        if len(kept) == len(self.tokens):
            raise AccessError(f"no token with id {token_id!r}", kind=ErrorKind.NOT_FOUND)
        return replace(self, tokens=kept)

    def without_termbase(self, termbase: str) -> Access:
        """The rules once ``termbase`` is gone: its tokens and its closed mark too,
        so a later termbase of the same name starts with none of them."""
        return replace(self, tokens=tuple(t for t in self.tokens if t.termbase != termbase),
                       closed=self.closed - {termbase})  # fmt: skip

    def reading(self, termbase: str, *, open_: bool) -> Access:
        closed = self.closed - {termbase} if open_ else self.closed | {termbase}
        return replace(self, closed=frozenset(closed))

    def save(self) -> None:
        """Write the rules atomically (a reader sees the old file or the new one)."""
        if self.path is None:
            raise AccessError("no access file configured (GLOSSA_ACCESS_FILE)",
                              kind=ErrorKind.INVALID)  # fmt: skip
        data: dict[str, Any] = {"tokens": [t.to_dict() for t in self.tokens],
                                "closed": sorted(self.closed)}  # fmt: skip
        write_json_atomically(self.path, data)


def change_access(path: Path, change: Callable[[Access], Access]) -> Access:
    """Read the access file, ``change`` it and write it back, holding its lock
    (``flock`` on a side file) throughout: two changes at once (a PATCH and a
    ``glossa token create``) never undo one another."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        changed = change(Access.load(path))
        changed.save()
        return changed


def write_json_atomically(path: Path, data: Any) -> None:
    """``data`` as JSON at ``path``, replacing it whole; readable by its owner only
    (it holds token hashes and which termbases exist)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
