"""A fake Strapi 5 on loopback whose every string is the test's to choose: the server is untrusted.

Built from the documented shapes (admin API reference: §4 sign-in, §5 information, §6 admin RBAC, §7
users-permissions, §8-10 tokens, §11 audit logs, §12 webhooks, §13 default headers), it answers every
request the console sends while signing in, scanning (all checks), filling the TUI's panels and
tailing. A real Strapi cannot be made to send an escape sequence in a role name on request; this one
can, which is what makes a fake acceptable here.

- ``FakeStrapi().state`` is plain dicts and lists with benign defaults (a production Community 5.54
  server close to a fresh install), read at each request: change it between requests and the next
  answer follows.
- :meth:`FakeStrapi.fill_strings` puts one payload into every string a server sends (display strings,
  names, e-mails, messages, header values...) and leaves the structural strings that route requests
  (ids, uids, dates, role types) alone, so the scan still reaches the sinks.
- :meth:`FakeStrapi.override` answers anything for one route: any status, headers, a JSON body
  (``1e999``, ``NaN`` and deep nesting included) or raw bytes (invalid UTF-8, truncated JSON).
- Every request is recorded (:attr:`FakeStrapi.requests`), so a test can assert what was sent, count
  requests, and check that nothing was written (:meth:`FakeStrapi.writes`).

Sign-in follows 5.24+ (a 30-minute HS256 access JWT plus the rotating ``strapi_admin_refresh``
cookie) by default, or the v4 / 5.0-5.23 long-lived JWT with ``FakeStrapi(auth="jwt")``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

REFRESH_COOKIE = "strapi_admin_refresh"
EMAIL = "ada@example.test"
PASSWORD = "Fake-Strapi-Pw-1"

TOKEN_ROUTES = {"/admin/api-tokens": "api_tokens", "/admin/admin-tokens": "admin_tokens",
                "/admin/transfer/tokens": "transfer_tokens"}

# Requests that change nothing on the server, although they are not GETs: sign-in and anonymous probes.
NOT_WRITES = {("POST", "/admin/login"), ("POST", "/admin/access-token"), ("POST", "/admin/renew-token"),
              ("POST", "/admin/logout"), ("POST", "/api/auth/local"), ("POST", "/graphql"),
              ("POST", "/documentation/login")}


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(payload: dict, secret: str, alg: str = "HS256") -> str:
    """An HS256 compact JWS as Strapi's jsonwebtoken makes it."""
    head = _b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def keygrip_sign(data: str, key: str) -> str:
    """Koa's NAME.sig cookie: HMAC-SHA1 of 'name=value', base64url without padding."""
    return _b64(hmac.new(key.encode(), data.encode(), hashlib.sha1).digest())


# --- the default state: a fresh-ish, production Strapi 5.54 Community server --------------------------

STRAPI_CSP = ("connect-src 'self' https:;img-src 'self' data: blob: https://market-assets.strapi.io;media-src 'self' "
              "data: blob:;default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';"
              "frame-ancestors 'self';object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' "
              "https: 'unsafe-inline'")

ADMIN_HTML = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strapi Admin</title>'
              '<script type="module" src="/admin/strapi-admin.js"></script></head>'
              '<body><div id="strapi"></div></body></html>')


def _leaf(on: bool) -> dict:
    return {"enabled": on, "policy": ""}


def _controllers(actions: dict[str, dict[str, bool]]) -> dict:
    return {"controllers": {c: {a: _leaf(on) for a, on in acts.items()} for c, acts in actions.items()}}


def _up_tree(role_type: str) -> dict:
    """The nested permission map (§7.2) with Strapi's default grants for the role type."""
    public = role_type == "public"
    auth_on = {"callback", "connect", "emailConfirmation", "forgotPassword", "refresh", "register", "resetPassword",
               "sendEmailConfirmation"} if public else {"changePassword", "logout"}
    crud = ("find", "findOne", "create", "update", "delete")
    return {
        "api::article": _controllers({"article": {a: (public and a in ("find", "findOne")) for a in crud}}),
        "api::category": _controllers({"category": {a: (public and a in ("find", "findOne")) for a in crud}}),
        "plugin::users-permissions": _controllers({
            "auth": {a: a in auth_on for a in ("callback", "changePassword", "connect", "emailConfirmation",
                                                "forgotPassword", "logout", "refresh", "register", "resetPassword",
                                                "sendEmailConfirmation")},
            "user": {a: (not public and a == "me") for a in ("count", "create", "destroy", "find", "findOne", "me",
                                                             "update")},
            "role": {a: False for a in ("createRole", "deleteRole", "find", "findOne", "updateRole")},
        }),
        "plugin::upload": _controllers({"content-api": {a: False for a in ("destroy", "find", "findOne", "upload")}}),
    }


def _admin_user(uid: int, first: str, last: str, email: str, role: dict, created: datetime, *,
                active: bool = True) -> dict:
    return {"id": uid, "documentId": f"adm{uid:021d}", "firstname": first, "lastname": last, "username": None,
            "email": email, "isActive": active, "blocked": False, "preferedLanguage": None,
            "createdAt": iso(created), "updatedAt": iso(created), "publishedAt": iso(created), "locale": None,
            "roles": [{k: role[k] for k in ("id", "name", "description", "code")}]}


def _perm(pid: int, action: str, subject: str | None = None, fields: list[str] | None = None,
          conditions: list[str] | None = None) -> dict:
    props = {"fields": fields} if fields is not None else {}
    return {"id": pid, "action": action, "actionParameters": {}, "subject": subject, "properties": props,
            "conditions": conditions or []}


def _token(tid: int, name: str, description: str, ttype: str | None, created: datetime, *, used: datetime | None,
           lifespan: int | None, kind: str | None = "content-api", permissions: list[str] | None = None) -> dict:
    out = {"id": tid, "name": name, "description": description, "lastUsedAt": iso(used) if used else None,
           "lifespan": lifespan, "expiresAt": iso(created + timedelta(milliseconds=lifespan)) if lifespan else None,
           "createdAt": iso(created), "updatedAt": iso(created), "permissions": permissions or []}
    if kind:
        out["kind"] = kind
    if ttype:
        out["type"] = ttype
    return out


