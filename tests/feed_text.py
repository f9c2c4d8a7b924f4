"""Reading feed files the plain way (no iCalendar library), for the checks the parsers forgive."""

from __future__ import annotations

import re


def unfold(data: bytes) -> list[str]:
    """Content lines of a CRLF-folded feed, unfolded (RFC 5545 section 3.1)."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def readable_text(data: bytes) -> str:
    """Every value as a reader sees it: unfolded, with TEXT escapes undone (``\\n``, ``\\,``, ``\\;``)."""
    text = "\n".join(unfold(data))
    return re.sub(r"\\([nN,;\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def properties(data: bytes, name: str) -> list[str]:
    """Full content lines (name, parameters and value) of one property, in file order."""
    return [line for line in unfold(data) if re.match(rf"{name}[;:]", line)]


def event_lines(data: bytes) -> list[str]:
    """Unfolded content lines inside VEVENTs only (VTIMEZONE observances have local DTSTARTs by design)."""
    out, inside = [], False
    for line in unfold(data):
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            inside = False
        elif inside:
            out.append(line)
    return out
