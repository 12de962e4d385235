#!/usr/bin/env python3
"""Extracts, from GitHub's official OpenAPI description (the npm package @octokit/openapi, pinned in
VERSION), exactly the operations the emulator serves (operations.txt, which tests/openapi.rs keeps in
step with the emulator's routes) and every component they reference, into api.github.com.json here.
It also records which of those operations the oldest GitHub Enterprise Server description in the
package lacks.

    python3 github-emulator/openapi/extract.py            # downloads the pinned package with npm
    python3 github-emulator/openapi/extract.py PACKAGE.tgz

Examples are dropped (they are most of the bytes and nothing checks them); everything else of each
operation and component is kept as GitHub wrote it.
"""
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = open(os.path.join(HERE, "VERSION")).read().strip()
OLDEST_GHES = "ghes-3.17"


def template(path):
    """A path with its parameter names blanked: /repos/{owner}/{repo} -> /repos/{}/{}."""
    return re.sub(r"\{\*?[^}]*\}", "{}", path)


def load(tgz, name):
    with tarfile.open(tgz) as t:
        return json.load(t.extractfile(f"package/generated/{name}.json"))


def strip_examples(node):
    if isinstance(node, dict):
        return {k: strip_examples(v) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [strip_examples(v) for v in node]
    return node


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/"):
                out.add(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def find(spec, method, path):
    """The description's (path, operation) for `method path`, matching parameter positions."""
    want = template(path)
    for p, ops in spec["paths"].items():
        if template(p) == want and method.lower() in ops:
            return p, ops[method.lower()]
    return None, None


def main():
    if len(sys.argv) > 1:
        tgz = sys.argv[1]
    else:
        tmp = tempfile.mkdtemp()
        subprocess.run(["npm", "pack", f"@octokit/openapi@{VERSION}", "--silent"], cwd=tmp, check=True)
        tgz = os.path.join(tmp, f"octokit-openapi-{VERSION}.tgz")
    spec = load(tgz, "api.github.com")
    ghes = load(tgz, OLDEST_GHES)
    wanted = [line.split(" ", 1) for line in open(os.path.join(HERE, "operations.txt")).read().split("\n") if line.strip()]
    paths, pending, missing, not_in_ghes = {}, set(), [], []
    for method, path in wanted:
        p, op = find(spec, method, path)
        if op is None:
            missing.append(f"{method} {path}")
            continue
        paths.setdefault(p, {})[method.lower()] = strip_examples(op)
        refs(op, pending)
        if find(ghes, method, path)[1] is None:
            not_in_ghes.append(f"{method} {p}")
    components, seen = {}, set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        if kind == "examples":
            continue
        body = strip_examples(spec["components"][kind][name])
        components.setdefault(kind, {})[name] = body
        refs(body, pending)
    subset = {
        "openapi": spec["openapi"],
        "info": {
            "title": "The part of GitHub's REST API description the emulator serves",
            "version": spec["info"]["version"],
            "x-source": f"@octokit/openapi@{VERSION} generated/api.github.com.json, extracted by extract.py",
            f"x-not-in-{OLDEST_GHES}": sorted(not_in_ghes),
        },
        "paths": dict(sorted(paths.items())),
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    with open(os.path.join(HERE, "api.github.com.json"), "w") as f:
        json.dump(subset, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{sum(len(v) for v in paths.values())} operations, {sum(len(v) for v in components.values())} components")
    print("not in the description (the emulator's listed exceptions):", *missing, sep="\n  ")
    print(f"not in {OLDEST_GHES}:", *not_in_ghes or ["(none)"], sep="\n  ")


main()
