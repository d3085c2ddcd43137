"""Who may see which projects: the access policy of a served dashboard.

A deployment behind an authenticating proxy (``serve --auth-header NAME --policy FILE``) names each
viewer; the policy file maps viewers and groups to the projects they may see. The kernel reads
the viewer's name from the request (``HTTP_<NAME>``, set by Voilà from the header the server
checked) and opens an engine over a warehouse restricted to those projects
(:func:`data_connectors.warehouse.restrict`): KPIs, charts, tables, exports and the agent view then
only ever hold the visible projects' numbers, names and rows. A viewer the policy does not name
sees no project. The file (TOML)::

    # groups are lists of user names
    [groups]
    support = ["alice", "bob"]

    [[allow]]                      # each rule: who (users and/or groups) sees which projects
    users = ["carol"]
    groups = ["support"]
    projects = ["p_support", "p_sales"]

    [[allow]]
    users = ["admin"]
    projects = "*"                 # every project, present and future

Names are compared exactly (case matters), as the proxy sends them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

POLICY_ENV_VAR = "ORG_ANALYTICS_POLICY"
AUTH_HEADER_ENV_VAR = "ORG_ANALYTICS_AUTH_HEADER"
EVERY = "*"


class PolicyError(ValueError):
    """The policy file cannot be read or says something it may not; the message is one line."""


@dataclass(frozen=True)
class Policy:
    """Rules ``(users, projects)``: ``projects`` is a frozenset of ids, or None for every project."""

    rules: tuple[tuple[frozenset[str], frozenset[str] | None], ...]

    @classmethod
    def load(cls, path: str | Path) -> "Policy":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read the policy file {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"the policy file {path} is not valid TOML: {exc}") from None
        return cls.parse(data, str(path))

    @classmethod
    def parse(cls, data: dict, where: str = "the policy") -> "Policy":
        unknown = set(data) - {"groups", "allow"}
        if unknown:
            raise PolicyError(f"{where}: unknown section {sorted(unknown)[0]!r} (expected [groups] and [[allow]])")
        groups = data.get("groups", {})
        if not isinstance(groups, dict) or not all(_names(v) for v in groups.values()):
            raise PolicyError(f"{where}: [groups] maps a group name to a list of user names")
        rules = []
        allow = data.get("allow", [])
        if not isinstance(allow, list):
            raise PolicyError(f"{where}: rules are [[allow]] tables")
        for number, rule in enumerate(allow, 1):
            label = f"{where}: rule {number}"
            if not isinstance(rule, dict) or set(rule) - {"users", "groups", "projects"}:
                raise PolicyError(f"{label} may only have users, groups and projects")
            users, named_groups = rule.get("users", []), rule.get("groups", [])
            if not _names(users) or not _names(named_groups):
                raise PolicyError(f"{label}: users and groups are lists of names")
            missing = [g for g in named_groups if g not in groups]
            if missing:
                raise PolicyError(f"{label} names the group {missing[0]!r}, which [groups] does not define")
            projects = rule.get("projects")
            if projects == EVERY:
                visible = None
            elif _names(projects):
                visible = frozenset(projects)
            else:
                raise PolicyError(f'{label}: projects is a list of project ids or "*"')
            who = frozenset(users) | frozenset(u for g in named_groups for u in groups[g])
            rules.append((who, visible))
        return cls(tuple(rules))

    def projects_for(self, user: str) -> frozenset[str] | None:
        """The project ids ``user`` may see (None: every project; empty: none)."""
        seen: set[str] = set()
        for who, visible in self.rules:
            if user in who:
                if visible is None:
                    return None
                seen |= visible
        return frozenset(seen)


def _names(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


@dataclass(frozen=True)
class Viewer:
    """Who opened the page and what they may see (``projects`` None: everything)."""

    name: str
    projects: frozenset[str] | None


def viewer_from_environment() -> Viewer | None:
    """The viewer of a served page under a policy, from the kernel's environment after the request
    arrived; None when the server runs without a policy (everyone sees everything). Raises
    PolicyError when a policy is set but the request names nobody (the server should have refused it)."""
    policy_path = os.environ.get(POLICY_ENV_VAR)
    if not policy_path:
        return None
    header = os.environ.get(AUTH_HEADER_ENV_VAR, "")
    name = os.environ.get("HTTP_" + header.upper().replace("-", "_"), "").strip() if header else ""
    if not name:
        raise PolicyError("this page was opened without a user name, and the dashboard shows nothing to no one")
    return Viewer(name, Policy.load(policy_path).projects_for(name))
