"""Is a typed e-mail address one we can use? Syntax, a deliverable-looking domain, and common typos.

Why two layers: ``email-validator`` checks the syntax (RFC 5321/5322, internationalised addresses) and
rejects special-use domains; a DNS look-up would tell whether the domain accepts mail, but needs the
network, so it is off unless ``EMAIL_CHECK_DNS`` is set (``1``/``true``). Without DNS, our own checks
catch what a look-up would: documentation domains (example.com), top-level domains that are typos
(".con") and near misses of the big mail providers ("gmial.com" -> "Did you mean ...@gmail.com?").
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Optional

from email_validator import EmailNotValidError, EmailUndeliverableError, validate_email
from rapidfuzz import process
from rapidfuzz.distance import OSA

#: Domains reserved for documentation (RFC 2606): never a real mailbox.
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.be"})
#: Top-level domains that are typos of .com, .net, .org or .be.
TYPO_TLDS = frozenset({"con", "cmo", "ocm", "vom", "xom", "cpm", "comm", "coom", "nett", "ent", "orgg", "ogr", "bee"})
#: Mail domains Belgian volunteers use most; a near miss of one of them is probably a typo.
COMMON_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "hotmail.be",
    "outlook.com",
    "outlook.be",
    "live.be",
    "live.com",
    "telenet.be",
    "skynet.be",
    "proximus.be",
    "scarlet.be",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "gmx.com",
    "protonmail.com",
    "proton.me",
    "msn.com",
)
DNS_TIMEOUT_S = 3  # seconds (email-validator takes a whole number)


@dataclass(frozen=True)
class EmailCheck:
    """The outcome: ``normalized`` when usable, else a ``problem`` ("syntax", "domain", "typo")."""

    normalized: Optional[str] = None
    problem: Optional[str] = None
    suggestion: Optional[str] = None  # for "typo": the address the person probably meant

    @property
    def ok(self) -> bool:
        return self.normalized is not None


def email_key(address: str) -> str:
    """What makes two addresses the same person: the normalised address in lower case.

    The local part is case-sensitive in theory and case-insensitive at every provider in practice.
    """
    return address.strip().lower()


def dns_check_enabled() -> bool:
    return os.environ.get("EMAIL_CHECK_DNS", "").strip().lower() in ("1", "true", "yes", "on")


def _domain_problem(domain: str) -> Optional[str]:
    """Our offline check of a syntactically valid domain: None if it looks deliverable."""
    if domain in RESERVED_DOMAINS or domain.startswith("example."):
        return "domain"
    tld = domain.rsplit(".", 1)[-1]
    if tld in TYPO_TLDS or not (tld.isalpha() or tld.startswith("xn--")) or len(tld) < 2:
        return "domain"
    return None


def _typo_of_common_domain(domain: str) -> Optional[str]:
    if domain in COMMON_DOMAINS:
        return None
    if len(domain) < 8:  # short domains are too close to each other to guess
        return None
    hit = process.extractOne(domain, COMMON_DOMAINS, scorer=OSA.distance, score_cutoff=2)
    if hit is None or (hit[1] == 2 and len(domain) < 10):
        return None
    return hit[0]


def check_email_syntax(text: str, *, allow_typo: bool = False) -> EmailCheck:
    """Offline check: syntax, reserved and typo domains.

    ``allow_typo``: the person typed the same address again after "did you mean ...?": believe them.
    """
    candidate = (text or "").strip().strip("<>").strip()
    if not candidate or " " in candidate or len(candidate) > 254:
        return EmailCheck(problem="syntax")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return EmailCheck(problem="syntax")
    domain = result.ascii_domain.lower()
    typo = None if allow_typo else _typo_of_common_domain(domain)
    if typo:
        return EmailCheck(problem="typo", suggestion=f"{result.local_part}@{typo}")
    problem = _domain_problem(domain)
    if problem:
        return EmailCheck(problem=problem)
    return EmailCheck(normalized=result.normalized)


def _check_dns(address: str) -> bool:
    """True when the domain has mail (MX or A/AAAA) records; blocking, so run it in a thread."""
    try:
        validate_email(address, check_deliverability=True, timeout=DNS_TIMEOUT_S)
        return True
    except EmailUndeliverableError:
        return False
    except EmailNotValidError:
        return False


async def check_email(text: str, *, allow_typo: bool = False, dns: Optional[bool] = None) -> EmailCheck:
    """Full check; with DNS (``dns`` or ``EMAIL_CHECK_DNS``) the domain must also accept mail.

    A DNS time-out counts as "looks fine": a slow resolver must not stop a sign-up.
    """
    result = check_email_syntax(text, allow_typo=allow_typo)
    use_dns = dns_check_enabled() if dns is None else dns
    if not result.ok or not use_dns:
        return result
    try:
        deliverable = await asyncio.wait_for(
            asyncio.to_thread(_check_dns, result.normalized or ""), timeout=DNS_TIMEOUT_S + 1
        )
    except asyncio.TimeoutError:
        return result
    return result if deliverable else EmailCheck(problem="domain")
