"""The `hybrid-rg` command: outputs on success; status 2, one line and no files on bad input."""

import csv

import pytest

from hybrid_rg.cli import main


def test_exact_writes_csv_and_png(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        [
            "exact",
            "--model",
            "tfim",
            "--n",
            "30",
            "--h",
            "1.0",
            "--observable",
            "zz:0,1",
            "--observable",
            "x:all",
            "--times",
            "0:2:5",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    rows = list(csv.reader(open(out / "result.csv")))
    assert rows[0][:3] == ["t", "zz:0,1", "x:0"] and len(rows[0]) == 32 and len(rows) == 6
    assert float(rows[1][1]) == pytest.approx(1.0, abs=1e-12)  # ⟨Z0 Z1⟩(0) = 1 on |0…0⟩
    assert (out / "result.png").stat().st_size > 10_000
    assert "free-fermion" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_two_time_columns_are_split_into_real_and_imaginary(tmp_path):
    rc = main(
        [
            "exact",
            "--n",
            "6",
            "--initial",
            "ground",
            "--h0",
            "0.5",
            "--h",
            "1.5",
            "--method",
            "krylov",
            "--observable",
            "tt:zz:2,3",
            "--times",
            "0:1:3",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert rc == 0
    header = next(csv.reader(open(tmp_path / "r" / "result.csv")))
    assert header == ["t", "re(tt:zz:2,3)", "im(tt:zz:2,3)"]


@pytest.mark.parametrize(
    "args",
    [
        ["--n", "1", "--observable", "zz:0,1"],
        ["--n", "10", "--h", "nan", "--observable", "zz:0,1"],
        ["--n", "10", "--J", "inf", "--observable", "zz:0,1"],
        ["--model", "hubbard", "--n", "10", "--observable", "zz:0,1"],
        ["--n", "10", "--observable", "zz:0,10"],
        ["--n", "10", "--observable", "w:1"],
        ["--n", "10", "--observable", "zz:0,1", "--times", "5:0"],
        ["--n", "30", "--g", "0.2", "--observable", "zz:0,1"],
        ["--n", "10", "--observable", "xx:0,1", "--method", "free-fermion"],
        ["--n", "10"],
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, args):
    out = tmp_path / "out"
    try:
        rc = main(["exact", *args, "--out", str(out)])
    except SystemExit as exc:  # an option outside its declared choices: argparse's own one line
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hybrid-rg: error: ")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_argparse_errors_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["exact", "--n", "ten", "--observable", "zz:0,1"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_before_or_after_the_subcommand(where, capsys):
    args = ["exact", "--n", "1", "--observable", "zz:0,1"]
    with pytest.raises(ValueError, match="greater than or equal to 2"):  # BadInput is a ValueError
        main(["--debug", *args] if where == "before" else [*args, "--debug"])
    assert main(args) == 2  # without --debug: the one line
    assert capsys.readouterr().err.startswith("hybrid-rg: error: n = 1")


def test_progress_after_the_subcommand_reaches_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("HYBRID_RG_PROGRESS", "off")
    assert main(["exact", "--n", "4", "--observable", "x:0", "--times", "0,1", "--progress", "lines"]) == 0
    import os

    assert os.environ["HYBRID_RG_PROGRESS"] == "lines"
    assert main(["--progress", "bar", "exact", "--n", "4", "--observable", "x:0", "--times", "0,1"]) == 0
    assert os.environ["HYBRID_RG_PROGRESS"] == "bar"  # a subcommand without the option keeps the top's value


def test_exact_choices_are_the_requests_choices():
    """The CLI repeats exact.runner's Literal choices (to start without scipy); they must agree."""
    import typing

    from hybrid_rg.cli import build_parser
    from hybrid_rg.exact.runner import ExactRequest

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["exact"]
    options = {a.dest: a for a in sub._actions}
    for name in ("model", "boundary", "initial", "method"):
        literal = typing.get_args(ExactRequest.model_fields[name].annotation)
        assert tuple(options[name].choices) == literal, name
        assert options[name].default == (ExactRequest.model_fields[name].default if name != "model" else "tfim"), name


def test_every_option_has_help_with_its_default_and_every_help_names_the_glossary():
    """Each option of every subcommand says what it does and its default (flags and required ones excepted), and
    each --help ends with the pointer to docs/glossary.md."""
    import argparse
    from pathlib import Path

    from hybrid_rg.cli import build_parser

    flags = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse.BooleanOptionalAction)

    def walk(parser, path):
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, [*path, name])

    missing = []
    for path, parser in walk(build_parser(), ["hybrid-rg"]):
        assert "docs/glossary.md" in parser.format_help(), " ".join(path)
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            text = action.help or ""
            if not text or text == argparse.SUPPRESS:
                missing.append(f"{' '.join(path)} {action.option_strings or action.dest}: no help")
            elif action.option_strings and not isinstance(action, flags) and not action.required:
                if "default" not in text:
                    missing.append(f"{' '.join(path)} {action.option_strings}: help does not give the default")
    assert not missing, "\n".join(missing)
    assert (Path(__file__).resolve().parents[1] / "docs" / "glossary.md").is_file()


def test_demo_labels_its_sites_from_zero_as_the_cli_and_plots_do(tmp_path, monkeypatch, capsys):
    """The demo's printed observable, its plot's label and the README's description name the same sites (0 and 1)."""
    import re
    from pathlib import Path

    import hybrid_rg.workflows as workflows
    from hybrid_rg.utils.plotting import observable_label

    def stop(out):  # the header is printed before the (seconds-long) computation, which this test does not need
        raise KeyboardInterrupt

    monkeypatch.setattr(workflows, "run_demo", stop)
    main(["demo", "--out", str(tmp_path / "demo")])
    header = capsys.readouterr().out.splitlines()[0]
    sites = re.search(r"S\^z_(\d) S\^z_(\d)", header).groups()
    assert sites == ("0", "1")
    assert re.findall(r"S\^z_\{(\d)\}", observable_label("zz:0,1", 0.25)) == list(sites)  # what result.png shows
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    demo_paragraph = next(par for par in readme.split("\n\n") if par.startswith("`make demo` prints"))
    assert "S^z_0 S^z_1" in demo_paragraph and "S^z_1 S^z_2" not in demo_paragraph
