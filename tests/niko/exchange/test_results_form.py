"""The results form check: each kind of refusal, the bounds, and a good form in CSV and XLSX."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from fisoko.niko.exchange import results_form, upload_store, upload_views
from fisoko.niko.exchange.results_form import FormRefused, FormSpec, check, column_letter
from fisoko.niko.exchange.uploads import folder as uploads_folder
from tests.helpers import csrf_token
from tests.niko.exchange.test_upload_refusal import alert_of, selected_step
from tests.niko.exchange.test_uploads import files_in, records, send

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "materials" / "forma-sbora-rezultatov.csv"
# the columns of the shipped template (materials/), which the checked form must keep
COLUMNS = tuple(TEMPLATE.read_text(encoding="utf-8-sig").splitlines()[0].split(";"))
SPEC = FormSpec(
    COLUMNS,
    "Код участника",
    {"Задание 1": 1, "Задание 2": 2, "Задание 3": 2, "Задание 4": 3, "Задание 5": 4},
)
ISSUED = {"10001", "10002", "10003"}


def as_csv(rows: list[list[object]]) -> bytes:
    return "\n".join(";".join(str(c) for c in row) for row in rows).encode("utf-8-sig")


def as_xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    list(COLUMNS),
    [10001, 8, 1, 1, 2, 0, 3, 4, "да"],
    [10002, 8, 2, 0, 1, 2, "", 1, "нет"],
]


def refused(data: bytes, name: str = "form.csv") -> list[str]:
    with pytest.raises(FormRefused) as caught:
        check(data, name, SPEC, ISSUED)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("pack,name", [(as_csv, "f.csv"), (as_xlsx, "f.XLSX")])
def test_a_good_form_gives_its_participant_count(pack, name):
    assert check(pack(GOOD), name, SPEC, ISSUED) == 2


def test_a_windows_1251_csv_with_commas_is_read():
    data = "\n".join(",".join(str(c) for c in row) for row in GOOD).encode("cp1251")
    assert check(data, "f.csv", SPEC, ISSUED) == 2


def test_the_shipped_empty_template_is_refused():
    problems = refused(TEMPLATE.read_bytes())
    assert problems == ["Это пустой шаблон формы: ни у одного участника нет баллов"]


def test_the_template_example_codes_look_like_issued_codes():
    rows = TEMPLATE.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert rows and all(len(r.split(";")[0]) == 5 for r in rows)


def test_other_columns_are_named_by_letter():
    header = list(COLUMNS[:-1]) + ["Лишний"]
    problems = refused(as_csv([header, GOOD[1]]))
    assert problems[0] == (
        "Строка 1, столбец I: столбец «Лишний» вместо «Анкета заполнена (да/нет)» из формы"
    )
    short = refused(as_csv([list(COLUMNS[:7]), GOOD[1]]))
    assert short == [
        "Строка 1, столбец H: нет столбца «Задание 5»",
        "Строка 1, столбец I: нет столбца «Анкета заполнена (да/нет)»",
    ]
    extra = refused(as_csv([list(COLUMNS) + ["Ещё"], GOOD[1]]))
    assert extra == ["Строка 1, столбец J: лишний столбец «Ещё»"]


def test_codes_not_issued_missing_or_repeated_are_each_listed():
    rows = [
        list(COLUMNS),
        [99999, 8, 1, 1, 1, 1, 1, 1, "да"],
        ["", 8, 1, 1, 1, 1, 1, 1, "да"],
        [10001, 8, 1, 1, 1, 1, 1, 1, "да"],
        [10001, 8, 1, 1, 1, 1, 1, 1, "да"],
    ]
    assert refused(as_csv(rows)) == [
        "Строка 2, столбец A: код участника 99999 школа не выдавала",
        "Строка 3, столбец A: нет кода участника",
        "Строка 5, столбец A: код участника 10001 уже был в строке 4",
    ]


@pytest.mark.parametrize("pack,name", [(as_csv, "f.csv"), (as_xlsx, "f.xlsx")])
def test_scores_outside_the_range_or_not_numbers_are_listed(pack, name):
    rows = [list(COLUMNS), [10001, 8, 1, 2, -1, "много", 3, 4, "да"]]
    assert refused(pack(rows), name) == [
        "Строка 2, столбец D: балл 2 вне диапазона от 0 до 1",
        "Строка 2, столбец E: балл -1 вне диапазона от 0 до 2",
        "Строка 2, столбец F: балл «много» не целое число",
    ]


def test_a_form_over_the_row_limit_names_the_limit(monkeypatch):
    rows = [list(COLUMNS)] + [[10001, 8, 1, 1, 1, 1, 1, 1, "да"]] * (results_form.MAX_ROWS + 1)
    assert refused(as_csv(rows)) == ["В форме больше 10 000 строк участников"]


def test_exactly_the_row_limit_is_read_to_the_end():
    issued = {str(10000 + n) for n in range(results_form.MAX_ROWS)}
    rows = [list(COLUMNS)] + [[c, 8, 1, 1, 1, 1, 1, 1, "да"] for c in sorted(issued)]
    assert check(as_csv(rows), "f.csv", SPEC, issued) == results_form.MAX_ROWS


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", as_xlsx(GOOD)[:200], b"PK\x05\x06" + b"\0" * 18],
    ids=["text", "truncated", "empty-zip"],
)
def test_a_malformed_xlsx_is_refused_in_russian(data):
    assert refused(data, "f.xlsx") == ["Файл не открывается как таблица XLSX"]


def test_an_xlsx_too_big_unpacked_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(results_form, "MAX_UNPACKED", 1000)
    assert refused(as_xlsx(GOOD), "f.xlsx") == ["Таблица XLSX слишком велика в распакованном виде"]


def test_an_empty_file_is_refused():
    assert refused(b"") == ["Файл пустой: в нём нет даже заголовка формы"]


def test_only_csv_and_xlsx_are_checked():
    assert results_form.is_checked("Форма.XLSX") and results_form.is_checked("a.csv")
    assert not results_form.is_checked("scan.pdf")


def test_column_letters():
    assert [column_letter(i) for i in (0, 8, 25, 26, 27)] == ["A", "I", "Z", "AA", "AB"]


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert refused(out.getvalue(), "f.xlsx") == ["Файл не открывается как таблица XLSX"]


def test_padded_and_plain_scores_give_the_same_answer():
    plain = [list(COLUMNS), [10001, 8, 1, 1, 2, 0, 3, 4, "да"]]
    padded = [list(COLUMNS), [" 10001 ", 8, 1, " 1", "2 ", " 0 ", "3", " 4", "да"]]
    assert check(as_csv(plain), "f.csv", SPEC, ISSUED) == 1
    assert check(as_csv(padded), "f.csv", SPEC, ISSUED) == 1
    over = [list(COLUMNS), [10001, 8, 1, " 5 ", 2, 0, 3, 4, "да"]]
    assert refused(as_csv(over)) == ["Строка 2, столбец D: балл 5 вне диапазона от 0 до 1"]


def test_values_beyond_the_form_columns_are_listed_but_empty_ones_ignored():
    rows = [list(COLUMNS), GOOD[1] + ["", "  "], GOOD[2] + ["", "x"]]
    assert refused(as_csv(rows)) == ["Строка 3, столбец K: значение вне столбцов формы"]


# --- checked on upload: the step with `results_form:` (the demo's upload-form) ----------------

UPLOAD_DAY = dt.date(2027, 3, 20)  # upload-form takes files, the study is on


@pytest.fixture
def school(app, login_as):
    app.config["TODAY"] = UPLOAD_DAY
    return login_as("edu770001")


def issue_codes(client, count: int = 3, school_class: str = "8А") -> list[str]:
    """Issue codes through the codes page and read them back from codes.csv."""
    token = csrf_token(client, "/cabinet/niko/codes")
    response = client.post(
        "/cabinet/niko/codes", data={"csrf_token": token, "class": school_class, "count": count}
    )
    assert response.status_code == 302
    lines = client.get("/cabinet/niko/codes.csv").get_data().decode("utf-8-sig").splitlines()
    return [line.split(";")[1] for line in lines[1:] if line.split(";")[0] == school_class]


def form_of(codes: list[str], scores=(1, 2, 0, 3, 4)) -> list[list[object]]:
    return [list(COLUMNS)] + [[code, 8, 1, *scores, "да"] for code in codes]


def refused_upload(app, client, name: str, data: bytes) -> tuple[str, str]:
    """Upload to the form's step; it must be refused in place with 400: (message, page)."""
    response = send(client, name=name, data=data, step="upload-form")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert 'aria-current="page">НИКО</a>' in page
    assert selected_step(page) == "upload-form"
    assert records(app) == [] and files_in(app) == []
    return alert_of(page), page


