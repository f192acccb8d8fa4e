"""The tool installs like any Python tool: the built wheel alone runs the whole year from any folder.

The wheel is built from a copy of the project's files, installed without its source tree into a fresh
virtual environment, and run from an unrelated folder; so a file the tool reads at run time that the
wheel leaves out (a template, the stylesheet) fails here, as it would for a user of `pip install`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What a wheel is built from: the files pyproject.toml names, nothing else of the source tree.
BUILD_FILES = ("pyproject.toml", "README.md", "pipeline", "report_templates")


def _packaging() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_packaged():
    """A package folder added under pipeline/ but not named in pyproject.toml would be missing from the wheel."""
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "pipeline").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    packaged = set(_packaging()["packages"])
    assert folders <= packaged
    assert "pipeline.report_templates" in packaged


def test_every_report_template_file_is_package_data():
    patterns = _packaging()["package-data"]["pipeline.report_templates"]
    files = [path for path in (ROOT / "report_templates").iterdir() if path.is_file() and path.suffix != ".py"]
    assert files
    assert all(any(path.match(pattern) for pattern in patterns) for path in files), files


def _build_wheel(base: Path, *, version: str | None = None) -> Path:
    """The tool's wheel, built in `base` from a copy of the files it is made from (with another
    `version` written into that copy when given); the copy is gone before the wheel is returned."""
    source = base / "source"
    source.mkdir(parents=True)
    for name in BUILD_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, source / name)
    if version is not None:
        init = source / "pipeline" / "__init__.py"
        init.write_text(
            re.sub(r'__version__ = "[^"]*"', f'__version__ = "{version}"', init.read_text()), encoding="utf-8"
        )
    wheels = base / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        cwd=base,
    )
    shutil.rmtree(source)  # the source tree is gone before the tool is installed and run
    (wheel,) = wheels.glob("partnership_review-*.whl")
    return wheel


def _fresh_venv(env_dir: Path) -> Path:
    """A virtual environment that sees the test environment's packages (so nothing is downloaded) but
    not this source tree."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    env_python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(env_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The test environment's packages as a plain path: its .pth files (the editable install of this
    # source tree among them) are not processed from there, so `pipeline` can only come from the wheel.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return env_dir


def _install(env_dir: Path, wheel: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        cwd=env_dir.parent,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with only the built wheel of the tool installed (its dependencies
    are taken from the test environment, so the test needs no download), and its `partnerships`."""
    base = tmp_path_factory.mktemp("packaging")
    wheel = _build_wheel(base)
    names = zipfile.ZipFile(wheel).namelist()
    assert "pipeline/report_templates/pack.css.j2" in names and "pipeline/report_templates/pack.html.j2" in names
    env_dir = _fresh_venv(base / "venv")
    _install(env_dir, wheel)
    return env_dir


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(env_dir / "bin" / "partnerships"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_wheel_runs_the_year_from_another_folder(installed, tmp_path):
    where = _run(installed, "--version", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    located = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(located).resolve().is_relative_to(installed.resolve())

    assert _run(installed, "templates", "--out", "blank", cwd=tmp_path).returncode == 0
    assert (tmp_path / "blank" / "partnership_review.xlsx").is_file()
    assert _run(installed, "demo", "--out", "returns", "--count", "4", "--seed", "3", cwd=tmp_path).returncode == 0
    checked = _run(installed, "validate", "returns", "--out", "checks", "--as-of", "2026-05-01", cwd=tmp_path)
    assert checked.returncode in (0, 1), checked.stderr
    assert (tmp_path / "checks" / "validation_report.xlsx").is_file()

    year = _run(installed, "report", "returns", "--out", "2026", "--as-of", "2026-05-01", cwd=tmp_path)
    assert year.returncode == 0, year.stderr
    pack = tmp_path / "2026"
    assert (pack / "review_pack.pdf").read_bytes().startswith(b"%PDF")
    assert "</html>" in (pack / "review_pack.html").read_text(encoding="utf-8")
    assert (pack / "results.json").is_file() and (pack / "register.xlsx").is_file()


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_missing_tool_file_is_named_not_blamed_on_writing(installed, tmp_path):
    site = Path(
        subprocess.run(
            [
                str(installed / "bin" / "python"),
                "-c",
                "import pipeline, pathlib; print(pathlib.Path(pipeline.__file__).parent)",
            ],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    assert site.resolve().is_relative_to(installed.resolve())
    css = site / "report_templates" / "pack.css.j2"
    saved = css.read_bytes()
    assert _run(installed, "demo", "--out", "returns", "--count", "2", cwd=tmp_path).returncode == 0
    css.unlink()
    try:
        year = _run(installed, "report", "returns", "--out", "2026", "--no-pdf", cwd=tmp_path)
    finally:
        css.write_bytes(saved)
    assert year.returncode == 1
    assert "report_templates/pack.css.j2 is missing" in year.stderr
    assert "The pack stopped" in year.stderr
    assert "could not write" not in year.stderr
    assert "Traceback" not in year.stderr
    assert not (tmp_path / "2026").exists()


def _readme_wheel_command() -> list[str]:
    """The README's command that builds the tool's wheel alone ("Installing without make")."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [line for line in readme.splitlines() if line.strip().startswith("pip wheel --no-deps")]
    return shlex.split(line.split("#")[0])


def test_the_readme_wheel_leaves_out_a_module_deleted_since_the_last_build(tmp_path):
    """setuptools builds in the source's build/ folder and keeps what an earlier build put there: a module
    deleted from pipeline/ was still in the next wheel `pip wheel` made. The README's command empties it."""
    source = tmp_path / "partnership-review"
    source.mkdir()
    for name in BUILD_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, source / name)
    stale = source / "pipeline" / "zz_stale.py"
    stale.write_text("DELETED = True\n", encoding="utf-8")

    def build(wheels: str, options: list[str]) -> list[str]:
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", *options]
        subprocess.run([*command, "--wheel-dir", wheels, str(source)], check=True, cwd=tmp_path)
        (wheel,) = (tmp_path / wheels).glob("partnership_review-*.whl")
        return zipfile.ZipFile(wheel).namelist()

    assert "pipeline/zz_stale.py" in build("before", [])
    stale.unlink()
    command = _readme_wheel_command()
    options = [option for option in command if option.startswith(("-C", "--config-settings"))]
    assert command[:3] == ["pip", "wheel", "--no-deps"], command
    names = build("after", options)
    assert "pipeline/cli.py" in names and "pipeline/zz_stale.py" not in names


