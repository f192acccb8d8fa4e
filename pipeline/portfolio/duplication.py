"""Shared partners and possible duplication: the strategy's "we can ensure that we are not
duplicating work of other organisations".

The partnerships in scope and the partner organisations they name form a bipartite graph (networkx):
an organisation on two or more partnerships is *shared*. Two partnerships are a *possible duplication*
to check when either

- they are led by the same service area, sit with at least `duplication.min_shared_organisations` of the same organisations and their
  purposes read alike: the purposes' words (common words such as "the" or "and" left out) compared
  with rapidfuzz's token-set ratio, at least `duplication.min_purpose_similarity` (see
  `SIMILARITY_MEANS`); or
- their names are the same or nearly so, whatever organisations they share:
  compared letter by letter (rapidfuzz's ratio of their words, case, punctuation and common words left
  out, and never alike when their numbers or points of the compass differ), at least `duplication.near_identical` (`near_identical`). Two partnerships of one name are the likeliest
  duplicates of all, even when their officers list different partners or two service areas lead them
  (one partnership returned by two services under two IDs); names nearly the same pair only within a
  service area ("Carers" and "Careers" boards of two services are two partnerships). A purpose alone does not make a
  pair: partnerships of one kind (a community safety partnership in each district) often share their
  purpose word for word, and are told apart by their partners.

It is a prompt for the policy team to check, never a finding: the evidence (why the pair is listed,
the organisations, the shared words, the score) goes with each pair.

Pure functions over the scores and workbooks; the same returns give the same lists in the same order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx
from rapidfuzz import fuzz, process

from pipeline import catalogue, values
from pipeline.check.score import PartnershipScore
from pipeline.config import Config
from pipeline.portfolio.organisations import Resolver, resolver
from pipeline.records import Workbook

#: Words that say nothing about what a partnership is for, left out when purposes are compared.
COMMON_WORDS = frozenset(
    """
a about across all also an and any are as at be been being between both by can do for from has have
help her his in into the is it its more most of on or other our over people their them these they this
those through to up upon us we what which who will with within work working would district
area areas local partnership partnerships partners council
""".split()
)


#: What a purpose similarity means, as the pack explains it: the token-set ratio is 1 as soon as every
#: word of one purpose is among the other's, however many more words the other has.
SIMILARITY_MEANS = (
    "from 0 to 1, and 1 when every word of one purpose is also in the other, however many more words the "
    "other has; common words such as \u201cthe\u201d left out"
)


@dataclass(frozen=True)
class Member:
    """A partnership as the network sees it: who it is, who leads it, what it is for, who sits on it."""

    id: str
    name: str
    file: str
    service_area: str
    purpose: str
    partners: tuple[str, ...]  # as written, in the order written

    @property
    def label(self) -> str:
        return self.id or self.file


@dataclass(frozen=True)
class SharedOrganisation:
    name: str  # as the pack shows it (see Resolver.names)
    partnerships: tuple[str, ...]  # their labels (Partnership IDs), sorted
    spellings: tuple[str, ...]  # every way officers wrote it, sorted


@dataclass(frozen=True)
class PossibleDuplicate:
    partnerships: tuple[Member, Member]
    service_area: str
    shared_organisations: tuple[str, ...]
    shared_words: tuple[str, ...]
    similarity: float  # of the purposes, 0 to 1, two decimal places
    reasons: tuple[str, ...] = ()  # why the pair is listed, in words the pack prints
    names_alike: float = 0.0  # of the names (`near_identical`): 1 the same, 0 not nearly so


@dataclass(frozen=True)
class DuplicateGroup:
    """Partnerships joined by a chain of possible duplicates (a connected component of the pairs): one
    thing for a manager to check, however many pairs it holds."""

    partnerships: tuple[Member, ...]  # by label
    service_area: str  # the service areas of its partnerships (`_areas`): one, unless a name is shared across two
    pairs: int
    organisations: tuple[tuple[str, int], ...]  # the organisations its pairs share, with how many pairs; most first
    words: tuple[tuple[str, int], ...]  # the words its pairs' purposes share, with how many pairs; most first
    similarity: tuple[float, float]  # of its pairs' purposes: the lowest and the highest


@dataclass(frozen=True)
class Network:
    members: tuple[Member, ...]
    shared: tuple[SharedOrganisation, ...]  # most partnerships first
    duplicates: tuple[PossibleDuplicate, ...]  # most alike first
    organisations: int  # different organisations named across the partnerships
    groups: tuple[DuplicateGroup, ...] = ()  # the pairs joined into groups, biggest first


def members(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[Member]:
    """The partnerships the network counts: in scope, assessed, each Partnership ID once (as the
    headline figures count them)."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    found = []
    for score in scores:
        if not (score.counted and score.assessed and score.in_scope) or score.file not in by_file:
            continue
        workbook = by_file[score.file]
        found.append(
            Member(
                score.id,
                score.name,
                score.file,
                score.service_area,
                values.text(workbook.value("purpose")),
                values.items(workbook.value("partners"), catalogue.LIST_SEPARATOR),
            )
        )
    return sorted(found, key=lambda member: (member.label, member.file))


