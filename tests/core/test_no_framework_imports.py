"""The domain core must stay importable without Django or any other framework.

Each module is imported in a fresh interpreter, because in this process the
test runner has usually imported Django already.
"""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import tandem.core

CORE_DIR = Path(tandem.core.__file__).parent
SRC_DIR = CORE_DIR.parent.parent
MODULES = ["tandem.core"] + [
    f"tandem.core.{info.name}" for info in pkgutil.iter_modules([str(CORE_DIR)])
]

CHECK = (
    "import importlib, sys\n"
    "importlib.import_module({module!r})\n"
    "loaded = sorted({{m.split('.')[0] for m in sys.modules}} & {{'django', 'ninja', 'huey'}})\n"
    "assert not loaded, f'{module} pulled in {{loaded}}'\n"
)


def test_every_core_module_is_checked() -> None:
    assert {"tandem.core.errors", "tandem.core.lifecycle", "tandem.core.conditions"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_core_module_imports_no_framework(module: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))

    completed = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
