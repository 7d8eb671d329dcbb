"""Local fakes of Microsoft Graph and of Entra ID's token service (HTTPS, as msal insists on).

As strict as the real ones where a connector can go wrong: a wrong client secret gets 401
`invalid_client` (AADSTS7000215), an unknown tenant 400 `invalid_tenant`; Graph accepts only
tokens the fake issued, for its own audience and before they expire (else 401
InvalidAuthenticationToken), enforces each app's application permissions (else 403
Authorization_RequestDenied), refuses signInActivity to a tenant without a premium licence,
caps `$top` at 999, pages with `@odata.nextLink` + `$skiptoken`, and 404s unknown objects.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import secrets
import ssl
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.bot.connectors.fake_api import FakeApi, Reply, Request

MAX_TOP = 999
READ_USERS = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}
READ_MEMBERS = {"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}
READ_APPS = {"Application.Read.All", "Directory.Read.All"}
READ_ROLES = {"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"}
NEEDS = {"users": READ_USERS, "groups": READ_MEMBERS, "servicePrincipals": READ_APPS}
NEEDS["roleManagement"] = READ_ROLES
HIDDEN = {"signInActivity", "roleDefinition"}  # listed only when `$select`ed or `$expand`ed
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"  # the app role id of plain access
TOKEN, DENIED = "InvalidAuthenticationToken", "Authorization_RequestDenied"
ERRORS = {  # Graph's own codes and messages
    "denied": (403, DENIED, "Insufficient privileges to complete the operation."),
    "premium": (403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "No premium license"),
    "token": (401, TOKEN, "Access token validation failure."),
    "audience": (401, TOKEN, "Invalid audience."),
    "expired": (401, TOKEN, "Lifetime validation failed, the token is expired."),
    "top": (400, "Request_UnsupportedQuery", "Invalid page size: must be between 1 and 999."),
    "skip": (400, "Request_BadRequest", "Invalid skip token."),
    "segment": (400, "BadRequest", "Resource not found for the segment."),
    "missing": (404, "Request_ResourceNotFound", "Resource does not exist."),
}


def graph_error(name: str) -> Reply:
    status, code, message = ERRORS[name]
    return Reply(status, {"error": {"code": code, "message": message}})


def tls_pair() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed cert for 127.0.0.1, and a client trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now, ip = dt.datetime.now(dt.UTC), ipaddress.ip_address("127.0.0.1")
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name)
    builder = builder.public_key(key.public_key()).serial_number(x509.random_serial_number())
    builder = builder.not_valid_before(now - dt.timedelta(minutes=5))
    builder = builder.not_valid_after(now + dt.timedelta(hours=2))
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip)]), False)
    cert = builder.add_extension(x509.BasicConstraints(True, None), True).sign(key, hashes.SHA256())
    pem = cert.public_bytes(serialization.Encoding.PEM)
    plain = serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads files only
        (Path(folder) / "cert.pem").write_bytes(pem + key.private_bytes(_PEM, *plain))
        server.load_cert_chain(Path(folder) / "cert.pem")
    return server, ssl.create_default_context(cadata=pem.decode())


_PEM = serialization.Encoding.PEM


class FakeLogin(FakeApi):
    """login.microsoftonline.com for one tenant: OpenID configuration and client credentials."""

    def __init__(self, tenant: str, server_tls: ssl.SSLContext) -> None:
        super().__init__()
        self.tenant, self.audience = tenant, ""  # the resource its tokens are for (Graph's URL)
        self.apps: dict[str, tuple[str, set[str]]] = {}  # client id → (secret, permissions)
        self.tokens: dict[str, tuple[str, str, float]] = {}  # token → (client, audience, expiry)
        self.lifetime = 3599.0
        self._server.socket = server_tls.wrap_socket(self._server.socket, server_side=True)
        # A client that gave up waiting (the timeout test) hangs up mid-TLS: not worth a trace.
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)

    def add_app(self, client_id: str, secret: str, roles: Iterable[str]) -> None:
        self.apps[client_id] = (secret, set(roles))

    def handle(self, request: Request) -> Reply:
        tenant, _, rest = request.path.lstrip("/").partition("/")
        if tenant != self.tenant:
            return _aad(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{self.url}/{tenant}"
        if rest == "v2.0/.well-known/openid-configuration" and request.method == "GET":
            ends = {"token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0"}
            return Reply(200, {**ends, "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"})
        if rest == "oauth2/v2.0/token" and request.method == "POST":
            return self._token(dict(parse_qsl(request.body.decode())))
        return Reply(404, {"error": "not_found"})

    def _token(self, form: dict[str, str]) -> Reply:
        app = self.apps.get(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials":
            return _aad(400, "unsupported_grant_type", "AADSTS70003: grant type not supported.")
        if app is None:
            return _aad(400, "unauthorized_client", "AADSTS700016: Application not found.")
        if form.get("client_secret") != app[0]:
            detail = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent"
            return _aad(401, "invalid_client", detail + " is the client secret value.")
        if form.get("scope") != f"{self.audience}/.default":
            return _aad(400, "invalid_scope", "AADSTS1002012: The provided scope is not valid.")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (form["client_id"], self.audience, time.time() + self.lifetime)
        return Reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})


def _aad(status: int, error: str, description: str) -> Reply:
    code = int(description[6:].partition(":")[0])
    return Reply(status, {"error": error, "error_description": description, "error_codes": [code]})


class FakeGraph(FakeApi):
    """graph.microsoft.com with its own sign-in service (`login`) for one tenant."""

    def __init__(self, tenant: str) -> None:
        super().__init__()
        server_tls, self.client_tls = tls_pair()
        self.login = FakeLogin(tenant, server_tls)
        self.login.audience = self.url  # its tokens are for this Graph
        self.premium = True  # Entra ID P1/P2: signInActivity is only served to such tenants
        self.page_size = MAX_TOP  # Graph may send fewer than `$top`; tests page small
        self.objects: dict[str, dict[str, Any]] = {}  # id → user/servicePrincipal/group as listed
        self.groups: dict[str, list[str]] = {}
        self.app_roles: dict[str, dict[str, str]] = {}  # service principal → role name → id
        self.assigned: dict[str, list[dict[str, Any]]] = {}  # service principal → grants
        self.role_assignments: list[dict[str, Any]] = []  # each with its roleDefinition

    def __enter__(self) -> FakeGraph:
        self.login.__enter__()
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__()
        self.login.__exit__()

    def _add(self, kind: str, name: str, **more: Any) -> str:
        new_id = str(uuid.uuid4())
        self.objects[new_id] = {"@odata.type": f"#microsoft.graph.{kind}", "id": new_id}
        self.objects[new_id].update(displayName=name, **more)
        return new_id

    def add_user(
        self, upn: str, *, enabled: bool = True, guest: bool = False, signed_in: str | None = None
    ) -> str:
        about = {"userPrincipalName": upn, "mail": upn}
        about.update(accountEnabled=enabled, userType="Guest" if guest else "Member")
        activity = {"lastSignInDateTime": signed_in, "lastNonInteractiveSignInDateTime": None}
        return self._add("user", upn.partition("@")[0].title(), **about, signInActivity=activity)

    def add_group(self, name: str, members: Iterable[str]) -> str:
        group_id = self._add("group", name)
        self.groups[group_id] = list(members)
        return group_id

    def add_app(self, name: str, roles: Iterable[str] = ()) -> str:
        """A service principal (an enterprise application) with these app roles; its id."""
        sp = self._add("servicePrincipal", name, appId=str(uuid.uuid4()))
        self.app_roles[sp], self.assigned[sp] = {r: str(uuid.uuid4()) for r in roles}, []
        return sp

    def assign(self, sp: str, principal: str, role: str | None = None) -> None:
        """`principal` gets `role` of the app (its plain access when None)."""
        who, role_id = self.objects[principal], self.app_roles[sp][role] if role else DEFAULT_ACCESS
        kind = who["@odata.type"].rpartition(".")[2]
        grant = {"id": secrets.token_urlsafe(16), "appRoleId": role_id, "resourceId": sp}
        grant.update(principalId=principal, principalType=kind[0].upper() + kind[1:])
        self.assigned[sp].append({**grant, "principalDisplayName": who["displayName"]})

    def make_admin(self, principal: str, role: str = "Global Administrator") -> None:
        role_id = str(uuid.uuid5(uuid.NAMESPACE_URL, role))  # fixed per role, as in Entra
        definition = {"id": role_id, "displayName": role}
        assignment = {"id": secrets.token_urlsafe(16), "principalId": principal}
        self.role_assignments.append(
            {**assignment, "roleDefinitionId": role_id, "roleDefinition": definition}
        )

    # --- serving ------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        roles = self._caller(request)
        if isinstance(roles, Reply):
            return roles
        path, query = request.path, request.query
        # `servicePrincipals(appId='…')` is Graph's alternate key: a segment of its own here.
        parts = path.replace("(", "/(", 1).split("/")[2:] if path.startswith("/v1.0/") else [""]
        if parts[0] in NEEDS and not roles & NEEDS[parts[0]]:
            return graph_error("denied")
        if parts == ["users"]:
            return self._users(roles, query)
        if parts[0] == "groups" and parts[2:] == ["members"]:
            members = self.groups.get(parts[1])
            if members is None:
                return graph_error("missing")
            return self._page([self.objects[m] for m in members], path, query)
        if parts[0] == "servicePrincipals" and len(parts) in (2, 3):
            return self._app(parts[1:], path, query)
        if parts == ["roleManagement", "directory", "roleAssignments"]:
            return self._page(self.role_assignments, path, query)
        return graph_error("segment")

    def _caller(self, request: Request) -> set[str] | Reply:
        """The caller's application permissions, or Graph's 401 for its token."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        issued = self.login.tokens.get(token) if scheme == "Bearer" else None
        if issued is None:
            return graph_error("token")
        client, audience, expiry = issued
        if audience != self.url:
            return graph_error("audience")
        return graph_error("expired") if time.time() >= expiry else self.login.apps[client][1]

    def _users(self, roles: set[str], query: dict[str, str]) -> Reply:
        users = [o for o in self.objects.values() if o["@odata.type"].endswith(".user")]
        if "signInActivity" in query.get("$select", "").split(","):
            if "AuditLog.Read.All" not in roles:
                return graph_error("denied")
            if not self.premium:
                return graph_error("premium")
        return self._page(users, "/v1.0/users", query)

    def _app(self, parts: list[str], path: str, query: dict[str, str]) -> Reply:
        key = parts[0]  # an object id, or the alternate key `(appId='…')`
        by_app_id = key.startswith("(appId='") and key.endswith("')")
        found = [
            sp
            for sp in self.assigned
            if (self.objects[sp]["appId"] == key[8:-2] if by_app_id else sp == key)
        ]
        if not found:
            return graph_error("missing")
        if parts[1:] == ["appRoleAssignedTo"]:
            return self._page(self.assigned[found[0]], path, query)
        if parts[1:]:
            return graph_error("segment")
        roles = [
            {"id": i, "displayName": n, "value": n} for n, i in self.app_roles[found[0]].items()
        ]
        return Reply(200, _selected({**self.objects[found[0]], "appRoles": roles}, query))

    def _page(self, items: list[dict[str, Any]], path: str, query: dict[str, str]) -> Reply:
        """One page of at most `$top` (≤ 999) items after `$skiptoken`, and the next link."""
        top = query.get("$top", "100")
        if not top.isdigit() or not 1 <= int(top) <= MAX_TOP:
            return graph_error("top")
        try:
            start = _unskip(query["$skiptoken"]) if "$skiptoken" in query else 0
        except ValueError:
            return graph_error("skip")
        end = start + min(int(top), self.page_size)
        body: dict[str, Any] = {"@odata.context": f"{self.url}/v1.0/$metadata#{path[6:]}"}
        body["value"] = [_selected(item, query) for item in items[start:end]]
        if end < len(items):
            token = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode()
            more = urlencode({**query, "$skiptoken": token})
            body["@odata.nextLink"] = f"{self.url}{path}?{more}"
        return Reply(200, body)


def _selected(item: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """Only the `$select`ed properties (and the type and id), as Graph returns them."""
    expanded = set(query.get("$expand", "").split(","))
    if "$select" not in query:
        return {k: v for k, v in item.items() if k not in HIDDEN - expanded}
    wanted = set(query["$select"].split(",")) | {"id", "@odata.type"} | expanded
    return {k: v for k, v in item.items() if k in wanted}


def _unskip(token: str) -> int:
    _, marker, offset = base64.urlsafe_b64decode(token.encode()).decode().partition("offset:")
    if not marker:
        raise ValueError("not a skip token of this fake")
    return int(offset)
