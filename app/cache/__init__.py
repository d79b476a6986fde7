"""Every cache in the app, how long it lives and who invalidates it; `install(app)` (from create_app) sets it up.

1. Public page cache (app/cache/pages.py, versions in app/cache/versions.py): the rendered bytes of pages that are
   the same for every anonymous visitor (routes decorated with `@public_page(...)`), one LRU store per app object
   (`app.state.page_cache`, MAX_ENTRIES entries) in each process, checked against version counters in the
   database (table `cache_version`; one small query per hit), with ETags and 304s. The `FastPath` middleware
   answers a current hit before routing.
   Invalidated by: any write through an ORM session to a table public pages show bumps its group's counter
   ("content", or "signups" for sign-ups) in the same transaction, by the session listeners that `install()`
   registers, so staff routes, CLI commands and other app instances on the same database need no explicit call,
   and a page is never served from before a committed change. Writes through a bare Connection are not seen:
   today none touches a shown table. What writes cannot announce (a sign-up deadline passing, a survey's opening
   day) is bounded by the lifetime, PUBLIC_CACHE_SECONDS (settings.public_cache_seconds; 0 = off).
   Never cached: requests from a signed-in session or with a flash message waiting, non-200 answers, answers
   that set their own headers. Pages with a form carry the visitor's own CSRF token: the store keeps a slot where
   the token was and fills in the visitor's token on the way out (such pages, and any answer with a session
   cookie, are `private`; the others `public`; all `no-cache`, i.e. revalidated with the ETag on every use).
2. Questionnaires (app/surveys/service.py `cached_questionnaire`): per process, per survey, 30 s
   (`_CACHE_SECONDS`); the key holds the survey's status, modes, languages, slug and `updated_at`, so opening or
   closing takes effect at once; staff edits drop the entry (`forget_questionnaire`), other workers see an edit
   within the 30 s.
3. Hot-path survey bundles (app/surveys/service.py `public_bundle`): survey, municipality and questionnaire per
   slug for the answering routes, per process, `Database.cache_seconds` (2 s; 0 in tests); a reload with
   `fresh=True` (after a stale write) replaces the entry; the write itself re-checks status and `updated_at`.
4. Settings (app/config.py `get_settings`, lru_cache): the process's lifetime; tests call `get_settings.cache_clear()`.
5. Translations (app/i18n.py `translations`, lru_cache per language): the process's lifetime; a deploy restarts.
6. plotly.js, its gzip, base CSS and style ids (app/concerns/public_routes.py, lru_cache): the process's lifetime;
   browsers keep the file a year (`immutable`), safe because its URL carries the installed plotly version.
7. Swagger UI files (app/api/docs.py): not kept in the process; browsers may keep them a day (max-age=86400).
8. The PDF font's characters (app/surveys/letters.py `_font_chars`, lru_cache): the process's lifetime.
9. Tables a migration revision seeds (app/transfer.py `_seeded_at`, lru_cache per revision): the process's lifetime
   (a revision's seed never changes).
10. Whether `cache_version` exists, per engine (app/cache/versions.py `_TABLE_SEEN`): for good once present;
    re-checked every 10 s while absent (a database migrated only to an older revision).
11. Jinja's compiled templates (app/web.py `env`): the process's lifetime; Jinja recompiles a template whose file
    changed (auto_reload).
"""

from __future__ import annotations

from typing import Any

from app.cache import versions
from app.cache.pages import PageCache


def install(app: Any = None) -> None:
    """Registers the listeners by which writes invalidate the public page cache (idempotent: every ORM session
    of the process); with an app, gives it its own empty page store. The CLI calls it without an app."""
    versions.listen()
    if app is not None:
        app.state.page_cache = PageCache()