def default_state() -> dict[str, Any]:
    """Benign values: a production Community 5.54 server a careful team runs (a few warnings, no disaster)."""
    now = datetime.now(timezone.utc)
    born = now - timedelta(days=200)
    recent = now - timedelta(days=2)
    roles = [
        {"id": 1, "documentId": "r1000000000000000000000", "name": "Super Admin", "code": "strapi-super-admin",
         "description": "Super Admins can access and manage all features and settings.", "usersCount": 1},
        {"id": 2, "documentId": "r2000000000000000000000", "name": "Editor", "code": "strapi-editor",
         "description": "Editors can manage and publish contents including those of other users.", "usersCount": 1},
        {"id": 3, "documentId": "r3000000000000000000000", "name": "Author", "code": "strapi-author",
         "description": "Authors can manage the content they have created.", "usersCount": 0},
    ]
    for r in roles:
        r.update(createdAt=iso(born), updatedAt=iso(born), publishedAt=iso(born), locale=None)
    cm = "plugin::content-manager.explorer."
    role_permissions = {
        1: [_perm(i + 1, f"{cm}{a}", s) for i, (a, s) in enumerate(
            (a, s) for s in ("api::article.article", "api::category.category")
            for a in ("create", "read", "update", "delete", "publish"))]
        + [_perm(20 + i, f"admin::{a}") for i, a in enumerate(
            ("users.read", "users.create", "roles.read", "roles.update", "webhooks.read", "api-tokens.read"))],
        2: [_perm(40 + i, f"{cm}{a}", "api::article.article") for i, a in enumerate(
            ("create", "read", "update", "delete", "publish"))],
        3: [_perm(60, f"{cm}create", "api::article.article", fields=["title", "body"]),
            _perm(61, f"{cm}read", "api::article.article", conditions=["admin::is-creator"])],
    }
    types = [("api::article.article", "Article"), ("api::category.category", "Category")]
    catalog = {
        "conditions": [{"id": "admin::is-creator", "displayName": "Is creator", "category": "default"},
                       {"id": "admin::has-same-role-as-creator", "displayName": "Has same role as creator",
                        "category": "default"}],
        "sections": {
            "plugins": [{"displayName": "Configure view", "plugin": "content-manager", "subCategory": "single types",
                         "action": "plugin::content-manager.single-types.configure-view"}],
            "settings": [{"displayName": "Read", "category": "users and roles", "subCategory": "users",
                          "action": "admin::users.read"},
                         {"displayName": "Create (invite)", "category": "users and roles", "subCategory": "users",
                          "action": "admin::users.create"},
                         {"displayName": "Read", "category": "users and roles", "subCategory": "roles",
                          "action": "admin::roles.read"},
                         {"displayName": "Update", "category": "users and roles", "subCategory": "roles",
                          "action": "admin::roles.update"},
                         {"displayName": "Read", "category": "webhooks", "subCategory": "general",
                          "action": "admin::webhooks.read"},
                         {"displayName": "Read", "category": "api tokens", "subCategory": "general",
                          "action": "admin::api-tokens.read"}],
            "collectionTypes": {
                "actions": [{"label": a.capitalize(), "actionId": f"{cm}{a}", "subjects": [u for u, _ in types],
                             "applyToProperties": ["fields"] if a in ("create", "read", "update") else []}
                            for a in ("create", "read", "update", "delete", "publish")],
                "subjects": [{"uid": u, "label": label, "properties": [
                    {"label": "Fields", "value": "fields", "children": [{"label": "title", "value": "title",
                                                                        "required": True},
                                                                       {"label": "body", "value": "body"}]}]}
                    for u, label in types]},
            "singleTypes": {"actions": [], "subjects": []},
        },
    }
    super_role, editor_role = roles[0], roles[1]
    up_roles = [
        {"id": 1, "documentId": "u1000000000000000000000", "name": "Authenticated",
         "description": "Default role given to authenticated user.", "type": "authenticated",
         "createdAt": iso(born), "updatedAt": iso(born), "publishedAt": iso(born), "nb_users": 2,
         "permissions": _up_tree("authenticated")},
        {"id": 2, "documentId": "u2000000000000000000000", "name": "Public",
         "description": "Default role given to unauthenticated user.", "type": "public",
         "createdAt": iso(born), "updatedAt": iso(born), "publishedAt": iso(born), "nb_users": 0,
         "permissions": _up_tree("public")},
    ]
    providers = {"email": {"icon": "envelope", "enabled": True}}
    for name in ("github", "google"):
        providers[name] = {"icon": name, "enabled": False, "key": "", "secret": "",
                           "callbackUrl": f"api/auth/{name}/callback", "scope": ["user"],
                           "redirectUri": f"https://cms.example.com/api/connect/{name}/callback"}

    def entry(i: int, title: str, when: datetime) -> dict:
        return {"id": i, "documentId": f"doc{i:021d}", "title": title, "createdAt": iso(when - timedelta(hours=1)),
                "updatedAt": iso(when), "publishedAt": iso(when), "status": "published", "locale": None,
                "updatedBy": {"id": 2, "firstname": "Eddie", "lastname": "Editor", "email": "editor@example.test"},
                "createdBy": {"id": 2, "firstname": "Eddie", "lastname": "Editor", "email": "editor@example.test"}}

    return {
        # /admin/init, /admin/project-type, /admin/information, /_health
        "init": {"uuid": False, "hasAdmin": True, "menuLogo": None, "authLogo": None},
        "anonymous_version": None,  # a string makes /admin/init leak strapiVersion, as old versions did
        "project_type": {"isEE": False, "features": [], "flags": {"nps": True, "promoteEE": True},
                         "ai": {"enabled": False}},
        "information": {"currentEnvironment": "production", "autoReload": False, "strapiVersion": "5.54.0",
                        "dependencies": {"@strapi/strapi": "5.54.0", "@strapi/plugin-users-permissions": "5.54.0",
                                         "better-sqlite3": "12.4.1"},
                        "projectId": None, "nodeVersion": "v20.20.2", "communityEdition": True, "useYarn": False},
        # admin RBAC
        "me_id": 1,
        "admin_roles": roles,
        "admin_role_permissions": role_permissions,
        "permission_catalog": catalog,
        "admin_users": [
            _admin_user(1, "Ada", "Admin", EMAIL, super_role, born),
            _admin_user(2, "Eddie", "Editor", "editor@example.test", editor_role, born + timedelta(days=3)),
        ],
        # users-permissions
        "up_roles": up_roles,
        "up_advanced": {"unique_email": True, "allow_register": False, "email_confirmation": False,
                        "email_reset_password": None, "email_confirmation_redirection": None,
                        "default_role": "authenticated"},
        "up_providers": providers,
        # tokens: None makes the route answer 404 (an older version, or transfer disabled)
        "api_tokens": [
            _token(1, "Read Only", "A default API token with read-only permissions, only used for accessing "
                   "resources", "read-only", born, used=recent, lifespan=None),
            _token(2, "site-build", "Static site build", "read-only", now - timedelta(days=20), used=recent,
                   lifespan=7776000000),
        ],
        "admin_tokens": [],
        "transfer_tokens": None,
        # webhooks (§12: ids are strings on v5)
        "webhooks": [{"id": "1", "name": "deploy", "url": "https://hooks.example.com/deploy",
                      "headers": {"X-Signature-Key": "benign"}, "events": ["entry.publish", "entry.unpublish"],
                      "isEnabled": True}],
        # content manager (derived audit feed)
        "content_types": [
            {"uid": "api::article.article", "kind": "collectionType", "apiID": "article", "isDisplayed": True,
             "info": {"displayName": "Article", "singularName": "article", "pluralName": "articles"}},
            {"uid": "api::category.category", "kind": "collectionType", "apiID": "category", "isDisplayed": True,
             "info": {"displayName": "Category", "singularName": "category", "pluralName": "categories"}},
            {"uid": "plugin::users-permissions.user", "kind": "collectionType", "apiID": "user", "isDisplayed": True,
             "info": {"displayName": "User", "singularName": "user", "pluralName": "users"}},
        ],
        "entries": {
            "api::article.article": [entry(1, "Hello world", now - timedelta(minutes=5)),
                                     entry(2, "Second post", now - timedelta(days=3))],
            "api::category.category": [entry(3, "News", now - timedelta(days=30))],
        },
        "end_users": [
            {"id": 1, "documentId": "eu000000000000000000001", "username": "reader", "email": "reader@example.test",
             "provider": "local", "confirmed": True, "blocked": False, "createdAt": iso(now - timedelta(minutes=3)),
             "updatedAt": iso(now - timedelta(minutes=3)), "createdBy": None},
        ],
        "uploads": [
            {"id": 1, "documentId": "up000000000000000000001", "name": "logo.png", "alternativeText": "Logo",
             "caption": "The site logo", "width": 64, "height": 64, "hash": "logo_1a2b3c", "ext": ".png",
             "mime": "image/png", "size": 1.2, "url": "/uploads/logo_1a2b3c.png", "provider": "local",
             "createdAt": iso(born), "updatedAt": iso(born)},
        ],
        # Enterprise audit logs (§11.2): served only when project_type says isEE with the audit-logs feature
        "audit_logs": [
            {"id": 1, "action": "entry.update", "date": iso(now - timedelta(minutes=2)),
             "payload": {"model": "article", "uid": "api::article.article",
                         "entry": {"id": 1, "documentId": "doc000000000000000000001", "title": "Hello world"},
                         "origin": "admin-panel"},
             "user": {"id": 2, "email": "editor@example.test", "displayName": "Eddie Editor"}},
            {"id": 2, "action": "admin.auth.success", "date": iso(now - timedelta(minutes=1)),
             "payload": {"user": {"id": 1, "email": EMAIL}, "provider": "local", "origin": "admin-panel"},
             "user": {"id": 1, "email": EMAIL, "displayName": "Ada Admin"}},
        ],
        "security_settings": None,  # the unreleased MFA route: None answers 404
        "graphql": None,  # None: plugin absent (404); or an HTML landing page string
        "documentation": None,  # None: plugin absent; else the Swagger HTML served anonymously
        "documentation_restricted": False,
        # errors the server sends (401, 403, 404 and the rest keep Strapi's names unless changed here)
        "error_messages": {"401": ["UnauthorizedError", "Missing or invalid credentials"],
                           "403": ["PolicyError", "Policy Failed"],
                           "404": ["NotFoundError", "Not Found"],
                           "400": ["ApplicationError", "Invalid credentials"]},
        # response headers: on every answer, on the admin HTML, on /_health, on CORS answers
        "headers": {
            "all": {"X-Powered-By": "Strapi <strapi.io>", "Content-Security-Policy": STRAPI_CSP,
                    "Referrer-Policy": "no-referrer", "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                    "X-Content-Type-Options": "nosniff", "X-DNS-Prefetch-Control": "off",
                    "X-Download-Options": "noopen", "X-Frame-Options": "SAMEORIGIN",
                    "X-Permitted-Cross-Domain-Policies": "none"},
            "admin": {"Cache-Control": "no-cache", "Surrogate-Control": "no-store"},
            "health": {"strapi": "You are so French!"},
            "authenticated": {},
        },
        "admin_html": ADMIN_HTML,
        "cors_reflect": True,  # Strapi's default: any Origin reflected, with credentials (§13.4)
    }