def analyse(partnerships: Iterable[Member], config: Config) -> Network:
    """Shared organisations and possible duplicates among `partnerships`."""
    partnerships = tuple(partnerships)
    names = resolver(config.organisation_aliases)
    graph = membership_graph(partnerships, names)
    organisations = [node for node, kind in graph.nodes(data="kind") if kind == "organisation"]
    display = names.names(spelling for member in partnerships for spelling in member.partners)
    shared = []
    for node in organisations:
        on = sorted(graph.nodes[member]["member"].label for member in graph[node])
        if len(on) >= 2:
            shared.append(
                SharedOrganisation(display[node[1]], tuple(on), tuple(sorted(graph.nodes[node]["spellings"])))
            )
    shared.sort(key=lambda item: (-len(item.partnerships), item.name.casefold(), item.name))
    duplicates = possible_duplicates(graph, display, config)
    return Network(
        partnerships, tuple(shared), tuple(duplicates), len(organisations), tuple(duplicate_groups(duplicates))
    )


def membership_graph(partnerships: Sequence[Member], names: Resolver) -> nx.Graph:
    """Partnerships ("partnership", file) joined to the organisations ("organisation", key) they name."""
    graph = nx.Graph()
    for member in partnerships:
        node = ("partnership", member.file)
        graph.add_node(node, kind="partnership", member=member)
        for spelling in member.partners:
            key = names.key(spelling)
            if not key:
                continue
            organisation = ("organisation", key)
            if organisation not in graph:
                graph.add_node(organisation, kind="organisation", spellings=set())
            graph.nodes[organisation]["spellings"].add(spelling)
            graph.add_edge(node, organisation)
    return graph


def possible_duplicates(graph: nx.Graph, display: dict[str, str], config: Config) -> list[PossibleDuplicate]:
    """Pairs in the same service area sharing enough organisations whose purposes read alike or whose
    names are nearly the same, and pairs of the same name whichever service areas lead them (one
    partnership returned by two services under two IDs is the likeliest duplicate of all); each with why
    it is listed."""
    rules = config.duplication
    nodes = sorted(node for node, kind in graph.nodes(data="kind") if kind == "partnership")
    by_area: dict[str, list] = {}
    for node in nodes:
        if area := _area(graph.nodes[node]["member"]):
            by_area.setdefault(area, []).append(node)
    words = {node: purpose_words(graph.nodes[node]["member"].purpose) for node in nodes}
    alike = set()
    for area in sorted(by_area):
        leads = by_area[area]
        if len(leads) < 2:
            continue
        organisations = {neighbour for node in leads for neighbour in graph[node]}
        # Partnerships of the area joined by how many organisations they share.
        # (on a copy of the area's part of the graph: projecting through a subgraph view is much slower)
        pairs = nx.bipartite.weighted_projected_graph(graph.subgraph([*leads, *organisations]).copy(), leads)
        alike |= {
            tuple(sorted((first, second)))
            for first, second, weight in pairs.edges(data="weight")
            if weight >= rules.min_shared_organisations and words[first] and words[second]
        }
    # Names nearly the same within a service area; across two, only the same name ("Carers" and
    # "Careers" boards of two services are two partnerships, not one returned twice).
    names = {
        (nodes[one], nodes[other]): score
        for (one, other), score in near_identical(
            [graph.nodes[node]["member"].name for node in nodes], rules.near_identical
        ).items()
        if score == 1 or _area(graph.nodes[nodes[one]]["member"]) == _area(graph.nodes[nodes[other]]["member"])
    }
    found = []
    for first, second in sorted(alike | set(names)):
        similarity = (
            round(fuzz.token_set_ratio(" ".join(words[first]), " ".join(words[second])) / 100, 2)
            if words[first] and words[second]
            else 0.0
        )
        common = sorted(set(graph[first]) & set(graph[second]))
        reasons = []
        if (first, second) in alike and similarity >= rules.min_purpose_similarity:
            reasons.append(
                f"{values.counted(len(common), 'shared organisation')} and purposes alike ({similarity:.2f})"
            )
        names_alike = names.get((first, second), 0.0)
        if names_alike:
            reasons.append("the same name" if names_alike == 1 else f"names nearly the same ({names_alike:.2f})")
        if not reasons:
            continue
        one, other = sorted(
            (graph.nodes[first]["member"], graph.nodes[second]["member"]),
            key=lambda member: (member.label, member.file),
        )
        found.append(
            PossibleDuplicate(
                (one, other),
                _areas((one, other)),
                tuple(sorted((display[key] for _, key in common), key=str.casefold)),
                tuple(sorted(set(words[first]) & set(words[second]))),
                similarity,
                tuple(reasons),
                names_alike,
            )
        )
    found.sort(  # most alike first: of one name, then of names nearly the same, then by purpose and partners
        key=lambda item: (
            item.names_alike != 1,
            not item.names_alike,
            -item.similarity,
            -len(item.shared_organisations),
            item.partnerships[0].label,
            item.partnerships[1].label,
        )
    )
    return found


