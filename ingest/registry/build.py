"""Build the packaged registry of UK public bodies from the shared registry copies.

Run once when the sources change::

    python -m ingest.registry.build ../shared/registry

It writes ``bodies.tsv`` beside this file: one body a line, ``kind``, ``name``,
``aliases`` (``|``-separated), ``domains`` (``|``-separated) and ``source``.
Only sources whose licence allows shipping are read (see ``NOTICE.md``): NHS
ODS trusts (OGL v3), UK local authorities and their name variants (CC-BY-4.0),
digital-land council websites (MIT / OGL v3), GOV.UK organisations and their
e-mail domains (OGL v3), UK universities and their domains (MIT). The police
list (no licence) and WhatDoTheyKnow-derived lists are not read.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

OUT = Path(__file__).with_name("bodies.tsv")
_SMALL = {"and", "of", "for", "the", "upon", "on", "in", "le", "with"}
_UPPER = {"NHS", "UK", "HM", "HMRC", "ICB"}


def _title(name: str) -> str:
    """Title case for the ODS upper-case names ("NORTH LONDON NHS FOUNDATION TRUST")."""
    out = []
    for i, w in enumerate(name.lower().split()):
        if w.upper() in _UPPER:
            out.append(w.upper())
        elif i and w in _SMALL:
            out.append(w)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url if "//" in url else "//" + url).hostname or ""
    host = re.sub(r"^www\.", "", host.lower())
    return host or None


def build(root: Path) -> list[tuple[str, str, list[str], list[str], str]]:
    """Every body, as (kind, name, aliases, domains, source)."""
    bodies: list[tuple[str, str, list[str], list[str], str]] = []
    # NHS trusts (ODS etr, OGL v3). Closed trusts stay: older letters carry their names.
    with open(root / "nhs_ods_etr" / "etr.csv", newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) > 1 and row[1].strip():
                name = _title(row[1].strip())
                name = re.sub(r"^The ", "", name)
                bodies.append(("nhs_trust", name, [], [], "nhs-ods"))
    # Local authorities (mySociety, CC-BY-4.0) with websites from digital-land (MIT / OGL v3).
    sites: dict[str, str] = {}
    with open(root / "digital_land_organisation" / "local-authority.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            d = _domain(row.get("website"))
            if d and row.get("reference"):
                sites[row["reference"]] = d
    la_dir = root / "uk_local_authority_names_and_codes"
    variants: dict[str, set[str]] = {}
    with open(la_dir / "lookup_name_to_registry.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            variants.setdefault(row["local-authority-code"], set()).add(row["la-name"])
    with open(la_dir / "uk_local_authorities_current.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["local-authority-code"]
            name = row["official-name"].strip()
            aliases = {a.strip() for a in (row.get("alt-names") or "").split(",") if a.strip()} | variants.get(code, set())
            aliases = sorted(a for a in aliases if a.lower() != name.lower() and len(a) > 3 and "," not in a)
            dom = [sites[code]] if code in sites else []
            bodies.append(("council", name, aliases, dom, "uk-local-authorities"))
    # GOV.UK organisations (OGL v3) with their e-mail domains.
    orgs = json.loads((root / "ukps_domains" / "govuk_organisations.json").read_text(encoding="utf-8"))
    doms = json.loads((root / "ukps_domains" / "user_domains.json").read_text(encoding="utf-8"))["domains"]
    by_org: dict[str, list[str]] = {}
    for d in doms:
        if d.get("organisation_id") and "*" not in d["domain_pattern"]:
            by_org.setdefault(d["organisation_id"], []).append(d["domain_pattern"].lower())
    for oid, o in orgs.items():
        det = o.get("details") or {}
        if det.get("govuk_status") not in ("live", "transitioning", "joining", "exempt") and not _answered_foi_requests(o):
            continue
        ab = det.get("abbreviation")
        aliases = [ab] if ab and ab != o["title"] and len(ab) >= 3 else []
        bodies.append(("central_government", o["title"].strip(), aliases, sorted(set(by_org.get(oid, []))), "govuk"))
    # UK universities (Hipo, MIT).
    unis = json.loads((root / "hipo_university_domains" / "world_universities_and_domains.json").read_text(encoding="utf-8"))
    for u in unis:
        if u.get("alpha_two_code") == "GB":
            bodies.append(("university", u["name"].strip(), [], sorted({d.lower() for d in u.get("domains") or []}), "hipo"))
    return bodies


#: Kinds of closed GOV.UK organisations kept: bodies that answered FOI requests in their own
#: name (advisory committees, inquiries and reviews did not, and their generic names would match
#: ordinary text).
_ANSWERING_FORMATS = {
    "Ministerial department", "Non-ministerial department", "Executive agency",
    "Executive non-departmental public body", "Public corporation", "Executive office",
}


def _answered_foi_requests(org: dict) -> bool:
    """A closed organisation that answered FOI requests: published replies outlive it (NHS Digital, DCLG)."""
    det = org.get("details") or {}
    closed = (det.get("closed_at") or "")[:4]
    return det.get("govuk_status") == "closed" and org.get("format") in _ANSWERING_FORMATS and closed >= "2005"


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "../shared/registry")
    bodies = build(root)
    seen: set[tuple[str, str]] = set()
    lines = ["kind\tname\taliases\tdomains\tsource"]
    for kind, name, aliases, domains, source in sorted(bodies, key=lambda b: (b[0], b[1].lower())):
        if (kind, name.lower()) in seen:
            continue
        seen.add((kind, name.lower()))
        lines.append("\t".join([kind, name, "|".join(aliases), "|".join(domains), source]))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} bodies -> {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