@pytest.mark.parametrize("pack, name", [(as_csv, "Форма 8А.csv"), (as_xlsx, "Форма 8А.xlsx")])
def test_a_good_form_is_stored_with_its_participant_count(app, school, pack, name):
    codes = issue_codes(school)
    response = send(school, name=name, data=pack(form_of(codes)), step="upload-form")
    assert response.status_code == 302
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Участников в форме: 3." in page  # the flash
    assert name in page and "Форма проверена, участников: 3" in page
    assert len(records(app)) == 1 and len(files_in(app)) == 1


@pytest.mark.parametrize("name, data", [("скан формы.pdf", b"%PDF-1.4"), ("фото.png", b"\x89PNG")])
def test_other_types_on_the_forms_step_are_stored_unchecked(app, school, name, data):
    assert send(school, name=name, data=data, step="upload-form").status_code == 302
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert name in page and "Форма проверена" not in page
    assert len(records(app)) == 1


def test_the_empty_template_is_refused(app, school):
    issue_codes(school)
    message, page = refused_upload(app, school, "шаблон.csv", TEMPLATE.read_bytes())
    assert "Форма сбора результатов не принята" in message and "Файл не сохранён" in message
    assert "Это пустой шаблон формы: ни у одного участника нет баллов" in message
    assert "Строка 2, столбец A: код участника 10001 школа не выдавала" in message


