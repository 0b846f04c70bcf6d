"""frictionless's metadata check of a descriptor, beside the rest of the validation.

Where frictionless is not loaded yet (a fresh ``contratville-data validate``), a descriptor within
the subset frictionless is shown to accept (``plain_metadata``) needs no check. For any other,
importing frictionless takes about as long as validating a million rows does, and a package whose
resources are all proven valid needs frictionless for this check alone: such a process runs the
check in a child process, on the other core, while it checks the files. A process that has
imported frictionless (a test suite, a notebook) runs it in place, where it costs little. The
problems are the same either way: the child runs ``profile_problems`` and sends them back as JSON.
If the child cannot be started or answers nothing readable, the check runs in place.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor

from ..problems import Problem
from .descriptor import shorten
from .offline import offline
from .plain_metadata import plain_metadata, third_party_plugins


def profile_problems(descriptor: dict) -> list[Problem]:
    """The descriptor against the Data Package profile (frictionless), without reading any data."""
    from frictionless import Package

    metadata_only = {**descriptor, "resources": [{k: v for k, v in r.items() if k != "schema"}
                                                 for r in descriptor["resources"]]}
    try:
        return [Problem(error.type, shorten(error.message), file="datapackage.json")
                for error in Package.metadata_validate(metadata_only)]
    except Exception as err:  # noqa: BLE001 - frictionless raises many types on hostile descriptors
        return [Problem("package-error", shorten(f"frictionless cannot read the descriptor: {err}"),
                        file="datapackage.json")]


class ProfileCheck:
    """The metadata check of a descriptor: in place now, none (plain), or in a child process started now."""

    def __init__(self, descriptor: dict, allow_remote: bool, *, in_place: bool | None = None):
        """``in_place``: True or False to choose; None: in place when frictionless is already imported."""
        self.descriptor = descriptor
        self.found: list[Problem] | None = None
        self.child: subprocess.Popen | None = None
        if in_place is None:
            in_place = "frictionless" in sys.modules
        if not in_place and plain_metadata(descriptor) and not third_party_plugins():
            self.found = []
            return
        try:
            sent = None if in_place or not sys.executable else json.dumps(descriptor).encode("utf-8")
            if sent is not None:
                self.child = subprocess.Popen(
                    [sys.executable, "-m", __name__, *(["--allow-remote"] if allow_remote else [])],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError, RecursionError):  # no interpreter to start, or nothing JSON can send
            self.child = None
        if self.child is None:
            self.found = profile_problems(descriptor)
            return
        talk = ThreadPoolExecutor(1, thread_name_prefix="metadata-check")
        self.answer: Future = talk.submit(self.child.communicate, sent)
        talk.shutdown(wait=False)

    def problems(self) -> list[Problem]:
        """The problems found (waiting for the child if need be)."""
        if self.found is None:
            try:
                output, _ = self.answer.result()
                if self.child is not None and self.child.returncode == 0:
                    self.found = [Problem(**p) for p in json.loads(output)]
            except Exception:  # noqa: BLE001 - whatever the child sent, the check runs again in place
                self.found = None
            finally:
                self.close()
            if self.found is None:
                self.found = profile_problems(self.descriptor)
        return self.found

    def close(self) -> None:
        """Stop the child, if it still runs."""
        if self.child is not None:
            self.child.kill()
            self.child.wait()


def _main() -> None:
    """The child: a descriptor on standard input, its problems as JSON on standard output.

    A short-lived process reading one bounded descriptor: it collects no cycles (importing
    frictionless alone runs some ninety collections).
    """
    gc.disable()
    descriptor = json.loads(sys.stdin.buffer.read())
    with offline("--allow-remote" in sys.argv):
        found = profile_problems(descriptor)
    sys.stdout.write(json.dumps([p.to_dict() for p in found]))


if __name__ == "__main__":
    _main()
