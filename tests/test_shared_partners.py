"""Shared partners and possible duplication, on returns built to known answers.

| ID | service area | partners (as written) | purpose | built so |
| --- | --- | --- | --- | --- |
| P-001 | Community Safety | Northshire Police; Fire & Rescue Service; NHS Northshire ICB; Probation Service | reduce crime and anti-social behaviour | |
| P-002 | community safety | NORTHSHIRE POLICE.; Fire and Rescue Service; Northshire Integrated Care Board; Shelter | cut crime and anti-social behaviour in town centres | the likely duplicate of P-001: three organisations shared (the ICB only through the alias) |
| P-003 | Adult Social Care | The Northshire Police; Age UK | help older people live independently | shares the police, another service area |
| P-004 | Community Safety | Northshire Police; Fire & Rescue Service | run the fireworks festival safely | shares two with P-001 but its purpose is unlike |
| P-005 | Community Safety | as P-001 | as P-001 | out of scope: not in the network |
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import write_workbook

from pipeline import catalogue
from pipeline.cli import cli
from pipeline.config import Config, ConfigError, load_config
from pipeline.pack.charts import NETWORK_GROUPS, NETWORK_ORGANISATIONS, network_picture, render_network
from pipeline.portfolio.duplication import Member, analyse
from pipeline.portfolio.organisations import organisation_key, resolver

SAFETY = "Reduce crime and anti-social behaviour across the district."
ALIASES = """
[organisation_aliases]
"NHS Northshire ICB" = "Northshire Integrated Care Board"
"""


def returns(folder: Path) -> Path:
    def register(area: str, partners: str, purpose: str, **more) -> dict:
        return {"service_area": area, "partners": partners, "purpose": purpose, **more}

    write_workbook(
        folder / "p1.xlsx",
        partnership_id="P-001",
        register=register(
            "Community Safety",
            "Northshire Police; Fire & Rescue Service; NHS Northshire ICB; Probation Service",
            SAFETY,
        ),
    )
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register=register(
            "community safety",
            "NORTHSHIRE POLICE.; Fire and Rescue Service; Northshire Integrated Care Board; Shelter",
            "Cut crime and anti-social behaviour in the town centres.",
        ),
    )
    write_workbook(
        folder / "p3.xlsx",
        partnership_id="P-003",
        register=register(
            "Adult Social Care", "The Northshire Police; Age UK", "Help older people live independently at home."
        ),
    )
    write_workbook(
        folder / "p4.xlsx",
        partnership_id="P-004",
        register=register(
            "Community Safety", "Northshire Police; Fire & Rescue Service", "Run the bonfire night fireworks festival."
        ),
    )
    write_workbook(
        folder / "p5.xlsx",
        partnership_id="P-005",
        register=register(
            "Community Safety",
            "Northshire Police; Fire & Rescue Service; NHS Northshire ICB; Probation Service",
            SAFETY,
            **{catalogue.SCOPE_FIELDS[3].key: "Yes"},
        ),
    )
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared")
    inputs = returns(root / "returns")
    (root / "review.toml").write_text(ALIASES, encoding="utf-8")
    for name, extra in (("with-aliases", ["--config", str(root / "review.toml")]), ("without", [])):
        result = CliRunner().invoke(
            cli, ["report", str(inputs), "--out", str(root / name), "--as-of", "2026-04-30", "--no-pdf", *extra]
        )
        assert result.exit_code == 0, result.output
    return root


def results(runs: Path, name: str) -> dict:
    return json.loads((runs / name / "results.json").read_text(encoding="utf-8"))


def test_names_written_differently_are_one_organisation():
    assert organisation_key("Fire & Rescue Service") == organisation_key("FIRE AND RESCUE SERVICE.")
    assert organisation_key("The Northshire Police") == organisation_key("northshire  police")
    assert organisation_key("Women\u2019s Aid") == organisation_key("Womens Aid")
    assert organisation_key("Age UK") != organisation_key("Age UK Northshire")
    # Punctuation inside a name split it into other words: these were not matched with their plain spellings.
    assert organisation_key("Age U.K.") == organisation_key("Age UK")
    assert organisation_key("N.H.S. England") == organisation_key("NHS England")
    assert organisation_key("Co-operative Group") == organisation_key("Cooperative Group")
    assert organisation_key("Fire-and-Rescue Service") == organisation_key("Fire and Rescue Service")


def test_shared_organisations_in_results(runs):
    shared = {item["name"]: item["partnerships"] for item in results(runs, "with-aliases")["shared_organisations"]}
    assert shared == {
        "Northshire Police": ["P-001", "P-002", "P-003", "P-004"],
        "Fire & Rescue Service": ["P-001", "P-002", "P-004"],
        "Northshire Integrated Care Board": ["P-001", "P-002"],
    }
    without = {item["name"]: item["partnerships"] for item in results(runs, "without")["shared_organisations"]}
    assert "Northshire Integrated Care Board" not in without and "NHS Northshire ICB" not in without


def test_the_likely_duplicate_pair_with_its_evidence(runs):
    [pair] = results(runs, "with-aliases")["possible_duplicates"]
    assert pair["partnerships"] == ["P-001", "P-002"]
    evidence = pair["evidence"]
    assert evidence["shared_organisations"] == [
        "Fire & Rescue Service",
        "Northshire Integrated Care Board",
        "Northshire Police",
    ]
    assert evidence["shared_purpose_words"] == ["anti-social", "behaviour", "crime"]
    assert 0.6 <= evidence["purpose_similarity"] < 1
    # Without the alias the two still share the police and the fire service: still a pair, less evidence.
    [pair] = results(runs, "without")["possible_duplicates"]
    assert pair["evidence"]["shared_organisations"] == ["Fire & Rescue Service", "Northshire Police"]


def test_thresholds_come_from_the_configuration(runs, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text(ALIASES + "[duplication]\nmin_shared_organisations = 4\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(runs / "returns"),
            "--out",
            str(tmp_path / "out"),
            "--as-of",
            "2026-04-30",
            "--no-pdf",
            "--config",
            str(strict),
        ],
    )
    assert result.exit_code == 0, result.output
    assert results(tmp_path, "out")["possible_duplicates"] == []


def test_the_pack_shows_the_network_words_table_and_pairs(runs):
    page = (runs / "with-aliases" / "review_pack.html").read_text(encoding="utf-8")
    section = page[page.index('<section class="shared" id="shared">') :]
    section = section[: section.index("</section>")]
    assert re.search(
        r'<desc id="shared_organisations-desc">3 of the \d+ partner organisations named sit on two or more of '
        r"the 4 partnerships in scope",
        section,
    )
    assert "<caption>Partner organisations on two or more partnerships, most shared first</caption>" in section
    assert "also written: NORTHSHIRE POLICE.; The Northshire Police" in section
    assert "1 pair of partnerships to check" in section
    assert (
        '<a href="#p-p1-xlsx">P-001<span class="visually-hidden">: profile' in section
    )  # read as "P-001: profile of ..."
    assert (
        (runs / "with-aliases" / "charts" / "shared_organisations.svg").read_text(encoding="utf-8").startswith("<svg")
    )
    assert '<a href="#shared"' in page  # in the contents


def test_the_network_picture_is_the_same_bytes_and_readable_at_300_partnerships():
    organisations = [f"Organisation {number:02d}" for number in range(60)]
    members = [
        Member(
            f"P-{number:03d}",
            f"Partnership {number}",
            f"p{number}.xlsx",
            "Area",
            "Purpose",
            tuple(organisations[(number * step) % 60] for step in (1, 7, 13)),
        )
        for number in range(300)
    ]
    network = analyse(members, Config())
    picture = network_picture(network)
    assert len(picture.organisations) == NETWORK_ORGANISATIONS and picture.grouped
    assert len(picture.nodes) <= NETWORK_GROUPS
    drawn = sum(len(node[1]) for node in picture.nodes)
    joined = {label for item in network.shared[:NETWORK_ORGANISATIONS] for label in item.partnerships}
    assert drawn + picture.not_drawn == len(joined)
    assert render_network(network) == render_network(analyse(reversed(members), Config()))


@pytest.mark.parametrize(
    "aliases, key",
    [
        ('"A" = "B"\n"B" = "A"\n', "circle"),
        ('"NHS ICB" = "  "\n', "organisation_aliases.NHS ICB"),
        ('"NHS ICB" = 3\n', "organisation_aliases.NHS ICB"),
    ],
)
def test_a_wrong_alias_list_is_refused_in_one_line(tmp_path, aliases, key):
    path = tmp_path / "review.toml"
    path.write_text("[organisation_aliases]\n" + aliases, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_config(path)


def test_an_alias_may_lead_to_another():
    path_config = Config(
        organisation_aliases={"ICB": "NHS Northshire ICB", "NHS Northshire ICB": "Northshire Integrated Care Board"}
    )
    members = [
        Member("P-1", "One", "1.xlsx", "A", "x", ("ICB",)),
        Member("P-2", "Two", "2.xlsx", "A", "x", ("Northshire Integrated Care Board",)),
    ]
    [shared] = analyse(members, path_config).shared
    assert (shared.name, shared.partnerships) == ("Northshire Integrated Care Board", ("P-1", "P-2"))


def test_pairs_joined_by_a_chain_are_one_group_with_their_evidence():
    """A-B and B-C alike (A and C less so): one group of three; D-E another; F alike to nobody. Built so:
    A, B and C sit with the police and the fire service, D and E with the ICB and Age UK; F shares
    partners with A but not its service area."""

    def member(label: str, area: str, purpose: str, *partners: str) -> Member:
        return Member(label, f"Partnership {label}", f"{label}.xlsx", area, purpose, partners)

    safety, health = "Community Safety", "Adult Social Care"
    members = [
        member("P-A", safety, "Reduce crime and anti-social behaviour in town centres", "Police", "Fire Service"),
        member(
            "P-B",
            safety,
            "Reduce crime and anti-social behaviour and fear of crime",
            "Police",
            "Fire Service",
            "Probation",
        ),
        member("P-C", safety, "Reduce fear of crime and anti-social behaviour at night", "Police", "Fire Service"),
        member("P-D", health, "Help older people live independently", "ICB", "Age UK"),
        member("P-E", health, "Help older people live independently at home", "ICB", "Age UK"),
        member("P-F", health, "Reduce crime and anti-social behaviour in town centres", "Police", "Fire Service"),
    ]
    network = analyse(members, Config())
    pairs = {tuple(member.label for member in pair.partnerships) for pair in network.duplicates}
    assert {("P-A", "P-B"), ("P-B", "P-C"), ("P-D", "P-E")} <= pairs and not any("P-F" in pair for pair in pairs)
    first, second = network.groups[:2]
    assert [member.label for member in first.partnerships] == ["P-A", "P-B", "P-C"]
    assert (first.service_area, first.pairs) == (safety, len([pair for pair in pairs if pair[0] != "P-D"]))
    assert first.organisations[:2] == (("Fire Service", first.pairs), ("Police", first.pairs))
    assert ("anti-social", first.pairs) in first.words
    assert [member.label for member in second.partnerships] == ["P-D", "P-E"] and second.pairs == 1
    assert (
        second.similarity[0]
        == second.similarity[1]
        == network.duplicates[
            [tuple(member.label for member in pair.partnerships) for pair in network.duplicates].index(("P-D", "P-E"))
        ].similarity
    )
    assert len(network.groups) == 2
    assert analyse(reversed(members), Config()).groups == network.groups  # the same groups whatever the order


def test_results_and_the_pack_give_the_groups_and_where_every_pair_is(runs):
    data = results(runs, "with-aliases")
    [group] = data["possible_duplicate_groups"]
    assert (group["group"], group["partnerships"], group["pairs"], group["service_area"]) == (
        1,
        ["P-001", "P-002"],
        1,
        "Community Safety",
    )
    assert {item["name"] for item in group["shared_organisations"]} == {
        "Northshire Police",
        "Fire & Rescue Service",
        "Northshire Integrated Care Board",
    }
    assert all(item["pairs"] == 1 for item in group["shared_organisations"])
    assert [pair["group"] for pair in data["possible_duplicates"]] == [1]
    page = (runs / "with-aliases" / "review_pack.html").read_text(encoding="utf-8")
    section = " ".join(re.sub(r"<[^>]+>", " ", page[page.index('id="possible-duplication"') :]).split())
    assert "1 pair of partnerships to check, in 1 group (2 partnerships)" in section
    assert "Groups of partnerships to check, biggest first" in section


def test_partners_listed_one_to_a_line_in_their_cell_are_each_a_partner(tmp_path):
    """Officers list partners one to a line in the cell (Alt+Enter) as often as with semicolons: each
    line is a partner, where the lines were run together into one organisation ('Northshire Police Fire
    & Rescue Service Shelter') that no other partnership could share."""
    write_workbook(
        tmp_path / "in" / "p1.xlsx",
        partnership_id="P-001",
        register={"partners": "Northshire Police\nFire & Rescue Service;\r\n\nShelter"},
    )
    write_workbook(
        tmp_path / "in" / "p2.xlsx", partnership_id="P-002", register={"partners": "Northshire Police; Age UK"}
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path / "in"), "--out", str(out), "--as-of", "2026-04-30", "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    shared = {item["name"]: item["partnerships"] for item in data["shared_organisations"]}
    assert shared == {"Northshire Police": ["P-001", "P-002"]}
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    assert "Northshire Police; Fire &amp; Rescue Service; Shelter" in page


def test_a_partner_list_joined_by_commas_is_asked_for_and_a_bulleted_one_is_read(tmp_path):
    """'Alpha Trust, Beta Council' was one organisation, silently, which then matched 'Alpha Trust /
    Beta Council' elsewhere and nothing named 'Alpha Trust'; a list pasted with bullets kept them."""
    inputs = tmp_path / "in"
    for number, partners in enumerate(
        (
            "Alpha Trust; Beta Council",
            "Alpha Trust, Beta Council",
            "Alpha Trust / Beta Council",
            "• Alpha Trust\n• Beta Council",
        ),
        start=1,
    ):
        write_workbook(inputs / f"p{number}.xlsx", partnership_id=f"P-00{number}", register={"partners": partners})
    result = CliRunner().invoke(
        cli, ["report", str(inputs), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "out" / "validation_report.csv").read_text(encoding="utf-8").splitlines()[1:]
    warned = sorted(
        (row.split(",")[0], row.split(",")[2], row.split(",")[4]) for row in rows if "register.one_partner" in row
    )
    assert warned == [("p2.xlsx", "B5", "register.one_partner"), ("p3.xlsx", "B5", "register.one_partner")]
    shared = {item["name"]: item["partnerships"] for item in results(tmp_path, "out")["shared_organisations"]}
    assert shared["Alpha Trust"] == shared["Beta Council"] == ["P-001", "P-004"]


def test_an_organisation_is_named_as_written_in_words_not_in_capitals_where_an_officer_did_so():
    """Most officers typed 'ENVIRONMENT AGENCY' and one 'Environment Agency': the pack shouted the name
    in capitals. A spelling not in capitals throughout is shown where there is one; an acronym is a word."""
    names = resolver({}).names(["ENVIRONMENT AGENCY", "ENVIRONMENT AGENCY", "Environment Agency", "DWP", "DWP", "Dwp"])
    assert sorted(names.values()) == ["DWP", "Environment Agency"]


def test_an_id_or_partner_list_that_only_says_tbc_is_no_id_and_no_organisation(tmp_path):
    """Two new partnerships whose officers typed 'TBC' as the Partnership ID (not given one yet) were
    taken for one partnership returned twice, one left out of every figure; and 'TBC' typed as the
    partner organisations of two made 'TBC' an organisation they shared. Each ID is now missing, both
    partnerships count, and no organisation is named 'TBC' or 'N/A'."""
    inputs = tmp_path / "in"
    write_workbook(inputs / "a.xlsx", partnership_id="TBC", register={"name": "Alpha Board", "partners": "TBC"})
    write_workbook(inputs / "b.xlsx", partnership_id="tbc", register={"name": "Beta Forum", "partners": "TBC"})
    write_workbook(inputs / "c.xlsx", partnership_id="P-003", register={"partners": "Northshire Police; N/A"})
    result = CliRunner().invoke(
        cli, ["report", str(inputs), "--out", str(tmp_path / "out"), "--as-of", "2026-05-01", "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["totals"]["partnerships"] == 3
    assert all(item["counted"] for item in data["partnerships"])
    assert not {item["name"].casefold() for item in data["shared_organisations"]} & {"tbc", "n/a"}
    report = (tmp_path / "out" / "validation_report.csv").read_text(encoding="utf-8")
    assert "register.duplicate_id" not in report
    assert report.count("register.missing") == 4  # the two IDs and the two partner lists
