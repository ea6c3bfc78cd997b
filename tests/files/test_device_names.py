"""Windows device names are refused wherever a user's name becomes a file."""

from __future__ import annotations

import pytest
import yaml

from app import create_app
from fisoko.files.device_names import device_name_problem, is_device_name
from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.model import load_content
from fisoko.settings import BASE_DIR


@pytest.mark.parametrize(
    "name",
    ["CON", "con.pdf", "Nul.txt", "PRN.docx", "aux", "COM1.docx", "com9.xlsx", "LPT1",
     "lpt9.tar.gz", "CON .pdf", "nul..txt", "COM¹.pdf", "CONIN$", "conout$.txt"],
)  # fmt: skip
def test_device_names_in_any_case_with_any_extension(name):
    assert is_device_name(name)


@pytest.mark.parametrize(
    "name",
    ["CONTENT.pdf", "con-tract.pdf", "COM10.txt", "LPT.txt", "nul_list.csv", "icon.png",
     "Консультация.pdf", "aux_plan.docx", ".con"],
)  # fmt: skip
def test_ordinary_names_pass(name):
    assert not is_device_name(name)


def test_the_problem_names_the_last_part_of_a_path():
    problem = device_name_problem("D:\\niko\\out\\Con.csv", "файл с паролями")
    assert problem.startswith("файл с паролями «Con.csv»: в Windows это имя устройства (CON)")
    assert device_name_problem("/srv/niko/accounts.yaml") is None
    assert device_name_problem("/srv/nul/accounts.yaml") is None  # only the file's own name


def test_a_content_file_with_a_device_name_is_refused_with_its_line(tmp_path):
    text = (BASE_DIR / "content" / "niko.yaml").read_text(encoding="utf-8")
    first = yaml.safe_load(text)["materials"][0]["file"]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if f"file: {first}" in row)
    bad = tmp_path / "niko.yaml"
    bad.write_text(text.replace(f"file: {first}", "file: nul.PDF", 1), encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        load_content(bad)
    expected = (
        f"{bad}:{line}: файл «nul.PDF»: в Windows это имя устройства (NUL), файл с таким "
        "именем там не сохранить: выберите другое имя"
    )
    # Publications that link to the renamed material are reported too; the device name is ours.
    problems = [str(p) for p in caught.value.problems]
    assert expected in problems
    assert all("имя устройства" not in p for p in problems if p != expected)


@pytest.mark.parametrize("key", ["ACCOUNTS", "CONTENT", "AUDIT_LOG"])
def test_settings_naming_a_device_stop_the_start(app_config, capsys, key):
    with pytest.raises(SystemExit) as caught:
        create_app({**app_config, key: "C:\\niko\\AUX.log"})
    assert caught.value.code == 1
    assert f"FISOKO_{key}: имя файла «AUX.log»: в Windows это имя устройства (AUX)" in (
        capsys.readouterr().err
    )


def test_import_refuses_a_device_name_for_the_credentials(runner, accounts_file, tmp_path):
    source = tmp_path / "s.csv"
    source.write_text("login,name\nedu770101,Школа 101\n", encoding="utf-8")
    before = accounts_file.read_bytes()
    result = runner.invoke(args=["accounts", "import", str(source), "--out", "com1.csv"])
    assert result.exit_code == 1
    assert "файл с паролями «com1.csv»: в Windows это имя устройства (COM1)" in result.output
    assert accounts_file.read_bytes() == before


def test_the_accounts_option_refuses_a_device_name(runner):
    result = runner.invoke(args=["accounts", "--accounts", "NUL", "check"])
    assert result.exit_code == 1
    assert "файл учётных записей «NUL»: в Windows это имя устройства (NUL)" in result.output
