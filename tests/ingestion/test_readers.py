"""Reading uploads: real format from the bytes, encodings, separators, every sheet, and clear refusals."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest

from ingestion.etl.errors import IngestError
from ingestion.etl.readers import decode_text, decoding_penalty, read_table, sniff_delimiter


@pytest.fixture(autouse=True)
def _back_to_public():
    """Overrides the project-wide schema reset for this module only: these tests never touch Django or a database
    and run under ``-p no:django``, where no settings exist."""
    yield


def cells(sheet) -> list[list[object]]:
    """Rows as lists with None for empty cells, for exact comparisons."""
    return [[None if value != value else value for value in row] for row in sheet.rows.to_numpy().tolist()]


def read_one(path, filename=None, **limits):
    sheets = read_table(path, filename=filename or path.name, **limits)
    assert len(sheets) == 1
    return sheets[0]


# ---------------------------------------------------------------- encodings

ENCODED_FILES = [
    # (encoding used to write, encoding reported, text that must come back exactly)
    ("utf-8", "utf-8", "Señor Cañón|Müller|₹ 1,200|राम ट्रेडर्स"),
    ("utf-8-sig", "utf-8-sig", "Señor Cañón|Müller|₹ 1,200|café"),
    ("utf-16", "utf-16", "Señor Cañón|Müller|₹ 1,200|Zürich"),
    ("cp1252", "cp1252", "Señor Cañón|Müller|café|€ 5"),
    ("cp850", "cp850", "Señor Cañón|Müller|café|Ñandú"),
    ("iso8859-15", "iso8859-15", "Señor Cañón|Müller|Crème brûlée|12 €"),
]


@pytest.mark.parametrize(("encoding", "reported", "values"), ENCODED_FILES, ids=[e[0] for e in ENCODED_FILES])
def test_each_encoding_reads_back_exact_text(write_file, encoding, reported, values):
    expected = values.split("|")
    text = "Name,City\n" + "".join(f'"{value}",Pune\n' for value in expected)
    sheet = read_one(write_file("names.csv", text.encode(encoding)))
    assert sheet.encoding == reported
    assert cells(sheet)[0] == ["Name", "City"]  # no BOM glued to the first header
    assert [row[0] for row in cells(sheet)[1:]] == expected


def test_excel_unicode_text_export_is_utf16_with_tabs(write_file):
    text = "Party\tAmount\r\nराम ट्रेडर्स\t₹ 1,200\r\nSeñor Cañón\t₹ 5\r\n"
    sheet = read_one(write_file("export.txt", text.encode("utf-16")))
    assert sheet.delimiter == "\t"
    assert cells(sheet) == [["Party", "Amount"], ["राम ट्रेडर्स", "₹ 1,200"], ["Señor Cañón", "₹ 5"]]


def test_utf16_without_bom_is_recognised(write_file):
    sheet = read_one(write_file("export.txt", "Party\tAmount\nMüller\t5\n".encode("utf-16-le")))
    assert sheet.encoding == "utf-16-le"
    assert cells(sheet)[1] == ["Müller", "5"]


WORDS = ["Señor Cañón", "Müller", "café", "Zürich", "São Paulo", "Crème brûlée", "Øre", "naïve", "français"]


@pytest.mark.parametrize("encoding", ["cp1252", "cp850", "iso8859-15", "latin-1"])
@pytest.mark.parametrize("word", WORDS)
def test_scorer_picks_the_decoding_that_gives_real_letters(encoding, word):
    text, _ = decode_text(f"Customer,City\n{word},Pune\n".encode(encoding))
    assert word in text


def test_penalty_prefers_letters_over_currency_sign_garbage():
    cp850_bytes = "Rambla de Cataluña".encode("cp850")
    assert cp850_bytes.decode("cp1252") == "Rambla de Cataluña".replace("ñ", "¤")
    assert decoding_penalty(cp850_bytes.decode("cp850")) < decoding_penalty(cp850_bytes.decode("cp1252"))
    assert decoding_penalty(cp850_bytes.decode("cp850")) < decoding_penalty(cp850_bytes.decode("latin-1"))


def test_a_few_stray_bytes_in_a_utf8_file_do_not_turn_it_into_mojibake(write_file):
    data = "Name\nSeñor Cañón ₹\nMüller\n".encode() + b"Bad \x92 quote\n"
    sheet = read_one(write_file("mixed.csv", data))
    values = [row[0] for row in cells(sheet)]
    assert values[1:3] == ["Señor Cañón ₹", "Müller"]


@pytest.mark.sample_data
def test_public_sales_sample_is_cp850(sample_file):
    sheet = read_one(sample_file("sales_data_sample.csv"))
    assert sheet.encoding == "cp850"
    assert sheet.delimiter == ","
    assert sheet.rows.shape == (2824, 25)
    rows = cells(sheet)
    assert rows[0][:6] == ["ORDERNUMBER", "QUANTITYORDERED", "PRICEEACH", "ORDERLINENUMBER", "SALES", "ORDERDATE"]
    assert rows[1][:6] == ["10107", "30", "95.7", "2", "2871", "02/24/03"]
    text = sheet.rows.to_numpy().ravel().tolist()
    assert "Rambla de Cataluña, 23" in text
    assert "Martín" in text
    assert not any(isinstance(value, str) and "¤" in value for value in text)
    territories = set(sheet.rows[21].tolist()[1:])
    assert "NA" in territories  # North America, not a missing value


# ---------------------------------------------------------------- separators and quoting


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(write_file, delimiter):
    other = {",": ";", ";": ",", "\t": ",", "|": ","}[delimiter]
    lines = [["Date", "Party", "Amount"], ["01-04-2024", f"A{other} B", "1200.50"], ["02-04-2024", "C", "5"]]
    text = "".join(delimiter.join(line) + "\n" for line in lines)
    sheet = read_one(write_file("data.csv", text.encode()))
    assert sheet.delimiter == delimiter
    assert cells(sheet) == lines


def test_quoted_fields_keep_embedded_delimiters_newlines_and_quotes(write_file):
    text = 'Party,Address,Amount\n"Ravi Traders, Pune","Plot 4\nMIDC","1,23,456.78"\n"Say ""hi""",x,5\n'
    sheet = read_one(write_file("data.csv", text.encode()))
    assert cells(sheet) == [
        ["Party", "Address", "Amount"],
        ["Ravi Traders, Pune", "Plot 4\nMIDC", "1,23,456.78"],
        ['Say "hi"', "x", "5"],
    ]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas():
    assert sniff_delimiter("Date;Party;Amount\n1-4-24;A;1.234,50\n2-4-24;B;12,00\n") == ";"