# Keys whose string values route requests or drive logic rather than being shown: fill_strings leaves them.
STRUCTURAL = frozenset({
    "id", "documentId", "createdAt", "updatedAt", "publishedAt", "date", "expiresAt", "lastUsedAt", "lifespan",
    "type", "kind", "code", "uid", "action", "actionId", "default_role", "status", "locale", "mime", "url",
    "applyToProperties", "provider", "origin", "me_id", "subjects",
})
# Licence features the console acts on: kept by fill_strings (a payload-named feature is added beside them).
ACTED_ON_FEATURES = ("audit-logs", "sso")
# Top-level sections fill_strings does not walk generically (handled on their own, or not strings at all).
_SPECIAL = {"headers", "admin_html", "cors_reflect", "entries", "up_roles", "up_providers", "webhooks",
            "admin_role_permissions", "permission_catalog", "content_types", "anonymous_version", "graphql",
            "documentation", "security_settings"}

_H11_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def header_safe(text: str) -> str:
    """What an HTTP/1.1 header value can carry at all: httpx (h11) refuses C0 controls and DEL, so a
    payload put into a header loses them (the rest, C1 and bidi characters included, goes through as UTF-8)."""
    return _H11_FORBIDDEN.sub("", text)


def _fill(node: Any, payload: str) -> Any:
    if isinstance(node, str):
        return payload
    if isinstance(node, list):
        return [_fill(v, payload) for v in node]
    if isinstance(node, dict):
        return {k: (v if k in STRUCTURAL else _fill(v, payload)) for k, v in node.items()}
    return node


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Canned:
    """One overridden answer: status, headers and either a JSON body or raw bytes."""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw: bytes | None = None
    times: int | None = None  # answer this many times, then fall back to the normal route


