"""Configuration: defaults as README.md says, overrides from TOML, one-line errors naming the key."""

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_products():
    config = load_config(None)
    assert (config.rag.red_completeness_below, config.rag.amber_completeness_below) == (0.6, 0.9)
    assert (config.rag.amber_assurance_below, config.rag.red_overdue_days_over) == (0.75, 90)
    assert [config.scoring.risk_band(score) for score in (1, 4, 5, 12, 15, 25)] == [
        "Low",
        "Low",
        "Medium",
        "Medium",
        "High",
        "High",
    ]


def test_file_overrides_only_what_it_names(tmp_path):
    config = load_config(write(tmp_path, 'council_name = "Northshire"\n[rag]\nred_completeness_below = 0.5\n'))
    assert config.council_name == "Northshire"
    assert config.rag.red_completeness_below == 0.5
    assert config.rag.amber_completeness_below == Config().rag.amber_completeness_below


def test_whole_number_accepted_where_a_fraction_is_expected(tmp_path):
    assert load_config(write(tmp_path, "[rag]\namber_assurance_below = 1\n")).rag.amber_assurance_below == 1.0


@pytest.mark.parametrize(
    "text, key",
    [
        ("colour = 'red'\n", "colour"),
        ("[rag]\nred_below = 0.5\n", "rag.red_below"),
        ("[rag]\nred_completeness_below = 'high'\n", "rag.red_completeness_below"),
        ("[limits]\nmax_rows = 2.5\n", "limits.max_rows"),
        ("[limits]\nmax_rows = -1\n", "limits.max_rows"),
        ("rag = 3\n", "rag"),
        # The tiers are a section of their own, [[significance.tiers]], not a key of the top level.
        ('[[tiers]]\nname = "Major"\nmethods = ["No formal method"]\n', "tiers"),
        ("tiers = 3\n", "tiers"),
        # TOML's nan and inf are numbers to it, not amounts: a tier would read "funding at least £nan".
        *(
            (
                f'[[significance.tiers]]\nname = "Major"\nfunding_from = {number}\nmethods = ["No formal method"]\n'
                '[[significance.tiers]]\nname = "Other"\nmethods = ["No formal method"]\n',
                "significance.tiers[1].funding_from",
            )
            for number in ("nan", "inf")
        ),
    ],
)
def test_bad_key_or_value_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert f"'{key}'" in str(error.value)
    assert "\n" not in str(error.value)


def test_an_unknown_key_is_answered_with_the_keys_a_file_may_hold(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, 'council_nme = "Northshire"\n'))
    known = str(error.value).partition("(known: ")[2].rstrip(")").split(", ")
    assert "significance" in known and "objectives" in known and "tiers" not in known


def test_syntax_error_and_missing_file_are_one_line(tmp_path):
    for path in (write(tmp_path, "[rag\n"), tmp_path / "absent.toml"):
        with pytest.raises(ConfigError) as error:
            load_config(path)
        assert str(path) in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "text, key",
    [
        ("[rag]\nred_completeness_below = 60\n", "rag.red_completeness_below"),  # 60 meant as 60%
        ("[rag]\namber_assurance_below = 75\n", "rag.amber_assurance_below"),
        ("[scoring]\npartly_weight = 1.5\n", "scoring.partly_weight"),
        ("[rag]\nred_completeness_below = 0.95\n", "rag.red_completeness_below"),  # Red above Amber (0.9)
        ("[scoring]\nrisk_low_max = 14\n", "scoring.risk_low_max"),  # Low above Medium (12)
        ("[scoring]\nrisk_medium_max = 30\n", "scoring.risk_medium_max"),  # no score left for High
        ("[scoring]\nrisk_low_max = 0\n", "scoring.risk_low_max"),
        ("[limits]\nmax_rows = 0\n", "limits.max_rows"),
        ("[limits]\nload_timeout_seconds = 0\n", "limits.load_timeout_seconds"),
        ("[limits]\nmax_file_bytes = 0\n", "limits.max_file_bytes"),
        # "No limit, really": accepted, it ended the run in an OverflowError.
        ("[limits]\nload_timeout_seconds = 100000000000000000000\n", "limits.load_timeout_seconds"),
        ("[limits]\nmax_file_bytes = 100000000000000000000\n", "limits.max_file_bytes"),
        ("[limits]\nmax_uncompressed_bytes = 100000000000000000000\n", "limits.max_uncompressed_bytes"),
        ("[rag]\nred_overdue_days_over = 100000000000000000000\n", "rag.red_overdue_days_over"),
        # Below what the standard workbook itself needs: every return, the blank template too, was refused.
        ("[limits]\nmax_rows = 40\n", "limits.max_rows"),
        ("[limits]\nmax_columns = 2\n", "limits.max_columns"),
        ("[limits]\nmax_uncompressed_bytes = 1000\n", "limits.max_uncompressed_bytes"),
        # A pack with no council and no title.
        ('council_name = ""\n', "council_name"),
        ('pack_title = "  "\n', "pack_title"),
    ],
)
def test_values_out_of_range_or_order_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert f"'{key}'" in str(error.value)
    assert "\n" not in str(error.value)


def test_thresholds_in_order_at_their_edges_are_accepted(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "[rag]\nred_completeness_below = 0.9\namber_assurance_below = 1\n"
            "[scoring]\nrisk_low_max = 1\nrisk_medium_max = 24\npartly_weight = 0\n",
        )
    )
    assert (config.rag.red_completeness_below, config.scoring.risk_medium_max) == (0.9, 24)


