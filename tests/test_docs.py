"""The README is part of the product: its commands, options and examples must stay true."""

from __future__ import annotations

import os
import re

import click

from conftest import ROOT
from lineage.cli import main
from lineage.types import SKIP_KINDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_command():
    main_command, test_command = (block.strip() for block in shell_blocks()[:2])
    assert "lineage analyze corpus/shanghai -o reports/shanghai" in main_command
    assert test_command.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_every_command_and_option_is_documented():
    for name, command in main.commands.items():
        assert f"lineage {name}" in README
        assert command.help, f"{name} has no help"
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert any(opt in README for opt in parameter.opts), f"{parameter.opts} missing from README"
                assert parameter.help, f"{parameter.opts} has no help"


def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").symlink_to(ROOT / "corpus")
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(re.sub(r"^  ", "", block, flags=re.M), "README.md", "exec"), {})
    assert (tmp_path / "reports" / "shanghai" / "report.json").is_file()


def test_every_skip_kind_is_explained_in_the_readme():
    table = README[README.index("## Input"):README.index("## Command line")]
    missing = [kind for kind in SKIP_KINDS if f"`{kind}`" not in table]
    assert not missing, f"skip kinds missing from the README's Input section: {missing}"
