"""Lint docker/Dockerfile: parsed with BuildKit's own parser (PyPI `dockerfile`), checked with rules.

hadolint is a Haskell binary that no reachable registry ships, so these are a focused subset of its rules
plus the project's: pinned base tags, multi-stage, non-root final USER, exec-form CMD/ENTRYPOINT, no ADD,
pinned tool installs without caches, no secrets in ENV/ARG.

Usage: lint.py [DOCKERFILE]   (default docker/Dockerfile); exit 1 with one line per finding.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import dockerfile

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL)", re.IGNORECASE)


def resolve(image: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), image)


def lint(text: str) -> list[str]:
    cmds = dockerfile.parse_string(text)
    errors: list[str] = []
    args: dict[str, str] = {}
    stages: list[str] = []
    last_user: str | None = None
    final_has_copy_from = False
    for c in cmds:
        where = f"line {c.start_line}: {c.cmd}"
        if c.cmd == "ARG" and not stages:
            name, _, default = c.value[0].partition("=")
            args[name] = default
        if c.cmd in ("ARG", "ENV"):
            names = [v.partition("=")[0] for v in c.value] if c.cmd == "ARG" else list(c.value[::2])
            errors += [f"{where} {n}: secret-like name" for n in names if SECRET_NAME.search(n)]
        elif c.cmd == "FROM":
            image = resolve(c.value[0], args)
            if image not in stages and image != "scratch":
                tag = image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2]
                if "@" not in image and tag in ("", "latest"):
                    errors.append(f"{where} {image}: pin the base image to an explicit tag")
            alias = c.value[2] if len(c.value) == 3 and c.value[1].upper() == "AS" else f"#{len(stages)}"
            stages.append(alias)
            last_user, final_has_copy_from = None, False
        elif c.cmd == "ADD":
            errors.append(f"{where}: use COPY (ADD fetches URLs and unpacks archives implicitly)")
        elif c.cmd in ("CMD", "ENTRYPOINT") and not c.json:
            errors.append(f"{where}: use the exec (JSON) form so signals reach the process")
        elif c.cmd == "USER":
            last_user = c.value[0]
        elif c.cmd == "COPY" and any(f.startswith("--from=") for f in c.flags):
            final_has_copy_from = True
        elif c.cmd == "RUN":
            run = " ".join(c.value)
            if re.search(r"\bpip3? install\b", run) and "--no-cache-dir" not in run:
                errors.append(f"{where}: pip install without --no-cache-dir")
            for pkg in re.findall(r"\bpip3? install\b(.*?)(?:&&|;|$)", run):
                for word in pkg.split():
                    if not word.startswith("-") and "==" not in word:
                        errors.append(f"{where}: pin '{word}' with ==")
            if "apt-get install" in run and "--no-install-recommends" not in run:
                errors.append(f"{where}: apt-get install without --no-install-recommends")
            if re.search(r"\b(sudo|apt-get (dist-)?upgrade)\b", run):
                errors.append(f"{where}: no sudo or upgrades in images")
            if re.search(r"(^|&&|;)\s*cd\s", run):
                errors.append(f"{where}: use WORKDIR instead of cd")
        elif c.cmd == "WORKDIR" and not c.value[0].startswith("/"):
            errors.append(f"{where}: WORKDIR must be absolute")
    if len(stages) < 2:
        errors.append("the build must be multi-stage (build tools stay out of the runtime image)")
    if not final_has_copy_from:
        errors.append("the final stage must COPY --from an earlier stage")
    if last_user is None or last_user.split(":")[0] in ("root", "0"):
        errors.append("the final stage must switch to a non-root USER")
    if not any(c.cmd == "EXPOSE" and "8080" in c.value for c in cmds):
        errors.append("EXPOSE 8080 (the services' HTTP port) is missing")
    return errors


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path(__file__).resolve().parent / "Dockerfile"
    errors = lint(path.read_text(encoding="utf-8"))
    for e in errors:
        print(f"docker/lint: {path.name}: {e}", file=sys.stderr)
    print(f"docker/lint: {path} - {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