def test_excel_sep_line_names_the_separator(write_file):
    sheet = read_one(write_file("data.csv", b"sep=|\nParty|Amount\nA, B|5\n"))
    assert sheet.delimiter == "|"
    assert cells(sheet) == [["Party", "Amount"], ["A, B", "5"]]


def test_title_lines_above_a_csv_table_are_kept_as_rows(write_file):
    text = "ABC Pvt Ltd\nSales Register\n1-Apr-24 to 31-Mar-25\nDate,Party,Amount\n1-4-24,A,5\n2-4-24,B,6\n"
    sheet = read_one(write_file("register.csv", text.encode()))
    assert cells(sheet) == [
        ["ABC Pvt Ltd", None, None],
        ["Sales Register", None, None],
        ["1-Apr-24 to 31-Mar-25", None, None],
        ["Date", "Party", "Amount"],
        ["1-4-24", "A", "5"],
        ["2-4-24", "B", "6"],
    ]
    assert list(sheet.rows.index) == [1, 2, 3, 4, 5, 6]


def test_rows_of_different_widths_in_the_middle_are_padded_not_lost(write_file):
    text = "Date,Party,Amount\n1-4-24,A,5\nnote line\n2-4-24,B,6,extra\n"
    sheet = read_one(write_file("ragged.csv", text.encode()))
    assert cells(sheet) == [
        ["Date", "Party", "Amount", None],
        ["1-4-24", "A", "5", None],
        ["note line", None, None, None],
        ["2-4-24", "B", "6", "extra"],
    ]


def test_csv_cells_that_look_like_formulas_stay_text(write_file):
    payloads = ['=HYPERLINK("http://evil.example","Click")', "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A2)"]
    text = "Note\n" + "".join('"' + value.replace('"', '""') + '"\n' for value in payloads)
    sheet = read_one(write_file("notes.csv", text.encode()))
    assert [row[0] for row in cells(sheet)[1:]] == payloads


def test_na_and_null_are_text_not_missing(write_file):
    sheet = read_one(write_file("codes.csv", b"Territory,Code\nNA,NULL\nEMEA,N/A\n"))
    assert cells(sheet)[1:] == [["NA", "NULL"], ["EMEA", "N/A"]]


# ---------------------------------------------------------------- workbooks


