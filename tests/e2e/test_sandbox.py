"""The sandbox: scripts drive the real bot, and a failed expectation fails the run."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox import _run

ROOT = Path(__file__).resolve().parents[2]


def script(text: str) -> tuple[str, list[str]]:
    return ("test-script", text.splitlines())


async def test_retake_journey_example_passes(tmp_path, capsys):
    """examples/retake-journey.txt runs to the end without an error."""
    path = ROOT / "examples" / "retake-journey.txt"
    code = await _run(str(tmp_path / "sb.db"), (str(path), path.read_text().splitlines()), tmp_path / "files")
    assert code == 0, capsys.readouterr().err


async def test_unmet_expectation_fails_the_script(tmp_path, capsys):
    """An expect line that does not match the last reply makes the run fail, naming the line."""
    code = await _run(
        str(tmp_path / "sb.db"),
        script("as bob\n/settings show\nexpect \"Time zone: Mars/Olympus\"\n"),
        tmp_path / "files",
    )
    assert code == 1
    assert "test-script:3" in capsys.readouterr().err


async def test_unknown_sandbox_command_fails_the_script(tmp_path, capsys):
    """A line the sandbox does not understand fails the run instead of being skipped."""
    code = await _run(str(tmp_path / "sb.db"), script("dance\n"), tmp_path / "files")
    assert code == 1
    assert "unknown sandbox command" in capsys.readouterr().err


async def test_time_moves_the_clock(tmp_path, capsys):
    """`time +1d` moves the sandbox clock a day forward and reports the new time."""
    code = await _run(str(tmp_path / "sb.db"), script("time +1d\nexpect \"scheduled message\"\n"), tmp_path / "f")
    assert code == 0, capsys.readouterr().err
