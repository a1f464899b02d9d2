"""EXP-GQL checks: the GraphQL plugin's landing page, anonymous introspection and query depth."""

from __future__ import annotations

from ..errors import StrapiError
from .registry import ScanContext, check, spec

GRAPHQL_DOC = "https://docs.strapi.io/cms/plugins/graphql"
INTROSPECTION = {"query": "{__schema{queryType{name}}}"}


def _deep_query(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"fields{{type{{{inner}}}}}"
    return f"{{__type(name:\"Query\"){{{inner}}}}}"


async def _post(ctx: ScanContext, body: dict):
    try:
        return await ctx.client.probe("POST", "/graphql", json_body=body, retries=0)
    except StrapiError:
        return None


def _plugin_absent(resp) -> bool:
    return resp is None or resp.status in (404, 405)


@check("EXP-GQL-SANDBOX", "GraphQL landing page or sandbox is off in production", "medium", panel="headers",
       references=(GRAPHQL_DOC,))
async def sandbox(ctx: ScanContext):
    me = spec("EXP-GQL-SANDBOX")
    resp = await ctx.page("/graphql")
    if resp is None:
        return me.finding("skip", reason="GET /graphql failed (see the server's reachability)")
    evidence = {"request": "GET /graphql (Accept: text/html)", "status": resp.status}
    body = resp.body[:200_000].lower()
    if resp.status == 200 and (b"apollo" in body or b"graphql playground" in body or b"sandbox" in body):
        production = ctx.info.information.get("currentEnvironment") == "production" or b"production" in body
        evidence["environment"] = "production" if production else "not known to be production"
        return me.finding("fail" if production else "warn", "The GraphQL sandbox / landing page is served",
                          evidence=evidence,
                          fix={"kind": "config", "summary": "Turn the landing page off in production",
                               "file": "config/plugins.js",
                               "snippet": "module.exports = {\n  graphql: { config: { landingPage: false } },\n};"})
    return me.finding("pass", "No GraphQL landing page" + (" (plugin not installed)" if resp.status == 404 else ""),
                      evidence=evidence)


@check("EXP-GQL-INTROSPECTION", "Anonymous GraphQL introspection", "low", panel="headers", references=(GRAPHQL_DOC,))
async def introspection(ctx: ScanContext):
    me = spec("EXP-GQL-INTROSPECTION")
    resp = await _post(ctx, INTROSPECTION)
    evidence = {"request": "POST /graphql {__schema{queryType{name}}}", "status": resp.status if resp else None}
    if _plugin_absent(resp):
        return me.finding("pass", "No GraphQL endpoint", evidence=evidence)
    try:
        data = resp.json() if resp.is_json else {}
    except ValueError:
        data = {}
    allowed = isinstance(data, dict) and isinstance(data.get("data"), dict) and "__schema" in data["data"]
    if allowed:
        return me.finding("warn", "Anyone can read the whole GraphQL schema (introspection is on)", evidence=evidence,
                          fix={"kind": "config", "summary": "Turn introspection off for anonymous production use",
                               "file": "config/plugins.js",
                               "snippet": "module.exports = {\n  graphql: { config: { apolloServer: { introspection: "
                                          "false } } },\n};"})
    return me.finding("pass", "Anonymous introspection is refused", evidence=evidence)


@check("EXP-GQL-LIMITS", "GraphQL depth and amount limits are in force", "low", panel="headers", needs=("aggressive",),
       probe="a deliberately deep query", references=(GRAPHQL_DOC,))
async def limits(ctx: ScanContext):
    me = spec("EXP-GQL-LIMITS")
    resp = await _post(ctx, {"query": _deep_query(12)})
    evidence = {"request": "POST /graphql (introspection nested 12 deep)", "status": resp.status if resp else None}
    if _plugin_absent(resp):
        return me.finding("pass", "No GraphQL endpoint", evidence=evidence)
    text = resp.body[:20000].lower()
    if b"depth" in text and (resp.status == 400 or b"errors" in text):
        return me.finding("pass", "A 12-deep query is refused for its depth", evidence=evidence)
    return me.finding("warn", "A 12-deep query was accepted (no depth limit seen)", evidence=evidence,
                      fix={"kind": "config", "summary": "Set a depth limit of 7-10 and an amount limit",
                           "file": "config/plugins.js",
                           "snippet": "module.exports = {\n  graphql: { config: { depthLimit: 10, amountLimit: 100 } },"
                                      "\n};"})
