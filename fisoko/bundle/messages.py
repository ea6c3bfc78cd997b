"""The start scripts' Russian messages, printed by Python so that cmd.exe's code page never
garbles them (start.cmd itself stays ASCII): `python -m fisoko.bundle.messages KEY`."""

import sys

from fisoko import console

MESSAGES = {
    "first-run": "Первый запуск: устанавливаю пакеты из папки wheels (интернет не нужен)...",
    "no-venv": "ОШИБКА: не удалось создать окружение .venv. Переустановите Python с python.org.",
    "no-wheels": "ОШИБКА: не удалось установить пакеты из папки wheels. Распакуйте архив заново.",
    "failed": "ОШИБКА: сервер завершился с ошибкой (причина — в строках выше).",
}


def main(argv: list[str]) -> None:
    console.never_fail_to_encode()
    print(MESSAGES.get(argv[0] if argv else "", "ОШИБКА"))


if __name__ == "__main__":
    main(sys.argv[1:])
