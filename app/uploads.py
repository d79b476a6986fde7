"""Files people upload (walk photos, update attachments, signed documents): checked by their content, never by
their name, and rewritten so that nothing but the picture or the page survives (no EXIF/GPS, no PDF metadata,
scripts, forms or embedded files). Stored outside the web root and served only as downloads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from app.config import get_settings
from app.errors import ValidationFailed
from app.i18n import gettext as _

MAX_PIXELS = 40_000_000  # a small file may declare huge dimensions; refuse before decoding the pixels
MAX_SIDE = 2000
# A served upload is a download, never a page of ours: even a file that slipped past the cleaning cannot run
# script in our origin (sandbox) or load anything (default-src 'none').
DOWNLOAD_CSP = "sandbox; default-src 'none'"


def upload_dir(kind: str) -> Path:
    """The folder for one kind of upload ("pledges", "walk-photos"), outside the web root."""
    settings = get_settings()
    return (settings.upload_dir or settings.outbox_dir.parent / "uploads") / kind


def sniff(head: bytes) -> str | None:
    """The content type from the file's first bytes (never from its name or the browser's claim)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def download_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Content-Security-Policy": DOWNLOAD_CSP,
            "X-Content-Type-Options": "nosniff"}


def clean_image(data: bytes, field: str, formats: tuple[str, ...] = ("JPEG", "PNG")) -> tuple[bytes, str, str]:
    """A fresh image from the pixels only (EXIF with GPS, camera and time, and every other chunk gone), at most
    MAX_SIDE pixels a side, upright. PNG stays PNG (transparency); every other format becomes JPEG.
    Returns (bytes, content type, suffix with its dot); ValidationFailed on `field` for anything else."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    refused = ValidationFailed({field: _("Filen är ingen bild som går att läsa (%(formats)s).")
                                % {"formats": ", ".join(formats)}})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            pixels_declared = probe.width * probe.height
            probe.verify()
        if kind not in formats:
            raise refused
        if pixels_declared > MAX_PIXELS:
            raise ValidationFailed({field: _("Bilden har för många bildpunkter.")})
        with Image.open(io.BytesIO(data)) as opened:
            upright = ImageOps.exif_transpose(opened)
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            pixels = upright.convert("RGBA" if kind == "PNG" else "RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png", ".png"
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg", ".jpg"


# Actions that run something, send something or open another file.
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/ResetForm", "/GoToE",
                             "/GoToR", "/RichMediaExecute", "/Rendition", "/Sound", "/Movie", "/Hide"})
# Keys that carry metadata (XMP), scripts, automatic actions, forms or embedded files, wherever they appear.
_DROPPED_KEYS = ("/Metadata", "/OpenAction", "/AA", "/JS", "/JavaScript", "/AcroForm", "/EmbeddedFiles", "/AF",
                 "/EmbeddedFile", "/EF", "/RichMediaContent", "/XFA", "/PieceInfo")
# Annotations that are forms, files or media; links and comments stay.
_DROPPED_ANNOTATIONS = frozenset({"/Widget", "/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"})


def clean_pdf(data: bytes, field: str) -> bytes:
    """The PDF rewritten without metadata (document info and XMP), JavaScript and other active actions, forms and
    embedded files; raises ValidationFailed for a file that cannot be read (damaged or encrypted)."""
    import pikepdf

    refused = ValidationFailed({field: _("PDF-filen kunde inte läsas. Spara den på nytt som PDF (utan "
                                              "lösenord) och försök igen.")})
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for page in pdf.pages:
                annotations = page.obj.get("/Annots")
                if isinstance(annotations, pikepdf.Array):
                    kept = [a for a in annotations if not (isinstance(a, pikepdf.Dictionary)
                                                           and a.get("/Subtype") in _DROPPED_ANNOTATIONS)]
                    page.obj["/Annots"] = pikepdf.Array(kept)
            seen: set[tuple[int, int]] = set()
            for obj in pdf.objects:
                _strip_active(obj, seen, pikepdf)
            _strip_active(pdf.Root, seen, pikepdf)
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, RecursionError):
        raise refused from None
    return out.getvalue()


# Link targets a reader may open; a javascript: (or file:, data:) URI runs or opens something instead.
_SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")


def _is_active(action: Any) -> bool:
    kind = action.get("/S")
    if kind == "/URI":
        return not str(action.get("/URI", "")).strip().lower().startswith(_SAFE_URI_SCHEMES)
    return kind in _ACTIVE_ACTIONS


def _strip_active(obj: Any, seen: set[tuple[int, int]], pikepdf: Any) -> None:
    """Remove _DROPPED_KEYS and active actions from a dictionary or stream and every direct object inside it."""
    if obj.is_indirect:
        key = obj.objgen
        if key in seen:
            return
        seen.add(key)
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for name in _DROPPED_KEYS:
            if name in obj:
                del obj[name]
        for name in ("/A", "/Next", "/PA"):
            action = obj.get(name)
            if isinstance(action, pikepdf.Dictionary) and _is_active(action):
                del obj[name]
            elif isinstance(action, pikepdf.Array):  # /Next may be a chain of actions
                obj[name] = pikepdf.Array([a for a in action if not (isinstance(a, pikepdf.Dictionary)
                                                                     and _is_active(a))])
        children = [obj[k] for k in obj.keys()]  # noqa: SIM118 - pikepdf objects iterate differently
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not child.is_indirect:
            _strip_active(child, seen, pikepdf)
