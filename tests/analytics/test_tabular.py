"""Reading real exports and deciding column types, the way spreadsheets write them."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.analytics.tabular import (
    TabularError,
    clean,
    clean_with_notes,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_reads_excel_style_semicolons_with_bom_and_crlf(tmp_path: Path) -> None:
    raw = "\ufeffName;Amount;City\r\nAda;1.234,5;Zürich\r\nBo;12,5;Köln".encode()

    table = read_table(write(tmp_path / "export.csv", raw))

    assert list(table.columns) == ["Name", "Amount", "City"]
    assert table.to_dict("list") == {
        "Name": ["Ada", "Bo"],
        "Amount": ["1.234,5", "12,5"],
        "City": ["Zürich", "Köln"],
    }


def test_reads_the_sep_line_excel_writes(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "e.csv", b"sep=|\na|b\n1,5|x\n"))

    assert table.to_dict("list") == {"a": ["1,5"], "b": ["x"]}


def test_reads_tabs_quotes_and_newlines_inside_quotes(tmp_path: Path) -> None:
    raw = b'id\tnote\n1\t"said ""hi""\tthen\nleft"\n2\tplain\n'

    table = read_table(write(tmp_path / "t.tsv", raw))

    assert table["note"].tolist() == ['said "hi"\tthen\nleft', "plain"]


def test_reads_windows_1252_and_drops_excels_empty_last_column(tmp_path: Path) -> None:
    raw = "Name,City,\r\nRené,Malmö,\r\n".encode("cp1252")

    table = read_table(write(tmp_path / "w.csv", raw))

    assert table.to_dict("list") == {"Name": ["René"], "City": ["Malmö"]}


def test_reads_gzip_and_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.5, None], "b": ["x", "y"]})
    frame.to_parquet(tmp_path / "t.parquet")
    write(tmp_path / "t.csv.gz", gzip.compress(b"a,b\n1.5,x\n,y\n"))

    from_parquet = read_table(tmp_path / "t.parquet")
    from_gzip = read_table(tmp_path / "t.csv.gz")

    pd.testing.assert_frame_equal(from_parquet, frame)
    assert from_gzip.to_dict("list") == {"a": ["1.5", ""], "b": ["x", "y"]}


def test_a_row_with_too_many_cells_names_the_row(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.csv", b"a,b\n1,2\n3,4,5\n")

    with pytest.raises(TabularError) as error:
        read_table(path)

    assert error.value.row == 3
    assert str(error.value).startswith("leads.csv, row 3: has 3 cells but the header has 2")


def test_a_repeated_column_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TabularError) as error:
        read_table(write(tmp_path / "d.csv", b"Email,Name,Email\nx,y,z\n"))

    assert error.value.column == "Email"
    assert "columns 1 and 3" in str(error.value)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\r\n \r\n", "the file is empty"),
        ("sheet.xlsx", b"PK\x03\x04", "save the sheet as CSV"),
        ("bad.parquet", b"not parquet", "not a readable Parquet file"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(TabularError, match=message) as error:
        read_table(write(tmp_path / name, data))

    assert str(error.value).startswith(f"{name}: ")


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match=r"nope.csv: file not found"):
        read_table(tmp_path / "nope.csv")


def test_clean_turns_placeholders_into_missing_and_trims() -> None:
    raw = pd.DataFrame({"Specialization": [" Finance ", "Select", "", "n/a", "-", "IT"] * 5})

    column = clean(raw)["Specialization"]

    assert column.iloc[:6].isna().tolist() == [False, True, True, True, True, False]
    assert column.iloc[:6].dropna().tolist() == ["Finance", "IT"]


def test_clean_reads_numbers_written_as_text() -> None:
    raw = pd.DataFrame(
        {
            "visits": ["3", " 12 ", "", "1,234", "Select"],
            "share": ["12.5%", "3%", "100 %", "", "0.5%"],
            "price": ["$99", "€1,250.00", "(1,234)", "99 EUR", "0"],
        }
    )

    cleaned = clean(raw)

    np.testing.assert_array_equal(cleaned["visits"], [3, 12, np.nan, 1234, np.nan])
    np.testing.assert_array_equal(cleaned["share"], [12.5, 3, 100, np.nan, 0.5])
    np.testing.assert_array_equal(cleaned["price"], [99, 1250, -1234, 99, 0])


def test_clean_reads_a_decimal_comma_only_when_a_cell_proves_it() -> None:
    english = pd.Series(["1,234", "2,500", "17"])
    german = pd.Series(["1,234", "2,5", "1.000"])
    mixed = pd.Series(["1,234.5", "2,5"])

    assert parse_numbers(english).tolist() == [1234, 2500, 17]
    assert parse_numbers(german).tolist() == [1.234, 2.5, 1000]
    assert parse_numbers(mixed).isna().all()


def test_mostly_numeric_columns_report_the_cells_they_could_not_read() -> None:
    raw = pd.DataFrame({"visits": [str(i) for i in range(40)] + ["lots"]})

    cleaned, notes = clean_with_notes(raw)

    assert cleaned["visits"].dtype == "float64"
    assert np.isnan(cleaned["visits"].iloc[-1])
    assert [str(note) for note in notes] == [
        "'visits': 1 of 41 values are not numbers and were treated as missing (e.g. 'lots')"
    ]


def test_columns_with_leading_zeros_stay_text() -> None:
    cleaned = clean(pd.DataFrame({"zip": ["02134", "10001", "94105"]}))

    assert cleaned["zip"].tolist() == ["02134", "10001", "94105"]


def test_mostly_text_columns_stay_text() -> None:
    cleaned = clean(pd.DataFrame({"plan": ["2", "3", "pro", "basic"]}))

    assert cleaned["plan"].tolist() == ["2", "3", "pro", "basic"]


def test_yes_no_columns_become_zero_one() -> None:
    raw = pd.DataFrame(
        {"Do Not Email": ["No", "Yes", "no", ""], "flag": ["TRUE", "false", "True", "N/A"]}
    )

    cleaned = clean(raw)

    np.testing.assert_array_equal(cleaned["Do Not Email"], [0, 1, 0, np.nan])
    np.testing.assert_array_equal(cleaned["flag"], [1, 0, 1, np.nan])


def test_typed_columns_keep_their_values() -> None:
    raw = pd.DataFrame(
        {"n": [1, 2], "b": [True, False], "when": pd.to_datetime(["2024-01-01"] * 2)}
    )

    cleaned = clean(raw)

    assert cleaned["n"].tolist() == [1, 2]
    assert cleaned["b"].tolist() == [1.0, 0.0]
    assert cleaned["when"].dtype.kind == "M"


def test_unambiguous_dates_are_read_and_ambiguous_ones_stay_text() -> None:
    iso = parse_dates(pd.Series(["2016-10-20", "2017-03-01T10:30:00Z", None]))
    day_first = parse_dates(pd.Series(["20/10/2016", "03/01/2017"]))
    ambiguous = clean(pd.DataFrame({"d": ["10/12/2016", "03/01/2017"]}))

    assert iso.tolist()[:2] == [pd.Timestamp("2016-10-20"), pd.Timestamp("2017-03-01 10:30")]
    assert day_first.tolist() == [pd.Timestamp("2016-10-20"), pd.Timestamp("2017-01-03")]
    assert ambiguous["d"].tolist() == ["10/12/2016", "03/01/2017"]


def test_extra_missing_tokens_and_the_callers_index_are_kept() -> None:
    raw = pd.DataFrame({"stage": ["Won", "Open", "Lost"]}, index=[7, 7, 3])

    cleaned = clean(raw, extra_missing=["open"])

    assert cleaned.index.tolist() == [7, 7, 3]
    assert cleaned["stage"].isna().tolist() == [False, True, False]


def test_clean_is_idempotent_on_the_real_export_shape() -> None:
    raw = pd.DataFrame(
        {
            "TotalVisits": ["0", "5", "", "2"],
            "Lead Source": ["Google", "Select", "Reference", "google"],
            "Search": ["No", "No", "Yes", "No"],
        }
    )

    once = clean(raw)

    pd.testing.assert_frame_equal(clean(once), once)


def test_require_columns_lists_what_is_there_and_suggests() -> None:
    frame = pd.DataFrame(columns=["Lead Source", "Converted", "TotalVisits"])

    with pytest.raises(TabularError) as error:
        require_columns(frame, ["Convertd"], purpose="for the outcome")

    assert str(error.value) == (
        "column 'Convertd': no column named 'Convertd' for the outcome. Did you mean "
        "'Converted'? "
        "The columns are: 'Lead Source', 'Converted', 'TotalVisits'"
    )


@settings(max_examples=50)
@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=20))
def test_thousands_separators_read_back_exactly(values: list[int]) -> None:
    written = pd.Series([f"{v:,}" for v in values])

    assert parse_numbers(written).tolist() == [float(v) for v in values]


@settings(max_examples=50)
@given(
    st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3)),
        min_size=1,
        max_size=20,
    )
)
def test_plain_decimals_read_back_exactly(values: list[float]) -> None:
    written = pd.Series([repr(v) for v in values])

    assert parse_numbers(written).tolist() == values