def test_the_command_stops_with_exit_2_and_one_line_naming_the_key(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    (tmp_path / "in").mkdir()
    config = write(tmp_path, "[rag]\nred_completeness_below = 60\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "in"), "--config", str(config)])
    assert result.exit_code == 2
    # One line, as README says: not under click's usage banner.
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "rag.red_completeness_below" in result.output and "0.6 means 60%" in result.output


def test_a_file_saved_by_windows_notepad_is_read_or_said_in_words(tmp_path):
    """Notepad saves UTF-8 with a byte-order mark, or in the Windows character set ('ANSI'): the first
    is read as it is meant; the second is asked to be saved as UTF-8, naming where, in words (not the
    codec's own message)."""
    with_bom = tmp_path / "bom.toml"
    with_bom.write_bytes(
        '\ufeffcouncil_name = "Northshire Council"\r\n[rag]\r\nred_completeness_below = 0.5\r\n'.encode()
    )
    config = load_config(with_bom)
    assert config.council_name == "Northshire Council" and config.rag.red_completeness_below == 0.5
    ansi = tmp_path / "ansi.toml"
    ansi.write_bytes('council_name = "Caf\u00e9 Council"\n'.encode("cp1252"))
    with pytest.raises(ConfigError) as error:
        load_config(ansi)
    assert str(error.value) == (
        f"config file {ansi} is not saved as UTF-8 text (line 1, character 20): save it again with the encoding UTF-8"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("council_name = The Council\n", "line 1, column 16: text goes in double quotes"),
        ('council_name = "The Council\n', "line 1, column 28: a text in double quotes is not closed on its line"),
        ("[rag]\nred_completeness_below = 0.5\n[rag]\n", "line 3, column 5: a section or setting is given twice"),
        ("[rag\nred_completeness_below = 0.5\n", "line 1, column 5: a [section] name is not closed with ]"),
        ("= 3\n", "line 1, column 1: a line is not a setting (name = value), a [section] or a # comment"),
        ('objectives = ["O1"\n', "the end of the file: a list in [ ] is not closed"),
    ],
)
def test_a_file_that_is_not_toml_is_told_what_to_mend_in_words(tmp_path, text, says):
    """The configuration is edited by hand: where it breaks TOML's rules, the message says where and what
    to mend, in words, not in the TOML reader's ('Invalid value', "Cannot declare ('rag',) twice")."""
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(f"config file {path} is not valid TOML at ") and says in message, message
    for library_words in ("Invalid", "Cannot declare", "Illegal", "Expected", "Unclosed", "(at "):
        assert library_words not in message, message


def test_the_lowest_limits_allowed_still_read_correct_returns(tmp_path):
    """The ranges' floors are set by what the standard workbook needs: at every limit's lowest, the
    blank template and the demo's returns are read without a finding about their size."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import RANGES
    from pipeline.cycle.demo import write_demo_set
    from pipeline.cycle.template import write_blank

    lowest = {key.partition(".")[2]: low for key, (low, _) in RANGES.items() if key.startswith("limits.")}
    config = load_config(write(tmp_path, "[limits]\n" + "".join(f"{key} = {low}\n" for key, low in lowest.items())))
    returns = tmp_path / "returns"
    write_demo_set(returns, count=5, seed=3)
    write_blank(returns)
    assessed = assess_folder(returns, config, as_of=dt.date(2026, 5, 1))
    codes = {str(finding.rule) for finding in assessed.report.findings}
    assert len(assessed.batch.workbooks) == 6 and not {code for code in codes if code.startswith("file.")}


@pytest.mark.parametrize(
    "text, says",
    [
        ("[rag]\nred_overdue_days_over = true\n", "not true"),
        ("council_name = 2026-01-01\n", "not 2026-01-01"),
        ("[rag]\nred_completeness_below = 60\n", "not 60"),
        ("[limits]\nmax_rows = 'many'\n", 'not "many"'),
    ],
)
def test_a_value_is_quoted_as_it_is_written_in_the_file(tmp_path, text, says):
    # It was quoted as Python has it: True, datetime.date(2026, 1, 1), 60.0.
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert str(error.value).endswith(says)


@pytest.mark.parametrize("name", ["", "folder", "review.toml/x.toml"])
def test_a_config_path_that_is_no_file_is_one_line_and_exit_2(tmp_path, monkeypatch, name):
    # '' (a script's unset variable) and a path through a file ended in a traceback, exit 1.
    from click.testing import CliRunner

    from pipeline.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "folder").mkdir()
    write(tmp_path, "")
    result = CliRunner().invoke(cli, ["validate", "in", "--out", "out", "--config", name])
    assert result.exit_code == 2 and not isinstance(result.exception, Exception), result.output
    assert len(result.output.strip().splitlines()) == 1 and "config" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_an_empty_file_is_refused_as_a_save_that_failed(tmp_path):
    # A 0-byte file (a failed save, a cloud drive's placeholder) ran on every default without a word.
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, ""))
    assert str(error.value) == (
        f"config file {tmp_path / 'review.toml'} is empty: save it again, or leave --config out for the defaults"
    )


def test_a_bad_objective_reference_is_told_every_character_it_may_use(tmp_path):
    """'use letters and digits': a policy officer who wrote 'O.1' was told so, and O.1 is allowed."""
    path = tmp_path / "review.toml"
    path.write_text('[objectives]\n"O.1_a-b" = "Allowed"\n"O 2" = "Not allowed"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "'objectives.O 2' is not a usable reference" in str(error.value)
    assert "(and '.', '_' or '-' after the first)" in str(error.value)