def dumps(obj: Any) -> bytes:
    """JSON as a JavaScript server could send it: non-finite numbers as 1e999 / -1e999 / NaN."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=True)
    text = text.replace("-Infinity", "-1e999").replace("Infinity", "1e999")
    return text.encode("utf-8", "surrogatepass")


class FakeStrapi:
    """The fake server. ``with FakeStrapi() as fake:`` or ``fake.close()`` when done."""

    def __init__(self, *, auth: str = "session", access_lifetime: int = 1800) -> None:
        if auth not in ("session", "jwt"):
            raise ValueError("auth is 'session' (5.24+) or 'jwt' (v4 / 5.0-5.23)")
        self.auth = auth
        self.access_lifetime = access_lifetime if auth == "session" else 30 * 86400
        self.state: dict[str, Any] = default_state()
        self.email, self.password = EMAIL, PASSWORD
        self.jwt_secret = secrets.token_urlsafe(32)
        self.app_key = secrets.token_urlsafe(16)
        self.requests: list[Request] = []
        self.overrides: dict[tuple[str, str], Canned] = {}
        self.lock = threading.RLock()
        self._access: set[str] = set()  # access tokens that are valid now
        self._refresh: set[str] = set()  # refresh cookies that are valid now (single use)
        self._routes = self._build_routes()
        self._held: dict[tuple[str, str], threading.Event] = {}  # (method, path prefix) → opens when released
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                owner._dispatch(self)

            do_POST = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = do_PATCH = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    # --- lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "FakeStrapi":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- what a test sets -------------------------------------------------------------------------

    def override(self, method: str, path: str, *, status: int = 200, headers: dict[str, str] | None = None,
                 body: Any = None, raw: bytes | None = None, times: int | None = None) -> None:
        """Answer ``method path`` (the path without query; a trailing ``*`` matches a prefix) with exactly this.

        ``body`` is sent as JSON (``float('inf')`` becomes ``1e999``); ``raw`` as the bytes given. Headers are
        written as given, encoded in UTF-8 (a header the HTTP client refuses is a test of its own)."""
        with self.lock:
            self.overrides[(method.upper(), path)] = Canned(status, dict(headers or {}), body, raw, times)

    def hold(self, method: str = "*", path_prefix: str = "/") -> None:
        """Keep the requests that match waiting (a minute at most) until :meth:`release`: a server slow to
        answer for exactly as long as a test looks at the screen, with no timing in the test."""
        self._held[(method.upper(), path_prefix)] = threading.Event()

    def release(self, method: str | None = None, path_prefix: str | None = None) -> None:
        """Let the held requests go: those of one :meth:`hold`, or all."""
        for rule in list(self._held):
            if method is None or rule == (method.upper(), path_prefix or "/"):
                self._held.pop(rule).set()

    def clear_overrides(self) -> None:
        with self.lock:
            self.overrides.clear()

    def fill_strings(self, payload: str, *, headers: bool = True) -> None:
        """Put ``payload`` into every string this server sends, at once.

        Left alone: structural strings (ids, uids, dates, role types and codes, action ids, statuses) that
        route the console's next requests, so the payload reaches as many sinks as a scan has. Keys that are
        shown as names (provider names, webhook header names, dependency names, the nested permission map's
        content-type keys) get the payload too, made unique with a suffix. Header values get
        :func:`header_safe` of it (``headers=False`` keeps Strapi's)."""
        with self.lock:
            s = self.state
            kept = self._kept_features()
            for key, value in list(s.items()):
                if key not in _SPECIAL:
                    s[key] = _fill(value, payload)
            s["information"]["dependencies"] = {f"{payload}{i}": payload
                                                for i, _ in enumerate(s["information"]["dependencies"])}
            s["information"]["currentEnvironment"] = payload
            s["project_type"]["features"] = kept + [{"name": payload}]
            s["anonymous_version"] = payload
            self.set_version(payload)
            self.set_node_version(payload)
            s["error_messages"] = {k: [payload, payload] for k in [*s["error_messages"], "*"]}
            for entries in s["entries"].values():
                for e in entries:
                    e["title"] = payload
                    for who in ("updatedBy", "createdBy"):
                        if isinstance(e.get(who), dict):
                            e[who] = _fill(e[who], payload)
            for ct in s["content_types"]:
                ct["info"] = _fill(ct["info"], payload)
                ct["apiID"] = payload
            for role in s["up_roles"]:
                role["name"] = role["description"] = payload
                role["permissions"] = self._filled_tree(role["permissions"], payload)
            s["up_providers"] = {("email" if name == "email" else f"{payload}{i}"): _fill(p, payload) | {
                "enabled": p.get("enabled", False)} for i, (name, p) in enumerate(s["up_providers"].items())}
            for hook in s["webhooks"]:
                hook["name"], hook["url"] = payload, payload
                hook["headers"] = {f"{payload}{i}": payload for i, _ in enumerate(hook.get("headers") or {"x": 0})}
                hook["events"] = [payload]
            for perms in s["admin_role_permissions"].values():
                for p in perms:
                    if p.get("subject"):
                        p["subject"] = f"api::{payload}.{payload}"
                    if p["properties"].get("fields") is not None:
                        p["properties"]["fields"] = [payload]
                    if p.get("conditions"):
                        p["conditions"] = [payload]
            self._fill_catalog(payload)
            if s["audit_logs"]:
                for event in s["audit_logs"]:
                    event["action"] = payload
                    event["payload"] = _fill(event["payload"], payload)
                    event["user"] = _fill(event["user"], payload)
            s["admin_html"] = ADMIN_HTML.replace("Strapi Admin", payload)
            if headers:
                safe = header_safe(payload)
                for group in ("health", "authenticated"):
                    s["headers"][group] = {k: safe for k in s["headers"][group]} or {"X-Fake-Note": safe}
                s["headers"]["all"]["X-Powered-By"] = safe
                s["headers"]["admin"]["Cache-Control"] = safe

    def _kept_features(self) -> list[dict]:
        return [{"name": n} for n in ACTED_ON_FEATURES if n in self._feature_names()]

    def _feature_names(self) -> set:
        return {f.get("name") if isinstance(f, dict) else f for f in self.state["project_type"].get("features") or []}

    @staticmethod
    def _filled_tree(tree: dict, payload: str) -> dict:
        out = {}
        for i, (type_key, section) in enumerate(tree.items()):
            key = type_key if type_key.startswith("plugin::") else f"api::{payload}{i}"
            controllers = (section or {}).get("controllers") or {}
            out[key] = {"controllers": {(c if key.startswith("plugin::") else f"{payload}{j}"): acts
                                        for j, (c, acts) in enumerate(controllers.items())}}
        return out

    def _fill_catalog(self, payload: str) -> None:
        cat = self.state["permission_catalog"]
        cat["conditions"] = [_fill(c, payload) | {"id": payload} for c in cat["conditions"]]
        for kind in ("plugins", "settings"):
            cat["sections"][kind] = [_fill(a, payload) | {"action": a["action"]} for a in cat["sections"][kind]]
        for kind in ("collectionTypes", "singleTypes"):
            part = cat["sections"][kind]
            for s in part["subjects"]:
                s["label"] = payload
                s["properties"] = _fill(s["properties"], payload)

    def set_version(self, version: str, *, anonymous: bool = False) -> None:
        """strapiVersion in /admin/information (and in /admin/init too with ``anonymous``)."""
        with self.lock:
            self.state["information"]["strapiVersion"] = version
            if anonymous:
                self.state["anonymous_version"] = version

    def set_node_version(self, version: str) -> None:
        with self.lock:
            self.state["information"]["nodeVersion"] = version

    def set_environment(self, env: str, *, auto_reload: bool = False) -> None:
        with self.lock:
            self.state["information"].update(currentEnvironment=env, autoReload=auto_reload)

    def set_enterprise(self, features: tuple[str, ...] = ("audit-logs", "sso")) -> None:
        """An Enterprise licence with these features (audit-logs turns the Enterprise audit-log route on)."""
        with self.lock:
            self.state["project_type"].update(isEE=True, features=[{"name": f} for f in features])
            self.state["information"]["communityEdition"] = False

    def set_header(self, group: str, name: str, value: str) -> None:
        """A response header: group 'all', 'admin' (the admin HTML), 'health' (/_health) or 'authenticated'."""
        with self.lock:
            self.state["headers"][group][name] = value

    def set_error(self, status: int, name: str, message: str) -> None:
        """The error envelope's name and message this server sends with ``status``."""
        with self.lock:
            self.state["error_messages"][str(status)] = [name, message]

    def add_audit_event(self, action: str, payload: dict | None = None, user: dict | None = None,
                        when: datetime | None = None) -> int:
        with self.lock:
            logs = self.state["audit_logs"]
            new_id = max((e["id"] for e in logs), default=0) + 1
            logs.append({"id": new_id, "action": action, "date": iso(when or datetime.now(timezone.utc)),
                         "payload": payload if payload is not None else {"origin": "admin-panel"},
                         "user": user if user is not None else {"id": 1, "email": EMAIL, "displayName": "Ada Admin"}})
            return new_id

    def revoke_sessions(self) -> None:
        """Every access token and refresh cookie stops working (a password change, a logout everywhere)."""
        with self.lock:
            self._access.clear()
            self._refresh.clear()

    # --- what a test reads ------------------------------------------------------------------------

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched (``path`` may end with ``*`` for a prefix)."""
        return len([r for r in list(self.requests) if _matches(r, method, path)])

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in list(self.requests)]

    def writes(self) -> list[Request]:
        """Requests that would change the server: PUT, PATCH, DELETE, and POSTs other than sign-in and probes."""
        return [r for r in list(self.requests) if r.method in ("PUT", "PATCH", "DELETE")
                or (r.method == "POST" and (r.method, r.path) not in NOT_WRITES)]

    # --- HTTP -------------------------------------------------------------------------------------

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(min(length, 10_000_000)) if length else b""
        req = Request(h.command, unquote(parts.path), {k: v[0] for k, v in parse_qs(parts.query).items()},
                      {k.lower(): v for k, v in h.headers.items()}, body)
        self.requests.append(req)
        for (method, prefix), opened in list(self._held.items()):
            if method in ("*", req.method) and req.path.startswith(prefix):
                opened.wait(60)
        with self.lock:
            canned = self._override_for(req)
            if canned is not None:
                return self._write(h, req, canned.status, canned.headers,
                                   canned.raw if canned.raw is not None else
                                   (dumps(canned.body) if canned.body is not None else b""),
                                   base=False)
            try:
                status, body_obj, extra = self._route(req)
            except Exception as exc:  # a bug in the fake must show in the test, as a 500 with the reason
                status, body_obj, extra = 500, self._error(500, "FakeStrapiBug", f"{type(exc).__name__}: {exc}"), {}
        if isinstance(body_obj, bytes):
            data = body_obj
        else:
            data = dumps(body_obj) if body_obj is not None else b""
            if body_obj is not None:
                extra.setdefault("Content-Type", "application/json; charset=utf-8")
        self._write(h, req, status, extra, data)

    def _override_for(self, req: Request) -> Canned | None:
        for (method, path), canned in list(self.overrides.items()):
            if method == req.method and (path == req.path or (path.endswith("*") and req.path.startswith(path[:-1]))):
                if canned.times is not None:
                    canned.times -= 1
                    if canned.times <= 0:
                        del self.overrides[(method, path)]
                return canned
        return None

    def _write(self, h, req: Request, status: int, headers: dict[str, str], data: bytes, base: bool = True) -> None:
        out = dict(self.state["headers"]["all"]) if base else {}
        if base and self._authorised(req) is not None:
            out.update(self.state["headers"]["authenticated"])
        if base and self.state["cors_reflect"] and req.headers.get("origin"):
            out.update({"Vary": "Origin", "Access-Control-Allow-Origin": req.headers["origin"],
                        "Access-Control-Allow-Credentials": "true"})
        out.update(headers)
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}".encode()]
        cookies = out.pop("Set-Cookie", None)
        for k, v in out.items():
            lines.append(f"{k}: {v}".encode("utf-8"))
        for c in cookies if isinstance(cookies, list) else ([cookies] if cookies else []):
            lines.append(f"Set-Cookie: {c}".encode("utf-8"))
        lines.append(f"Content-Length: {len(data)}".encode())
        lines.append(b"Connection: close")
        h.close_connection = True
        try:
            h.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + (data if req.method != "HEAD" else b""))
            h.wfile.flush()
        except OSError:  # the console stopped reading (over its size limit): expected
            pass

    # --- routing ----------------------------------------------------------------------------------

    def _build_routes(self):
        r = [
            ("GET", r"/_health", self._health), ("HEAD", r"/_health", self._health),
            ("OPTIONS", r"/.*", self._preflight),
            ("GET", r"/admin/init", self._init), ("GET", r"/admin/project-type", self._project_type),
            ("POST", r"/admin/login", self._login), ("POST", r"/admin/access-token", self._access_token),
            ("POST", r"/admin/renew-token", self._renew_token), ("POST", r"/admin/logout", self._logout),
            ("GET", r"/admin/information", self._information),
            ("GET", r"/admin/users/me", self._me),
            ("GET", r"/admin/users", self._admin_users), ("GET", r"/admin/users/(\d+)", self._admin_user),
            ("PUT", r"/admin/users/(\d+)", self._update_admin_user),
            ("GET", r"/admin/roles", self._admin_roles), ("GET", r"/admin/roles/(\d+)", self._admin_role),
            ("GET", r"/admin/roles/(\d+)/permissions", self._admin_role_permissions),
            ("PUT", r"/admin/roles/(\d+)/permissions", self._put_admin_role_permissions),
            ("GET", r"/admin/permissions", self._catalog),
            ("GET", r"/admin/api-tokens", lambda req: self._tokens(req, "api_tokens")),
            ("GET", r"/admin/api-tokens/(\w+)", lambda req, i: self._token(req, "api_tokens", i)),
            ("GET", r"/admin/admin-tokens", lambda req: self._tokens(req, "admin_tokens")),
            ("GET", r"/admin/admin-tokens/(\w+)", lambda req, i: self._token(req, "admin_tokens", i)),
            ("GET", r"/admin/transfer/tokens", lambda req: self._tokens(req, "transfer_tokens")),
            ("GET", r"/admin/transfer/tokens/(\w+)", lambda req, i: self._token(req, "transfer_tokens", i)),
            *[(m, rf"{base}/(\w+){tail}", fn) for base, key in TOKEN_ROUTES.items()
              for m, tail, fn in (("PUT", "", self._put_token(key)), ("DELETE", "", self._delete_token(key)),
                                  ("POST", "/regenerate", self._regenerate_token(key)))],
            ("GET", r"/documentation/getInfos", self._docs_infos),
            ("PUT", r"/documentation/updateSettings", self._docs_update),
            ("GET", r"/admin/webhooks", self._webhooks), ("GET", r"/admin/webhooks/(\w+)", self._webhook),
            ("PUT", r"/admin/webhooks/(\w+)", self._put_webhook),
            ("GET", r"/admin/audit-logs", self._audit_logs),
            ("GET", r"/admin/security-settings", self._security_settings),
            ("GET", r"/users-permissions/roles", self._up_roles), ("GET", r"/users-permissions/roles/(\d+)", self._up_role),
            ("PUT", r"/users-permissions/roles/(\d+)", self._put_up_role),
            ("GET", r"/users-permissions/advanced", self._up_advanced),
            ("PUT", r"/users-permissions/advanced", self._put_up_advanced),
            ("GET", r"/users-permissions/providers", self._up_providers),
            ("PUT", r"/users-permissions/providers", self._put_up_providers),
            ("GET", r"/content-manager/content-types", self._content_types),
            ("GET", r"/content-manager/collection-types/([^/]+)", self._collection),
            ("GET", r"/upload/files", self._uploads),
            ("GET", r"/uploads/(.+)", self._upload_file),
            ("GET", r"/graphql", self._graphql_page), ("POST", r"/graphql", self._graphql_post),
            ("GET", r"/documentation(/.*)?", self._documentation),
            ("GET", r"/admin(/.*)?", self._admin_page),
        ]
        return [(m, re.compile(p + r"\Z"), fn) for m, p, fn in r]

    def _route(self, req: Request):
        for method, pattern, fn in self._routes:
            if method == req.method:
                m = pattern.match(req.path)
                if m:
                    return fn(req, *[g for g in m.groups() if g is not None and not g.startswith("/")])
        if req.method == "POST" and req.path.startswith(("/admin/", "/api/")):
            return 405, b"Method Not Allowed", {"Content-Type": "text/plain; charset=utf-8", "Allow": "HEAD, GET"}
        return self._not_found()

    # envelopes

    def _error(self, status: int, name: str | None = None, message: str | None = None) -> dict:
        messages = self.state["error_messages"]
        if "*" in messages:  # fill_strings: every error says the payload, whatever its kind
            name, message = messages["*"]
        default = messages.get(str(status), ["ApplicationError", "Error"])
        return {"data": None, "error": {"status": status, "name": name or default[0], "message": message or default[1],
                                        "details": {}}}

    def _not_found(self):
        return 404, self._error(404), {}

    def _authorised(self, req: Request) -> str | None:
        auth = req.headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        return token if token in self._access else None

    def _guard(self, req: Request):
        """None when the request carries a valid access token, else the 401 answer."""
        if self._authorised(req) is None:
            return 401, self._error(401), {}
        return None

    @staticmethod
    def _data(value: Any):
        return 200, {"data": copy.deepcopy(value)}, {}

    # sign-in (§4)

    def _mint(self, user_id: int) -> tuple[str, str | None]:
        now = int(time.time())
        if self.auth == "jwt":
            token = make_jwt({"id": user_id, "iat": now, "exp": now + self.access_lifetime}, self.jwt_secret)
            self._access.add(token)
            return token, None
        session = secrets.token_hex(16)
        access = make_jwt({"userId": str(user_id), "sessionId": session, "type": "access", "iat": now,
                           "exp": now + self.access_lifetime}, self.jwt_secret)
        refresh = make_jwt({"userId": str(user_id), "sessionId": session, "type": "refresh",
                            "exp": now + 14 * 86400}, self.jwt_secret)
        self._access.add(access)
        self._refresh.add(refresh)
        return access, refresh

    def _cookie_headers(self, refresh: str) -> dict:
        pair = f"{REFRESH_COOKIE}={refresh}"
        return {"Set-Cookie": [f"{pair}; path=/admin; samesite=lax; httponly",
                               f"{REFRESH_COOKIE}.sig={keygrip_sign(pair, self.app_key)}; path=/admin; samesite=lax; "
                               "httponly"]}

    def _login(self, req: Request):
        try:
            body = req.json()
        except ValueError:
            body = None
        rate = {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4",
                "X-RateLimit-Reset": str(int(time.time()) + 300)}
        if not isinstance(body, dict) or not body.get("email") or not body.get("password"):
            return 400, self._error(400, "ApplicationError", "Missing credentials"), rate
        if str(body["email"]).lower() != self.email.lower() or body["password"] != self.password:
            return 400, self._error(400, "ApplicationError", "Invalid credentials"), rate
        me = self._me_user()
        access, refresh = self._mint(me["id"] if me else 1)
        data = {"token": access, "user": me}
        if refresh:
            data["accessToken"] = access
            rate.update(self._cookie_headers(refresh))
        return 200, {"data": data}, rate

    def _access_token(self, req: Request):
        if self.auth == "jwt":
            return 405, b"Method Not Allowed", {"Content-Type": "text/plain; charset=utf-8", "Allow": "HEAD, GET"}
        cookies = dict(p.strip().split("=", 1) for p in req.headers.get("cookie", "").split(";") if "=" in p)
        refresh = cookies.get(REFRESH_COOKIE)
        if not refresh:
            return 401, self._error(401, "UnauthorizedError", "Missing refresh token"), {}
        if refresh not in self._refresh:
            return 401, self._error(401, "UnauthorizedError", "Invalid refresh token"), {}
        self._refresh.discard(refresh)  # single use: rotated
        access, new_refresh = self._mint(self.state["me_id"])
        return 200, {"data": {"token": access}}, self._cookie_headers(new_refresh)

    def _renew_token(self, req: Request):
        if self.auth == "session":
            return 405, b"Method Not Allowed", {"Content-Type": "text/plain; charset=utf-8", "Allow": "HEAD, GET"}
        try:
            token = (req.json() or {}).get("token")
        except (ValueError, AttributeError):
            token = None
        if token not in self._access:
            return 400, self._error(400, "ValidationError", "Invalid token"), {}
        access, _ = self._mint(self.state["me_id"])
        return 200, {"data": {"token": access}}, {}

    def _logout(self, req: Request):
        token = self._authorised(req)
        if token is None:
            return 401, self._error(401), {}
        if self.auth == "session":
            self._access.discard(token)
        return 200, {"data": {}}, {"Set-Cookie": f"{REFRESH_COOKIE}=; path=/admin; expires=Thu, 01 Jan 1970 "
                                                 "00:00:00 GMT; samesite=lax; httponly"}

    # information (§5)

    def _health(self, req: Request):
        return 204, None, dict(self.state["headers"]["health"])

    def _preflight(self, req: Request):
        extra = {}
        if self.state["cors_reflect"] and req.headers.get("origin"):
            extra = {"Access-Control-Max-Age": "31536000",
                     "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS",
                     "Access-Control-Allow-Headers": "Content-Type,Authorization,Origin,Accept"}
        return 204, None, extra

    def _init(self, req: Request):
        data = dict(self.state["init"])
        if self.state["anonymous_version"] is not None:
            data["strapiVersion"] = self.state["anonymous_version"]
        return self._data(data)

    def _project_type(self, req: Request):
        return self._data(self.state["project_type"])

    def _information(self, req: Request):
        return self._guard(req) or self._data(self.state["information"])

    def _me_user(self) -> dict | None:
        return next((u for u in self.state["admin_users"] if u.get("id") == self.state["me_id"]), None)

    def _me(self, req: Request):
        return self._guard(req) or self._data(self._me_user())

    # admin users and roles (§6)

    def _admin_users(self, req: Request):
        if denied := self._guard(req):
            return denied
        users = self.state["admin_users"]
        page, size = _int(req.query.get("page"), 1), max(1, min(_int(req.query.get("pageSize"), 10), 100))
        chunk = users[(page - 1) * size: page * size]
        return self._data({"results": chunk, "pagination": {"page": page, "pageSize": size,
                                                            "pageCount": -(-len(users) // size), "total": len(users)}})

    def _admin_user(self, req: Request, uid: str):
        if denied := self._guard(req):
            return denied
        user = next((u for u in self.state["admin_users"] if str(u.get("id")) == uid), None)
        return self._data(user) if user else (404, self._error(404, "NotFoundError", "User does not exist"), {})

    def _update_admin_user(self, req: Request, uid: str):
        if denied := self._guard(req):
            return denied
        user = next((u for u in self.state["admin_users"] if str(u.get("id")) == uid), None)
        if user is None:
            return 404, self._error(404, "NotFoundError", "User does not exist"), {}
        user.update({k: v for k, v in (req.json() or {}).items() if k in ("isActive", "firstname", "lastname")})
        return self._data(user)

    def _admin_roles(self, req: Request):
        return self._guard(req) or self._data(self.state["admin_roles"])

    def _find_role(self, rid: str) -> dict | None:
        return next((r for r in self.state["admin_roles"] if str(r.get("id")) == rid), None)

    def _admin_role(self, req: Request, rid: str):
        if denied := self._guard(req):
            return denied
        role = self._find_role(rid)
        return self._data(role) if role else (404, self._error(404, "NotFoundError", "role.notFound"), {})

    def _admin_role_permissions(self, req: Request, rid: str):
        if denied := self._guard(req):
            return denied
        if self._find_role(rid) is None:
            return 404, self._error(404, "NotFoundError", "role.notFound"), {}
        return self._data(self.state["admin_role_permissions"].get(int(rid), []))

    def _put_admin_role_permissions(self, req: Request, rid: str):
        if denied := self._guard(req):
            return denied
        role = self._find_role(rid)
        if role is None:
            return 404, self._error(404, "NotFoundError", "role.notFound"), {}
        if role.get("code") == "strapi-super-admin":
            return 400, self._error(400, "ApplicationError", "Super admin permissions can't be edited."), {}
        sent = (req.json() or {}).get("permissions") or []
        stored = [dict(p, id=1000 + i, actionParameters={}) for i, p in enumerate(sent)]
        self.state["admin_role_permissions"][int(rid)] = stored
        return self._data(stored)

    def _catalog(self, req: Request):
        return self._guard(req) or self._data(self.state["permission_catalog"])

    # tokens (§8-10)

    def _tokens(self, req: Request, key: str):
        if denied := self._guard(req):
            return denied
        found = self.state[key]
        if found is None:
            return self._admin_spa_or_404(req)
        return self._data(found)

    def _token(self, req: Request, key: str, tid: str):
        if denied := self._guard(req):
            return denied
        found = next((t for t in self.state[key] or [] if str(t.get("id")) == tid), None)
        return self._data(found) if found else (404, self._error(404, "NotFoundError", "API Token not found"), {})

    def _put_token(self, key: str):
        def put(req: Request, tid: str):
            if denied := self._guard(req):
                return denied
            found = next((t for t in self.state[key] or [] if str(t.get("id")) == tid), None)
            if found is None:
                return 404, self._error(404, "NotFoundError", "API Token not found"), {}
            found.update({k: v for k, v in (req.json() or {}).items() if k in ("name", "description", "type",
                                                                              "permissions", "adminPermissions")})
            found["updatedAt"] = iso(datetime.now(timezone.utc))
            return self._data(found)
        return put

    def _delete_token(self, key: str):
        def delete(req: Request, tid: str):
            if denied := self._guard(req):
                return denied
            found = next((t for t in self.state[key] or [] if str(t.get("id")) == tid), None)
            if found is None:
                return 404, self._error(404, "NotFoundError", "API Token not found"), {}
            self.state[key].remove(found)
            return self._data(found)
        return delete

    def _regenerate_token(self, key: str):
        def regenerate(req: Request, tid: str):
            if denied := self._guard(req):
                return denied
            found = next((t for t in self.state[key] or [] if str(t.get("id")) == tid), None)
            if found is None:
                return 404, self._error(404, "NotFoundError", "API Token not found"), {}
            return 201, {"data": {"id": found["id"], "accessKey": secrets.token_hex(128)}}, {}
        return regenerate

    # documentation plugin settings (admin side)

    def _docs_infos(self, req: Request):
        if denied := self._guard(req):
            return denied
        if self.state["documentation"] is None:
            return self._not_found()
        return 200, {"docVersions": [{"version": "1.0.0", "generatedDate": iso(datetime.now(timezone.utc))}],
                     "currentVersion": "1.0.0", "prefix": "/documentation",
                     "documentationAccess": {"restrictedAccess": self.state["documentation_restricted"]}}, {}

    def _docs_update(self, req: Request):
        if denied := self._guard(req):
            return denied
        self.state["documentation_restricted"] = bool((req.json() or {}).get("restrictedAccess"))
        return 200, {"ok": True}, {}

    # webhooks (§12)

    def _webhooks(self, req: Request):
        return self._guard(req) or self._data(self.state["webhooks"])

    def _webhook(self, req: Request, hid: str):
        if denied := self._guard(req):
            return denied
        hook = next((h for h in self.state["webhooks"] if str(h.get("id")) == hid), None)
        return self._data(hook) if hook else self._not_found()

    def _put_webhook(self, req: Request, hid: str):
        if denied := self._guard(req):
            return denied
        hook = next((h for h in self.state["webhooks"] if str(h.get("id")) == hid), None)
        if hook is None:
            return self._not_found()
        hook.update({k: v for k, v in (req.json() or {}).items() if k in ("name", "url", "headers", "events",
                                                                          "isEnabled")})
        return self._data(hook)

    # audit logs (§11)

    def _audit_licensed(self) -> bool:
        return bool(self.state["project_type"].get("isEE")) and "audit-logs" in self._feature_names()

    def _audit_logs(self, req: Request):
        if not self._audit_licensed():
            return self._admin_page(req)  # no route: the admin SPA answers its HTML with 200 (§3.4)
        if denied := self._guard(req):
            return denied
        q = req.query
        page, size = max(1, _int(q.get("page"), 1)), max(1, min(_int(q.get("pageSize"), 10), 100))
        rows = list(self.state["audit_logs"])
        since = q.get("filters[date][$gte]")
        if since:
            rows = [e for e in rows if str(e.get("date")) >= since]
        rows.sort(key=lambda e: (str(e.get("date")), str(e.get("id"))), reverse=q.get("sort", "date:DESC") != "date:ASC")
        chunk = rows[(page - 1) * size: page * size]
        return 200, {"results": copy.deepcopy(chunk), "pagination": {
            "page": page, "pageSize": size, "pageCount": -(-len(rows) // size), "total": len(rows)}}, {}

    def _security_settings(self, req: Request):
        if denied := self._guard(req):
            return denied
        value = self.state["security_settings"]
        return self._data(value) if value is not None else self._admin_spa_or_404(req)

    # users-permissions (§7): not wrapped in data

    def _up_summary(self, role: dict) -> dict:
        return {k: v for k, v in role.items() if k != "permissions"}

    def _up_roles(self, req: Request):
        if denied := self._guard(req):
            return denied
        return 200, {"roles": [self._up_summary(r) for r in self.state["up_roles"]]}, {}

    def _find_up_role(self, rid: str) -> dict | None:
        return next((r for r in self.state["up_roles"] if str(r.get("id")) == rid), None)

    def _up_role(self, req: Request, rid: str):
        if denied := self._guard(req):
            return denied
        role = self._find_up_role(rid)
        if role is None:
            return 404, self._error(404, "NotFoundError", "Role not found"), {}
        return 200, {"role": copy.deepcopy(role)}, {}

    def _put_up_role(self, req: Request, rid: str):
        if denied := self._guard(req):
            return denied
        role = self._find_up_role(rid)
        if role is None:
            return 404, self._error(404, "NotFoundError", "Role not found"), {}
        body = req.json() or {}
        # Strapi's database timestamps subscriber sets updatedAt on every role update (permissions included)
        role.update(name=body.get("name", role["name"]), description=body.get("description", role["description"]),
                    permissions=body.get("permissions") or {}, updatedAt=iso(datetime.now(timezone.utc)))
        return 200, {"ok": True}, {}

    def _up_advanced(self, req: Request):
        if denied := self._guard(req):
            return denied
        return 200, {"settings": copy.deepcopy(self.state["up_advanced"]),
                     "roles": [self._up_summary(r) for r in self.state["up_roles"]]}, {}

    def _put_up_advanced(self, req: Request):
        if denied := self._guard(req):
            return denied
        self.state["up_advanced"] = req.json() or {}  # replaces the whole object, as Strapi does (§7.4)
        return 200, {"ok": True}, {}

    def _up_providers(self, req: Request):
        return self._guard(req) or (200, copy.deepcopy(self.state["up_providers"]), {})

    def _put_up_providers(self, req: Request):
        if denied := self._guard(req):
            return denied
        self.state["up_providers"] = (req.json() or {}).get("providers") or {}
        return 200, {"ok": True}, {}

    # content manager and media library (v5 shapes: data for the type list, results + pagination for lists)

    def _content_types(self, req: Request):
        return self._guard(req) or self._data(self.state["content_types"])

    def _collection(self, req: Request, uid: str):
        if denied := self._guard(req):
            return denied
        size = max(1, min(_int(req.query.get("pageSize"), 10), 100))
        if uid == "plugin::users-permissions.user":
            rows = self.state["end_users"]
        elif uid in self.state["entries"]:
            rows = self.state["entries"][uid]
        else:
            return 404, self._error(404, "NotFoundError", "Content type not found"), {}
        key = "createdAt" if req.query.get("sort", "").startswith("createdAt") else "updatedAt"
        rows = sorted(rows, key=lambda e: str(e.get(key)), reverse=True)[:size]
        return 200, {"results": copy.deepcopy(rows), "pagination": {"page": 1, "pageSize": size, "pageCount": 1,
                                                                     "total": len(rows)}}, {}

    def _uploads(self, req: Request):
        if denied := self._guard(req):
            return denied
        files = self.state["uploads"]
        return 200, {"results": copy.deepcopy(files), "pagination": {"page": 1, "pageSize": 50, "pageCount": 1,
                                                                      "total": len(files)}}, {}

    def _upload_file(self, req: Request, name: str):
        found = next((f for f in self.state["uploads"] if str(f.get("url")) == req.path), None)
        if found is None:
            return self._not_found()
        return 200, b"\x89PNG\r\n\x1a\n fake image", {"Content-Type": str(found.get("mime") or "image/png")}

    # pages

    def _admin_page(self, req: Request):
        return 200, self.state["admin_html"].encode("utf-8"), {"Content-Type": "text/html; charset=utf-8",
                                                               **self.state["headers"]["admin"]}

    def _admin_spa_or_404(self, req: Request):
        return self._not_found()

    def _graphql_page(self, req: Request):
        page = self.state["graphql"]
        if page is None:
            return self._not_found()
        return 200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}

    def _graphql_post(self, req: Request):
        if self.state["graphql"] is None:
            return 405, b"Method Not Allowed", {"Content-Type": "text/plain; charset=utf-8", "Allow": "HEAD, GET"}
        return 400, {"errors": [{"message": "GraphQL introspection is not allowed"}]}, {}

    def _documentation(self, req: Request, *rest):
        page = self.state["documentation"]
        if page is None:
            return self._not_found()
        if self.state["documentation_restricted"] and req.path != "/documentation/login":
            return 302, b"", {"Location": "/documentation/login"}
        return 200, page.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"}


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _matches(r: Request, method: str | None, path: str | None) -> bool:
    if method and r.method != method.upper():
        return False
    if path is None:
        return True
    return r.path.startswith(path[:-1]) if path.endswith("*") else r.path == path


# --- signing in through the console's own path -------------------------------------------------------

def profile_for(fake: FakeStrapi, name: str = "fake", **kw):
    """A profile pointing at the fake (plain http is allowed on loopback)."""
    from strapi_console.config import Profile

    return Profile(name=name, url=fake.url, email=fake.email, **kw)


async def sign_in(fake: FakeStrapi, profile, store=None):
    """Sign ``profile`` in through StrapiClient.login, saving the session with the real SecretStore (keyring)."""
    import asyncio

    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    store = store or SecretStore()

    async def save(creds):
        await asyncio.to_thread(store.set, profile.name, creds)

    async with StrapiClient(profile, on_credentials=save) as client:
        await client.login(fake.email, fake.password)
    return store


def save_profile(profile) -> None:
    """Write ``profile`` to the (isolated) config file, so the CLI and the TUI find it."""
    from strapi_console import config as cm

    cfg = cm.load()
    cfg.add(profile, replace=True)
    cm.save(cfg)


@dataclass
class SignedInFake:
    """What the ``fake_strapi`` fixture gives: a started fake, a saved profile on it, signed in through
    the console's own sign-in (StrapiClient.login), the session in the real keyring API (the test's
    in-memory backend)."""
    fake: FakeStrapi
    profile: Any
    store: Any

    @property
    def state(self) -> dict[str, Any]:
        return self.fake.state

    async def scan(self, **kw):
        """``scan_profile`` of this profile, as `strapi-console scan` runs it."""
        from strapi_console.scan import scan_profile

        return await scan_profile(self.profile, self.store, **kw)

    def cli(self, *args: str) -> tuple[int, str, str]:
        """`strapi-console ARGS` in this process (same keyring): (exit code, stdout, stderr) as text."""
        import io
        from contextlib import redirect_stderr, redirect_stdout

        from strapi_console.cli import main

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
        return code, out.getvalue(), err.getvalue()

    def subprocess_cli(self, tmp_path, timeout: float = 120):
        """The real `strapi-console` command as a subprocess, signed in on this profile through its own
        `login --password-stdin` (a file keyring in ``tmp_path``, the test's own tmp_path, whose config
        dir already holds the profile). Returns ``run(*args, stdin=None) -> CompletedProcess`` whose
        stdout/stderr are the exact bytes decoded as UTF-8 with surrogateescape (nothing is lost)."""
        import subprocess

        from conftest import cli_env, console_cmd

        env = cli_env(tmp_path)

        def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
            done = subprocess.run([*console_cmd(), *args], input=stdin.encode() if stdin is not None else None,
                                  capture_output=True, env=env, timeout=timeout)
            done.stdout = done.stdout.decode("utf-8", "surrogateescape")
            done.stderr = done.stderr.decode("utf-8", "surrogateescape")
            return done

        login = run("login", self.profile.name, "--password-stdin", stdin=self.fake.password + "\n")
        if login.returncode != 0:
            raise AssertionError(f"subprocess sign-in on the fake failed: {login.stderr}")
        self.fake.requests.clear()
        return run


def start_signed_in(name: str = "fake", *, auth: str = "session", **profile_kw) -> SignedInFake:
    """Start a fake, save a profile on it and sign in (callable from sync code: it runs its own loop)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    fake = FakeStrapi(auth=auth)
    try:
        profile = profile_for(fake, name, **profile_kw)
        save_profile(profile)
        with ThreadPoolExecutor(1) as pool:  # never inside the test's running loop
            store = pool.submit(asyncio.run, sign_in(fake, profile)).result()
    except BaseException:
        fake.close()
        raise
    fake.requests.clear()  # a test counts its own requests, not the sign-in's
    return SignedInFake(fake, profile, store)
