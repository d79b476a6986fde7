"""The Atom feed of follow-up updates (RFC 4287), built with the standard library's XML writer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from app.config import get_settings
from app.models import Municipality

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 does not allow: one in an update (stored before input was cleaned) made the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom(municipality: Municipality, entries: list[dict[str, Any]]) -> bytes:
    base = get_settings().base_url
    page = f"{base}/m/{municipality.slug}/pledges"
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "sv"})
    ET.SubElement(root, f"{{{ATOM}}}title").text = _xml(f"Medborgarlöften – {municipality.name}")
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{page}/feed.atom"
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "href": f"{page}/feed.atom"})
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "alternate", "href": page})
    updated = max((e["updated"] for e in entries), default=municipality.created_at)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = _stamp(updated)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = _xml(municipality.name)
    for entry in entries:
        node = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(node, f"{{{ATOM}}}title").text = _xml(f"{entry['activity']} ({entry['posted_on']})")
        ET.SubElement(node, f"{{{ATOM}}}id").text = f"{page}/{entry['pledge_id']}#update-{entry['id']}"
        ET.SubElement(node, f"{{{ATOM}}}link", {"href": f"{page}/{entry['pledge_id']}#update-{entry['id']}"})
        ET.SubElement(node, f"{{{ATOM}}}updated").text = _stamp(entry["updated"])
        if entry.get("party"):  # the party that posted the update
            ET.SubElement(ET.SubElement(node, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = entry["party"]
        text = entry["text"] + (f" ({entry['achieved']})" if entry["achieved"] is not None else "")
        ET.SubElement(node, f"{{{ATOM}}}summary").text = _xml(f"{entry['pledge']}: {text}")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
