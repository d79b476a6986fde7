"""Letter codes and draft tokens (pure): making a code, reading one typed from paper, and the hashes stored."""

from __future__ import annotations

import hashlib
import re
import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed from paper
CODE_LENGTH = 10
CODE_RE = re.compile(r"^[A-Z2-9]{10}$")

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """Upper case without spaces or dashes; None when it cannot be a code (so no database lookup happens)."""
    cleaned = re.sub(r"[\s-]", "", raw or "").upper()
    return cleaned if CODE_RE.fullmatch(cleaned) else None


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"
