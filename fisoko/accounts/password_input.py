"""A password given on standard input (`--password-stdin`), taken as the person meant it or refused.

What a pipe carries depends on the shell that feeds it:
- Linux shells (and PowerShell 7) send UTF-8: `echo 'Пароль-10' | python app.py ...`.
- cmd.exe's `echo Пароль-10 | ...` sends the console's code page (866 on a Russian Windows), and
  the space before `|` is part of the line. After `chcp 65001` it sends UTF-8.
- Windows PowerShell 5.1 sends ASCII unless `$OutputEncoding` says otherwise: every letter it
  cannot send, Cyrillic included, arrives as `?`; with `[Text.Encoding]::UTF8` it sends UTF-8
  after a byte order mark.

So the line is read as bytes and must be UTF-8 (a leading BOM is dropped). Bytes in a console
code page are refused rather than guessed: cp866 and cp1251 both turn any bytes into some text, and
a wrong guess stores a password nobody can type. Spaces and tabs around the password are dropped
(the password rules refuse a password that begins or ends with a space, so none is lost), and a
`?` is refused: it is what PowerShell 5.1 leaves of a letter, and such a password is set at the
prompt instead.
"""

from __future__ import annotations

from typing import BinaryIO, TextIO

BOM = b"\xef\xbb\xbf"
AT_THE_PROMPT = "введите пароль по запросу (запустите команду без --password-stdin)"


class Refused(ValueError):
    """The line on stdin cannot be taken as the password meant; the message says what to do."""


def password_from_line(line: bytes) -> str:
    """The password a line of stdin holds, or Refused with the reason and the way round it."""
    if line.startswith(BOM):
        line = line[len(BOM) :]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(
            "пароль на стандартном вводе не в UTF-8: cmd.exe передаёт его в кодовой странице "
            "консоли (866 для кириллицы); сначала выполните в этом окне «chcp 65001» "
            f"или {AT_THE_PROMPT}"
        ) from None
    password = text.rstrip("\r\n").strip(" \t")
    if "?" in password:
        raise Refused(
            "в пароле со стандартного ввода не должно быть «?»: Windows PowerShell 5.1 "
            "заменяет знаком «?» каждую букву, которую не может передать (и кириллицу); "
            "если дело в этом, сначала выполните $OutputEncoding = [Text.Encoding]::UTF8, или "
            + AT_THE_PROMPT
        )
    return password


def read_password_line(stream: BinaryIO | TextIO | None) -> str:
    """Read one line of stdin (its bytes, where it has them) as a password; Refused when there
    is none."""
    if stream is None:
        line = b""
    elif hasattr(stream, "buffer"):
        line = stream.buffer.readline()
    else:
        line = stream.readline()
        if isinstance(line, str):  # a text-only stream: its text was decoded already
            line = line.encode("utf-8", "surrogateescape")
    if not line:
        raise Refused("на стандартном вводе нет пароля")
    return password_from_line(line)
