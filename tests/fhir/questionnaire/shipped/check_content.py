#!/usr/bin/env python3
"""Consistency check of the shipped Questionnaires, CodeSystems and this test data (not part of CI).

Usage: python3 tests/fhir/questionnaire/shipped/check_content.py   (from the repository root or anywhere)

Checks what `socialrx validate` does not: JSON well-formed; CodeSystem codes unique, count right, Japanese display
and English designation present; in every Questionnaire linkIds unique, enableWhen questions exist and their
answerCoding is an option of that question, every Coding of our code systems (item.code, answerOption, enableWhen,
extensions) is defined with the same display, every linkId named in an expression exists, calculated items are
readOnly; the valid responses only use known linkIds, carry the right calculated answers (UCLA-3 total and band,
participation count and flag) and give the risks listed in expected_risks.tsv; cases.tsv lists exactly the files in
invalid/. Exit 1 with a list of problems.
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[4]
CONF = ROOT / "conf" / "questionnaires"
HERE = pathlib.Path(__file__).resolve().parent
BASE = "https://socialrx.jp/fhir/CodeSystem/"
problems = []


def load(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001
        problems.append(f"{path}: not JSON: {e}")
        return None


def codings(node, where):
    """Every Coding-like dict (system + code) under node, with a location."""
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node, where
        for k, v in node.items():
            yield from codings(v, where + "." + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from codings(v, f"{where}[{i}]")


def walk(items, parent=None):
    for it in items:
        yield it, parent
        yield from walk(it.get("item", []), it)


code_systems = {}
questionnaires = {}
for path in sorted(CONF.glob("*.json")):
    res = load(path)
    if res is None:
        continue
    if res["resourceType"] == "CodeSystem":
        concepts = res["concept"]
        codes = [c["code"] for c in concepts]
        if len(codes) != len(set(codes)):
            problems.append(f"{path.name}: duplicate codes")
        if res.get("count") != len(codes):
            problems.append(f"{path.name}: count {res.get('count')} but {len(codes)} concepts")
        for c in concepts:
            if not c.get("display") or not any(d.get("language") == "en" for d in c.get("designation", [])):
                problems.append(f"{path.name}: {c['code']} lacks a display or an English designation")
        code_systems[res["url"]] = {c["code"]: c["display"] for c in concepts}
    elif res["resourceType"] == "Questionnaire":
        questionnaires[path.name] = res
    else:
        problems.append(f"{path.name}: unexpected {res['resourceType']}")

for name, q in questionnaires.items():
    if q["url"] != "https://socialrx.jp/fhir/Questionnaire/" + name[:-5] or q.get("version") != "1.0.0":
        problems.append(f"{name}: url/version do not follow the README")
    items = {}
    for it, parent in walk(q["item"]):
        if it["linkId"] in items:
            problems.append(f"{name}: duplicate linkId {it['linkId']}")
        items[it["linkId"]] = it
    for it in items.values():
        if it["type"] not in ("group", "display") and not any(c["system"] == BASE + "sdh-item" for c in it.get("code", [])):
            problems.append(f"{name}: {it['linkId']} has no sdh-item code")
        if it["type"] == "choice" and not it.get("answerOption"):
            problems.append(f"{name}: {it['linkId']} is a choice without answerOption")
        calc = [e for e in it.get("extension", []) if e["url"].endswith("sdc-questionnaire-calculatedExpression")]
        if calc and not it.get("readOnly"):
            problems.append(f"{name}: calculated item {it['linkId']} is not readOnly")
        for ew in it.get("enableWhen", []):
            target = items.get(ew["question"])
            if target is None:
                problems.append(f"{name}: {it['linkId']} enableWhen names unknown {ew['question']}")
            elif "answerCoding" in ew:
                opts = [o["valueCoding"]["code"] for o in target.get("answerOption", [])]
                if ew["answerCoding"]["code"] not in opts:
                    problems.append(f"{name}: {it['linkId']} enableWhen code {ew['answerCoding']['code']} is no option")
    for coding, where in codings(q, name):
        system = coding["system"]
        if system.startswith(BASE):
            table = code_systems.get(system)
            if table is None:
                problems.append(f"{where}: unknown code system {system}")
            elif coding["code"] not in table:
                problems.append(f"{where}: {coding['code']} not defined in {system}")
            elif coding.get("display") not in (None, table[coding["code"]]):
                problems.append(f"{where}: display of {coding['code']} differs from the CodeSystem")
    text = json.dumps(q, ensure_ascii=False)
    for link in set(re.findall(r"linkId='([^']+)'", text)):
        if link not in items:
            problems.append(f"{name}: an expression names unknown linkId {link}")

# Responses to sdh-screening
q = questionnaires["sdh-screening.json"]
qitems = {it["linkId"]: it for it, _ in walk(q["item"])}
weights = {o["valueCoding"]["code"]: o["extension"][0]["valueDecimal"] for o in qitems["ucla-1"]["answerOption"]}
SP = ["sp-volunteer", "sp-sports", "sp-hobby", "sp-learning", "sp-kayoi", "sp-senior-club", "sp-neighborhood",
      "sp-paid-work"]
WEEKLY = {"freq-4plus-week", "freq-2-3-week", "freq-1-week"}


def answers(qr):
    out = {}
    for it, _ in walk(qr.get("item", [])):
        for a in it.get("answer", []):
            v = a.get("valueCoding", {}).get("code") if "valueCoding" in a else next(
                (a[k] for k in a if k.startswith("value")), None)
            out.setdefault(it["linkId"], []).append(v)
    return out


def risks(a):
    h = lambda link, *codes: any(c in codes for c in a.get(link, []))  # noqa: E731
    age = a.get("age", [None])[0]
    old = isinstance(age, int) and age >= 65
    u = [weights[a[x][0]] for x in ("ucla-1", "ucla-2", "ucla-3") if x in a]
    ucla = sum(u) if len(u) == 3 else None
    food = h("food-insecurity", "past-often", "past-sometimes", "past-rarely")
    debt, parent, safety = h("debt-trouble", "yes"), h("parenting", "yes"), h("safety-fear", "present")
    sp = [c for x in SP for c in a.get(x, [])]
    r = {}
    if h("housing-type", "house-temporary", "house-none") or h("housing-worry", "yes"):
        r["housing"] = "seikatsu-konkyu"
    if h("economic-situation", "econ-very-hard") or (h("economic-situation", "econ-somewhat-hard") and (food or debt)):
        r["economic"] = "seikatsu-konkyu"
    if food:
        r["food"] = "seikatsu-konkyu"
    if h("employment-status", "emp-seeking") or h("work-worry", "yes"):
        r["employment"] = "seikatsu-konkyu"
    if debt:
        r["debt"] = "seikatsu-konkyu"
    if h("carer", "yes") and (h("care-burden", "burden-heavy", "burden-some") or h("care-consult", "no")):
        r["care-burden"] = "chiiki-houkatsu"
    if parent and (h("child-worry", "freqp-often", "freqp-sometimes") or h("child-support", "no") or a.get("child-needs")):
        r["child-rearing"] = "kodomo-katei"
    if h("kouki-13", "no") or (old and sp and not WEEKLY & set(sp)):
        r["social-participation"] = "chiiki-houkatsu" if h("kouki-13", "no") else "kayoi-no-ba" if old else "shakyo"
    if h("support-confidant", "conf-nobody") or h("support-helper", "no") or h("kouki-14", "no") or h("kouki-15", "no"):
        r["social-support"] = "chiiki-houkatsu" if old else "shakyo"
    if h("loneliness-direct", "lonely-sometimes", "lonely-often") or (ucla is not None and ucla >= 7):
        r["loneliness"] = "chiiki-houkatsu" if old else "shakyo"
    if safety:
        r["violence"] = "kodomo-katei" if parent else "chiiki-houkatsu" if old else "seikatsu-konkyu"
    nc = a.get("safety-no-contact")
    r["do-not-contact"] = "true" if nc == [True] or (safety and not nc) else "false"
    return r, ucla, sp


expected = {}
for line in (HERE / "expected_risks.tsv").read_text(encoding="utf-8").splitlines():
    if line and not line.startswith("#"):
        f, d, v = line.split("\t")
        expected.setdefault(f, {})[d] = v

for path in sorted((HERE / "valid").glob("*.json")):
    qr = load(path)
    if qr is None:
        continue
    a = answers(qr)
    for link in a:
        if link not in qitems:
            problems.append(f"valid/{path.name}: unknown linkId {link}")
    r, ucla, sp = risks(a)
    if ucla is not None and a.get("ucla-total") != [ucla]:
        problems.append(f"valid/{path.name}: ucla-total {a.get('ucla-total')} but the items sum to {ucla}")
    if ucla is not None:
        band = ("ucla-band-always" if ucla >= 10 else "ucla-band-sometimes" if ucla >= 7
                else "ucla-band-hardly" if ucla >= 4 else "ucla-band-never")
        if a.get("ucla-band") != [band]:
            problems.append(f"valid/{path.name}: ucla-band {a.get('ucla-band')}, expected {band}")
    if sp:
        n = len([c for c in sp if c in WEEKLY])
        if a.get("sp-weekly-count") != [n] or a.get("sp-any-weekly") != [n > 0]:
            problems.append(f"valid/{path.name}: participation scores differ from {n}")
    if qr["status"] != "in-progress" and expected.get(path.name) != r:
        problems.append(f"valid/{path.name}: risks {r} differ from expected_risks.tsv {expected.get(path.name)}")

listed = set()
for line in (HERE / "cases.tsv").read_text(encoding="utf-8").splitlines():
    if line and not line.startswith("#"):
        f, code, expr = line.split("\t")
        listed.add(f)
        if not expr.startswith("QuestionnaireResponse"):
            problems.append(f"cases.tsv: bad expression for {f}")
files = {p.name for p in (HERE / "invalid").glob("*.json")}
for f in files ^ listed:
    problems.append(f"cases.tsv and invalid/ disagree about {f}")
for f in files:
    load(HERE / "invalid" / f)

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"ok: {len(code_systems)} CodeSystems, {len(questionnaires)} Questionnaires, "
      f"{len(list((HERE / 'valid').glob('*.json')))} valid and {len(files)} invalid responses")