def test_every_visible_non_empty_sheet_of_a_workbook_is_read(build_xlsx):
    path = build_xlsx(
        {
            "Sales": [["Date", "Party", "Amount"], [datetime.date(2024, 4, 1), "Ravi Traders", 1200.5]],
            "Empty": [],
            "Secret": [["hidden", "data"]],
            "Returns": [["Returned", "Order ID"], ["Yes", "S/1"]],
        },
        hidden=["Secret"],
    )
    sheets = read_table(path, filename="register.xlsx")
    assert [sheet.name for sheet in sheets] == ["Sales", "Returns"]
    assert {sheet.file_format for sheet in sheets} == {"xlsx"}
    assert cells(sheets[0]) == [["Date", "Party", "Amount"], ["2024-04-01", "Ravi Traders", "1200.5"]]
    assert cells(sheets[1]) == [["Returned", "Order ID"], ["Yes", "S/1"]]


def test_workbook_cells_come_back_as_the_text_excel_shows(build_xlsx):
    path = build_xlsx(
        {
            "Data": [
                [
                    0.1 + 0.2,
                    731.9399999999999,
                    1.0,
                    -0.5,
                    datetime.datetime(2024, 4, 1, 10, 30),
                    True,
                    "  spaced  ",
                    45383,
                    "27AAPFU0939F1ZV",
                ]
            ]
        }
    )
    assert cells(read_one(path)) == [
        ["0.3", "731.94", "1", "-0.5", "2024-04-01 10:30:00", "TRUE", "  spaced  ", "45383", "27AAPFU0939F1ZV"]
    ]


def test_workbook_row_numbers_are_excel_row_numbers(build_xlsx):
    path = build_xlsx({"Data": [["Company"], [], ["Date", "Amount"], ["1-4-24", 5]]})
    sheet = read_one(path)
    assert list(sheet.rows.index) == [1, 2, 3, 4]
    assert cells(sheet)[2] == ["Date", "Amount"]


def test_formula_like_text_cells_in_a_workbook_stay_text(build_xlsx):
    path = build_xlsx(
        {"Data": [["Note"], [None], [None], [None]]},
        text_cells={
            ("Data", "A2"): '=HYPERLINK("http://evil.example","Click")',
            ("Data", "A3"): "=cmd|' /C calc'!A0",
            ("Data", "A4"): "@SUM(A1)",
        },
    )
    assert [row[0] for row in cells(read_one(path))] == [
        "Note",
        '=HYPERLINK("http://evil.example","Click")',
        "=cmd|' /C calc'!A0",
        "@SUM(A1)",
    ]


def test_formulas_give_their_cached_value_and_are_never_evaluated(build_raw_xlsx):
    path = build_raw_xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Total</t></is></c><c r="B1"><f>1+2</f><v>3</v></c>'
        '<c r="C1"><f>SUM(B1:B1)</f></c><c r="D1" t="str"><f>HYPERLINK("http://x","y")</f><v>y</v></c></row>'
    )
    assert cells(read_one(path)) == [["Total", "3", None, "y"]]


@pytest.mark.sample_data
def test_legacy_xls_workbook_reads_every_sheet(sample_file):
    sheets = read_table(sample_file("superstore.xls"), filename="superstore.xls")
    assert [(sheet.name, sheet.rows.shape) for sheet in sheets] == [
        ("Orders", (9995, 21)),
        ("Returns", (297, 2)),
        ("People", (5, 2)),
    ]
    assert {sheet.file_format for sheet in sheets} == {"xls"}
    orders = cells(sheets[0])
    assert orders[0][:4] == ["Row ID", "Order ID", "Order Date", "Ship Date"]
    assert orders[2][:4] == ["2", "CA-2013-152156", "2013-11-09", "2013-11-12"]
    assert orders[2][17] == "731.94"  # stored as 731.9399999999999


# ---------------------------------------------------------------- refusals, each with a message a user can act on


def refusal(path, filename=None, **limits) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read_table(path, filename=filename or path.name, **limits)
    return caught.value


def test_empty_file(write_file):
    error = refusal(write_file("sales.csv", b""))
    assert error.code == "empty"
    assert str(error).startswith("The file is empty")


def test_file_of_blank_lines_is_empty(write_file):
    assert refusal(write_file("sales.csv", b"\r\n\r\n  \n")).code == "empty"


def test_file_over_the_size_limit_names_the_limit_in_mb(write_file):
    error = refusal(write_file("big.csv", b"a,b\n" * 300_000), max_bytes=1024 * 1024)
    assert error.code == "too_large"
    assert "1 MB" in str(error)
    assert "1.1 MB" in str(error)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "an image (PNG)"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "an image (JPEG)"),
        (b"GIF89a\x01\x00\x01\x00", "an image (GIF)"),
    ],
)
def test_non_spreadsheets_renamed_to_xlsx_are_named(write_file, content, what):
    error = refusal(write_file("report.xlsx", content + b"\x00" * 64))
    assert str(error).startswith(f"This file looks like {what} renamed to .xlsx.")
    assert "Export the report from Tally" in str(error)


