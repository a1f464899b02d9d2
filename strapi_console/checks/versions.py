"""VER checks available without the advisory database."""

from __future__ import annotations

from .registry import ScanContext, check, spec


@check("VER-EDITION-INFO", "Edition and feature inventory", "info")
async def edition(ctx: ScanContext):
    me = spec("VER-EDITION-INFO")
    info = ctx.info
    if not info.project_type and not info.information:
        return me.finding("skip", reason="neither /admin/project-type nor /admin/information answered")
    evidence = {"requests": ["GET /admin/project-type"] + (["GET /admin/information"] if info.information else []),
                "edition": info.edition, "isEE": info.project_type.get("isEE"), "features": info.features,
                "strapi_version": info.strapi_version, "node_version": info.node_version}
    if "communityEdition" in info.information:
        evidence["communityEdition"] = info.information["communityEdition"]
    label = {"enterprise": "Enterprise", "community": "Community"}.get(info.edition or "", "Unknown")
    version = f" {info.strapi_version}" if info.strapi_version else ""
    features = f" with {', '.join(info.features)}" if info.features else ""
    return me.finding("info", f"Strapi{version} {label} Edition{features}", evidence=evidence)