def test_make_clean_removes_what_building_the_package_leaves(tmp_path):
    """`make clean` left build/ (whose files the next wheel ships) and the *.egg-info folder in place."""
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "cli.py").touch()
    (tmp_path / "build" / "lib" / "pipeline").mkdir(parents=True)
    (tmp_path / "build" / "lib" / "pipeline" / "zz_stale.py").touch()
    (tmp_path / "partnership_review.egg-info").mkdir()
    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    assert not (tmp_path / "build").exists() and not (tmp_path / "partnership_review.egg-info").exists()
    assert (tmp_path / "pipeline" / "cli.py").is_file()


def _lowest_versions() -> list[str]:
    """Each dependency pyproject.toml declares, pinned at its lower bound (`pandas>=2.2.2,<4`: `pandas==2.2.2`),
    so that a bound the tool does not run with fails here, not on a council's machine."""
    pins = []
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]:
        bound = re.match(r"\s*([A-Za-z0-9._-]+)\s*>=\s*([^,;\s]+)", requirement)
        assert bound, f"{requirement!r} declares no lower bound"
        pins.append(f"{bound[1]}=={bound[2]}")
    return pins


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_wheel_runs_the_year_with_the_lowest_versions_it_declares(tmp_path):
    """With matplotlib and XlsxWriter at the versions pyproject.toml allowed (3.8, 3.1), `pip check` was
    satisfied and `validate` and `report` crashed. The wheel is installed here from PyPI into a fresh
    environment with every dependency at its declared lower bound, and runs a year from another folder."""
    wheel = _build_wheel(tmp_path / "build")
    constraints = tmp_path / "lowest.txt"
    constraints.write_text("\n".join(_lowest_versions()) + "\n", encoding="utf-8")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    pip = [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python")]
    installing = subprocess.run(
        [*pip, "install", "--constraint", str(constraints), str(wheel)], capture_output=True, text=True, cwd=tmp_path
    )
    assert installing.returncode == 0, f"pip install (from PyPI) at the lowest versions: {installing.stderr}"
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout

    year = tmp_path / "year"
    year.mkdir()
    steps = [
        ("demo", "--out", "returns", "--count", "5"),
        ("validate", "returns", "--out", "checks", "--feedback", "--as-of", "2026-05-01"),
        ("report", "returns", "--out", "2026", "--as-of", "2026-05-01", "--no-pdf"),
        ("templates", "--out", "blank"),
        ("report", "returns", "--out", "2026-pdf", "--as-of", "2026-05-01"),
    ]
    for step in steps:
        done = _run(env_dir, *step, cwd=year)
        # validate says 1 when a return has findings to correct; a crash is 1 too, with a traceback.
        assert done.returncode in ((0, 1) if step[0] == "validate" else (0,)), (step, done.stderr)
        assert "Traceback" not in done.stderr, (step, done.stderr)
    assert (year / "checks" / "validation_report.xlsx").is_file() and (year / "checks" / "feedback").is_dir()
    assert (year / "2026" / "results.json").is_file() and (year / "2026" / "register.xlsx").is_file()
    assert (year / "blank" / "partnership_review.xlsx").is_file()
    assert (year / "2026-pdf" / "review_pack.pdf").read_bytes().startswith(b"%PDF")


#: The tool's first release: councils that installed it upgrade by installing a later wheel over it.
FIRST_RELEASE = "1.0.0"


def test_the_version_is_written_once_and_is_after_the_first_release():
    """pyproject.toml takes the version from `pipeline.__version__`, which `--version` and results.json
    give, so the wheel cannot say another."""
    from importlib.metadata import version

    import pipeline

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert _packaging()["dynamic"]["version"] == {"attr": "pipeline.__version__"}
    assert version("partnership-review") == pipeline.__version__ != FIRST_RELEASE


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_wheel_upgrades_an_install_of_the_first_release(tmp_path):
    """Every wheel built since the first release said 1.0.0 too, so `pip install` of one over an installed
    1.0.0 said "already installed with the same version" and left the old tool in place."""
    import pipeline

    env_dir = _fresh_venv(tmp_path / "venv")
    _install(env_dir, _build_wheel(tmp_path / "first", version=FIRST_RELEASE))
    assert _run(env_dir, "--version", cwd=tmp_path).stdout.split()[-1] == FIRST_RELEASE
    upgrade = _install(env_dir, _build_wheel(tmp_path / "this"))
    assert f"Successfully installed partnership-review-{pipeline.__version__}" in upgrade.stdout, upgrade.stdout
    assert _run(env_dir, "--version", cwd=tmp_path).stdout.split()[-1] == pipeline.__version__ != FIRST_RELEASE