def test_pdf_with_its_own_name_is_called_a_pdf(write_file):
    assert str(refusal(write_file("report.pdf", b"%PDF-1.4\n"))).startswith("This file is a PDF, not a spreadsheet.")


def test_random_zip_renamed_to_xlsx(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoices/april.csv", "a,b\n1,2\n")
    error = refusal(write_file("report.xlsx", buffer.getvalue()))
    assert error.code == "zip"
    assert "zip archive" in str(error)
    assert "Unzip it" in str(error)


def test_word_document_renamed_to_xlsx(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "a Word document renamed to .xlsx" in str(refusal(write_file("report.xlsx", buffer.getvalue())))


def test_truncated_xlsx_is_damaged(build_xlsx, write_file):
    data = build_xlsx({"Sales": [["Date", "Amount"]] + [[f"{day}-4-24", day] for day in range(1, 29)]}).read_bytes()
    error = refusal(write_file("cut.xlsx", data[: len(data) // 2]))
    assert error.code == "damaged"
    assert "damaged" in str(error)


def test_xlsx_with_garbage_inside_is_damaged(write_file):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "this is not xml <<<")
        archive.writestr("[Content_Types].xml", "nor this")
    assert refusal(write_file("broken.xlsx", buffer.getvalue())).code == "damaged"


def test_encrypted_xlsx_is_password_protected(write_file):
    # Excel wraps a password-protected .xlsx in an OLE container holding EncryptionInfo and EncryptedPackage.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\x00")
    directory += "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    error = refusal(write_file("locked.xlsx", header + directory + b"\x00" * 1024))
    assert error.code == "encrypted"
    assert "password-protected" in str(error)


def test_really_encrypted_xlsx_is_password_protected(build_xlsx, write_file):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool builds a real encrypted file")
    plain = build_xlsx({"Sales": [["Date", "Amount"], ["1-4-24", 5]]})
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        ooxml.OOXMLFile(handle).encrypt("secret", encrypted)
    assert refusal(write_file("locked.xlsx", encrypted.getvalue())).code == "encrypted"


def test_zip_bomb_with_a_hugely_compressed_sheet_fails_before_parsing(build_raw_xlsx):
    path = build_raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', padding=30 * 1024 * 1024)
    assert path.stat().st_size < 100_000
    error = refusal(path, filename="bomb.xlsx")
    assert error.code == "unsafe_zip"
    assert "can't safely open" in str(error)


def test_workbook_declaring_an_absurd_sheet_size_is_read_by_its_cells(build_raw_xlsx):
    # Issue 23: a declared range of 17,179,869,184 cells with one real cell is formatting, not a zip bomb.
    path = build_raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576")
    assert cells(read_one(path, filename="huge.xlsx")) == [["1"]]


def test_workbook_whose_real_cells_pass_the_limit_fails_before_parsing(build_raw_xlsx):
    rows = "".join(f'<row r="{row}"><c r="A{row}"><v>{row}</v></c></row>' for row in range(1, 31))
    error = refusal(build_raw_xlsx(rows, dimension="A1:XFD1048576"), filename="huge.xlsx", max_cells=20)
    assert error.code == "too_many_cells"
    assert "has at least" in str(error)
    assert "we can read at most 20" in str(error)


def test_workbook_expanding_past_the_unzipped_limit_fails(build_raw_xlsx):
    path = build_raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', padding=2 * 1024 * 1024)
    error = refusal(path, filename="wide.xlsx", max_unzipped_bytes=1024 * 1024)
    assert error.code == "unsafe_zip"
    assert "expands to 2 MB" in str(error)


def test_csv_with_more_cells_than_allowed_fails(write_file):
    error = refusal(write_file("wide.csv", b"a,b,c,d\n" * 1000), max_cells=2000)
    assert error.code == "too_many_cells"


def test_web_page_saved_as_xls(write_file):
    error = refusal(write_file("report.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"))
    assert error.code == "html"
    assert "Save As" in str(error)


def test_a_tally_xml_export_without_vouchers_says_which_report_to_export(write_file):
    error = refusal(write_file("daybook.xls", b'<?xml version="1.0"?>\r\n<ENVELOPE><HEADER></HEADER></ENVELOPE>'))
    assert error.code == "tally_xml_no_vouchers" and "Day Book" in str(error)


def test_workbook_of_only_empty_and_hidden_sheets_has_no_data(build_xlsx):
    path = build_xlsx({"Blank": [], "Secret": [["x"]]}, hidden=["Secret"])
    assert refusal(path).code == "no_data"


def test_binary_junk_with_a_csv_name(write_file):
    assert refusal(write_file("data.csv", bytes(range(256)) * 4)).code == "binary"
