"""Windows reserved device names, which can never be a file's name there.

`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9` (and `COM¹`…`LPT³`) name devices in every
folder, in any case and with any extension: opening `nul.txt` opens the null device, and
`COM1.docx` a serial port. A trailing space or dot before the extension changes nothing (`CON .pdf`
is still the console). So a name given by a user that is to become a file is refused with this
check on every OS, and a folder copied from Linux to Windows never holds one.
"""

from __future__ import annotations

from pathlib import PurePath

DIGITS = "0123456789¹²³"
RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in DIGITS}
)


def is_device_name(name: str) -> bool:
    """Whether Windows takes this file name (a name, not a path) for a device."""
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in RESERVED


def device_name_problem(path: str | PurePath, what: str = "имя файла") -> str | None:
    """Why the last part of `path` cannot be a file name on Windows, or None."""
    name = PurePath(path).name or str(path)
    # A Windows path given on Linux still has backslashes: take the part after the last one.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not is_device_name(name):
        return None
    return (
        f"{what} «{name}»: в Windows это имя устройства "
        f"({name.split('.', 1)[0].rstrip(' ').upper()}), файл с таким именем там не сохранить: "
        "выберите другое имя"
    )