def test_other_columns_are_refused_column_by_column(app, school):
    codes = issue_codes(school)
    rows = form_of(codes)
    rows[0] = ["Код", *COLUMNS[1:], "Подпись"]
    message, _ = refused_upload(app, school, "форма.csv", as_csv(rows))
    assert "Строка 1, столбец A: столбец «Код» вместо «Код участника» из формы" in message
    assert "Строка 1, столбец J: лишний столбец «Подпись»" in message


def test_a_code_the_school_did_not_issue_is_refused(app, school, login_as):
    codes = issue_codes(school)
    theirs = issue_codes(login_as("edu770002"), 1)
    rows = form_of([codes[0], "99999", *theirs])
    message, _ = refused_upload(app, school, "форма.xlsx", as_xlsx(rows))
    assert "замечаний: 2" in message
    assert "Строка 3, столбец A: код участника 99999 школа не выдавала" in message
    assert f"Строка 4, столбец A: код участника {theirs[0]} школа не выдавала" in message


def test_a_score_outside_its_range_is_refused(app, school):
    codes = issue_codes(school)
    rows = form_of(codes)
    rows[2][3], rows[3][7] = 5, "много"
    message, _ = refused_upload(app, school, "форма.csv", as_csv(rows))
    assert "Строка 3, столбец D: балл 5 вне диапазона от 0 до 4" in message
    assert "Строка 4, столбец H: балл «много» не целое число" in message


def test_a_form_over_10000_rows_is_refused_naming_the_limit(app, school):
    codes = issue_codes(school)
    rows = [list(COLUMNS)] + [[codes[0], 8, 1, 1, 1, 1, 1, 1, "да"]] * (results_form.MAX_ROWS + 1)
    message, _ = refused_upload(app, school, "большая.csv", as_csv(rows))
    assert "В форме больше 10 000 строк участников" in message


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not really a workbook", b"", "простой текст".encode()],
    ids=["broken-zip", "empty", "text"],
)
def test_a_malformed_xlsx_is_refused(app, school, data):
    if not data:
        response = send(school, name="форма.xlsx", data=data, step="upload-form")
        assert response.status_code == 400 and "Файл пустой" in response.get_data(as_text=True)
        return
    message, _ = refused_upload(app, school, "форма.xlsx", data)
    assert "Файл не открывается как таблица XLSX" in message


def test_a_csv_that_is_no_table_is_refused_not_a_500(app, school):
    data = ";".join(COLUMNS).encode() + b'\r\n10001;"' + b"x" * 200_000 + b'"\r\n'
    message, _ = refused_upload(app, school, "форма.csv", data)  # a cell over csv's limit
    assert "не читается как CSV" in message


def test_many_problems_are_counted_and_the_first_ones_listed(app, school):
    rows = [list(COLUMNS)] + [[str(20000 + n), 8, 1, 1, 1, 1, 1, 1, "да"] for n in range(600)]
    message, page = refused_upload(app, school, "форма.csv", as_csv(rows))
    assert "замечаний: 600" in message
    assert page.count("школа не выдавала") == upload_views.SHOWN_PROBLEMS
    assert "…и ещё 100" in message


def test_the_check_reads_the_uploads_temporary_file(app, school, monkeypatch):
    """Bounded memory: the check streams the file already written to disk, not the body."""
    codes = issue_codes(school)
    seen = []
    real = results_form.check_file

    def spying(path, **kwargs):
        seen.append((path.parent, path.name.startswith(upload_store.TEMP_PREFIX)))
        return real(path, **kwargs)

    monkeypatch.setattr(results_form, "check_file", spying)
    monkeypatch.setattr(results_form, "check", None)  # the in-memory reader is not used
    assert send(school, name="ф.csv", data=as_csv(form_of(codes)), step="upload-form").status_code
    assert seen == [(uploads_folder(app), True)]
    assert len(records(app)) == 1