def _area(member: Member) -> str:
    """A service area as compared: case and spacing left out ("" when not given)."""
    return " ".join(member.service_area.casefold().split())


def _areas(members: Iterable[Member]) -> str:
    """The service areas that lead `members`, as written, each once ("Adult Social Care; Communities"):
    one area for partnerships of one service area, which most pairs and groups are."""
    shown: dict[str, str] = {}
    for member in sorted(members, key=lambda member: (member.label, member.file)):
        shown.setdefault(_area(member), member.service_area.strip())
    return f"{catalogue.LIST_SEPARATOR} ".join(sorted((text for text in shown.values() if text), key=str.casefold))


def near_identical(texts: Sequence[str], threshold: float) -> dict[tuple[int, int], float]:
    """The pairs of `texts` (by index, lower first) the same or nearly so: 1 when the same (case and
    punctuation left out), else rapidfuzz's ratio letter by letter of their words less the common ones
    ("Partnership" or "Partnerships" tells nothing apart), rounded to two places and at most 0.99, at
    least `threshold`. Texts whose numbers or points of the compass differ ("Locality Board 1" and "Locality
    Board 2", "North ..." and "South ...") are meant to be told apart, so never nearly the same; a blank
    text is like none."""
    words = [_WORD.findall(text.casefold()) for text in texts]
    whole = [" ".join(each) for each in words]
    telling = [" ".join(word for word in each if word not in COMMON_WORDS) for each in words]
    # Numbers and points of the compass tell places apart ("Locality Board 1", "North Kingsmead ...").
    numbers = [
        frozenset(word for word in each if word in _PLACE_WORDS or any(letter.isdigit() for letter in word))
        for each in words
    ]
    scores = process.cdist(telling, telling, scorer=fuzz.ratio, score_cutoff=threshold * 100, workers=1)
    found = {}
    for one, other in zip(*scores.nonzero()):
        one, other = int(one), int(other)
        if one >= other or not telling[one] or not telling[other] or numbers[one] != numbers[other]:
            continue
        score = 1.0 if whole[one] == whole[other] else min(round(float(scores[one, other]) / 100, 2), 0.99)
        if score >= threshold:
            found[(one, other)] = score
    return found


def duplicate_groups(duplicates: Sequence[PossibleDuplicate]) -> list[DuplicateGroup]:
    """The pairs joined into groups: partnerships linked by a chain of possible duplicates (networkx's
    connected components), biggest first, then the most alike, then by the first partnership's label.
    Many pairs among a few kinds of partnership become a few groups a manager can check one by one."""
    graph = nx.Graph()
    for pair in duplicates:
        one, other = pair.partnerships
        graph.add_edge((one.label, one.file), (other.label, other.file), pair=pair)
    groups = []
    for component in nx.connected_components(graph):
        pairs = [pair for _, _, pair in graph.subgraph(component).edges(data="pair")]
        members = sorted(
            {member for pair in pairs for member in pair.partnerships}, key=lambda member: (member.label, member.file)
        )
        organisations = Counter(name for pair in pairs for name in pair.shared_organisations)
        words = Counter(word for pair in pairs for word in pair.shared_words)
        similarities = [pair.similarity for pair in pairs]
        groups.append(
            DuplicateGroup(
                tuple(members),
                _areas(members),
                len(pairs),
                tuple(sorted(organisations.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))),
                tuple(sorted(words.items(), key=lambda item: (-item[1], item[0]))),
                (min(similarities), max(similarities)),
            )
        )
    groups.sort(
        key=lambda group: (
            -len(group.partnerships),
            -group.similarity[1],
            group.partnerships[0].label,
            group.partnerships[0].file,
        )
    )
    return groups


#: Words that name one of several areas alike: two names differing by them are different partnerships.
_PLACE_WORDS = frozenset(
    "north south east west northern southern eastern western central mid upper lower inner outer "
    "north-east north-west south-east south-west".split()
)
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


def purpose_words(purpose: str) -> list[str]:
    """A purpose's words that say what it is for, lower case, in order, each once."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(purpose.casefold()):
        word = word.replace("\u2019", "'")
        if word not in COMMON_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)
