"""Partner organisations recognised as the same body however officers write them.

"Northshire Police", "NORTHSHIRE POLICE." and "The Northshire Police" are one organisation, and so
are "Fire & Rescue Service" and "Fire and Rescue Service", "Age U.K." and "Age UK": `organisation_key`
ignores case, spaces, punctuation, apostrophes, "&" against "and" and a leading "The". What no rule can see ("NHS
Northshire ICB" is the "Northshire Integrated Care Board") the policy team says once in the
configuration's `[organisation_aliases]`, read by `resolver`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping


class AliasError(ValueError):
    """The alias list cannot be used (an alias with no letters, or aliases that go round in a circle)."""


_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NOT_WORD = re.compile(r"[\W_]+")


def organisation_key(name: str) -> str:
    """What two spellings of one organisation have in common, its letters and digits without the spaces
    and punctuation between them: 'fireandrescueservice'. So 'Age U.K.' is 'Age UK', 'N.H.S. England'
    'NHS England', 'Co-operative' 'Cooperative' and 'Fire-and-Rescue' 'Fire and Rescue'."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    words = _NOT_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return "".join(words)


@dataclass(frozen=True)
class Resolver:
    """Which organisation a written name stands for (`key`) and the name to show for it (`name`)."""

    #: key of a name as written -> key of the organisation it stands for (only where they differ)
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: key of an organisation an alias points to -> its name as the configuration writes it
    configured_names: Mapping[str, str] = field(default_factory=dict)

    def key(self, name: str) -> str:
        key = organisation_key(name)
        return self.aliases.get(key, key)

    def names(self, spellings: Iterable[str]) -> dict[str, str]:
        """The name to show for each organisation among `spellings` (by key): the configuration's
        name when an alias points to it, else the spelling officers use most, of those not written in
        capitals throughout when one is ('Environment Agency' over 'ENVIRONMENT AGENCY'; an acronym
        such as 'DWP' is a word, not capitals throughout), ties: the tidiest, not in capitals nor ending
        in a full stop, then the first in alphabetical order; so the same returns always give the same name."""
        counts: dict[str, Counter] = {}
        for spelling in spellings:
            counts.setdefault(self.key(spelling), Counter())[spelling] += 1
        return {
            key: self.configured_names.get(key)
            or min(found, key=lambda text: (_shouted(text), -found[text], _untidy(text), text))
            for key, found in counts.items()
        }


def resolver(aliases: Mapping[str, str]) -> Resolver:
    """The resolver of the configuration's `[organisation_aliases]` (written name = name meant).

    An alias may point to another alias ("ICB" = "NHS Northshire ICB" = "Northshire Integrated Care
    Board"); aliases that lead back to where they started are refused."""
    direct: dict[str, str] = {}
    names: dict[str, str] = {}
    for written, meant in sorted(aliases.items()):
        source, target = organisation_key(written), organisation_key(meant)
        if not source or not target:
            raise AliasError(
                f'\'organisation_aliases\' entry "{written}" = "{meant}" has no letters or digits to match on'
            )
        if source != target:
            direct[source] = target
        names.setdefault(target, meant.strip())
    resolved: dict[str, str] = {}
    for source, target in direct.items():
        path = [source]
        while target in direct:
            if target in path:
                raise AliasError(
                    f"'organisation_aliases' go round in a circle from \"{source}\": each name "
                    "must lead to one organisation"
                )
            path.append(target)
            target = direct[target]
        resolved[source] = target
    finals = set(resolved.values()) | set(names) - set(resolved)
    return Resolver(resolved, {key: names[key] for key in sorted(finals) if key in names})


def _shouted(spelling: str) -> bool:
    """Written in capitals throughout, over more than one word ('ENVIRONMENT AGENCY', not 'DWP')."""
    return spelling.isupper() and len(spelling.split()) > 1


def _untidy(spelling: str) -> tuple[bool, bool, bool]:
    return spelling.isupper(), spelling.rstrip() != spelling.rstrip(" .,;:"), spelling.casefold().startswith("the ")
