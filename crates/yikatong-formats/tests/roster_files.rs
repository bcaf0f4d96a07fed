//! Reading and writing whole roster files: a large CSV with bad lines in UTF-8 and
//! GBK, files that are not rosters, workbooks, and write-then-read round trips.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use yikatong_core::{Language, RosterField, RosterRecord};
use yikatong_formats::{
    CsvEncoding, FileFormat, FormatError, InputEncoding, InputFormat, ReadOptions, TextEncoding,
    read_roster, read_table, write_roster_csv, write_roster_xlsx, write_table_csv,
    write_table_xlsx,
};
use yikatong_testkit::ids::IdGenerator;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NAMES: [&str; 8] = [
    "张三",
    "李四",
    "王五",
    "赵六",
    "巴特尔",
    "其其格",
    "乌云",
    "孟和",
];

/// A deterministic roster CSV of `lines` data lines: every hundredth line (from line
/// 38) has an extra cell, every thousandth a note with a line break in it. Returns
/// the text, the lines of the bad records and the lines of the good ones.
fn big_roster(lines: usize) -> (String, Vec<u64>, Vec<u64>) {
    let mut ids = IdGenerator::new(42);
    let mut text = String::from("身份证号,姓名,耕地面积（亩）,开户银行,卡号,金额（元）,备注\r\n");
    let (mut bad, mut good) = (Vec::new(), Vec::new());
    let mut line = 2;
    for index in 0..lines {
        let id = ids.resident_id();
        let card = ids.bank_card();
        let name = NAMES[index % NAMES.len()];
        let area = format!("{}.{}", index % 97, index % 10);
        let amount = format!("{}.50", index % 500);
        let note = if index % 1000 == 999 {
            "\"第一行\r\n第二行，含\"\"引号\"\"\""
        } else {
            ""
        };
        let extra = if index % 100 == 36 { ",多余" } else { "" };
        text.push_str(&format!(
            "{id},{name},{area},农业银行,{card},{amount},{note}{extra}\r\n"
        ));
        if extra.is_empty() {
            good.push(line);
        } else {
            bad.push(line);
        }
        line += 1 + u64::from(!note.is_empty());
        if index % 5000 == 0 {
            // A blank line and a line of empty cells: skipped, but they count.
            text.push_str("\r\n,,,,,,\r\n");
            line += 2;
        }
    }
    (text, bad, good)
}

#[test]
fn a_large_csv_reports_every_bad_line_and_reads_the_rest_in_utf8_and_gbk() -> TestResult {
    let (text, bad, good) = big_roster(100_000);
    let file = read_roster(text.as_bytes(), &ReadOptions::default())?;
    assert_eq!(file.encoding, Some(TextEncoding::Utf8));
    assert_eq!(file.format, FileFormat::Csv);
    assert_eq!(bad.len(), 1000);
    let problem_lines: Vec<u64> = file.problems.iter().map(|p| p.line).collect();
    assert_eq!(problem_lines, bad);
    assert!(
        file.problems[0]
            .message
            .contains("column 8 holds \"多余\" but has no header"),
        "{}",
        file.problems[0]
    );
    let record_lines: Vec<u64> = file.records.iter().map(|r| r.line).collect();
    assert_eq!(record_lines, good);
    assert_eq!(file.columns.len(), 7);
    assert!(file.ignored_headers.is_empty());
    let with_note = file
        .records
        .iter()
        .find(|r| r.get(&RosterField::Note).is_some())
        .ok_or("no record with a note")?;
    assert_eq!(
        with_note.get(&RosterField::Note),
        Some("第一行\r\n第二行，含\"引号\"")
    );
    assert_eq!(with_note.get(&RosterField::Bank), Some("农业银行"));

    let (gbk, _, had_errors) = encoding_rs::GBK.encode(&text);
    assert!(!had_errors);
    let from_gbk = read_roster(&gbk, &ReadOptions::default())?;
    assert_eq!(from_gbk.encoding, Some(TextEncoding::Gbk));
    assert_eq!(from_gbk.records, file.records);
    assert_eq!(from_gbk.problems, file.problems);

    // Declared encodings read the same; the wrong one is a clear error.
    let declared = ReadOptions {
        encoding: InputEncoding::Gbk,
        format: InputFormat::Csv,
        ..ReadOptions::default()
    };
    assert_eq!(read_roster(&gbk, &declared)?.records, file.records);
    let wrong = ReadOptions {
        encoding: InputEncoding::Utf8,
        ..ReadOptions::default()
    };
    let message = read_roster(&gbk, &wrong)
        .err()
        .ok_or("GBK read as UTF-8")?
        .to_string();
    assert!(
        message
            .starts_with("the file is not valid UTF-8 text (first bad byte at offset 0, line 1)"),
        "{message}"
    );
    Ok(())
}

fn error_message(bytes: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
    match read_roster(bytes, &ReadOptions::default()) {
        Ok(file) => Err(format!("read {} records from a bad file", file.records.len()).into()),
        Err(error) => Ok(error.to_string()),
    }
}

#[test]
fn files_that_are_not_rosters_get_clear_errors() -> TestResult {
    let (text, _, _) = big_roster(3_000);

    // Cut inside the quoted note of record 999: line 1003 (two skipped lines after record 0).
    let cut = text.find("第二行").ok_or("no note")?;
    assert_eq!(
        error_message(&text.as_bytes()[..cut])?,
        "line 1003: a quoted cell (starting with \") is not closed before the end of the file; \
         the file looks cut short or a quote mark is missing"
    );
    // Cut in the middle of a line, after its second cell.
    let line_start = text.match_indices("\r\n").nth(1500).ok_or("short")?.0 + 2;
    let third_cell = line_start
        + text[line_start..]
            .match_indices(',')
            .nth(1)
            .ok_or("cells")?
            .0;
    let message = error_message(&text.as_bytes()[..third_cell])?;
    assert!(
        message.contains("the last line has 2 cells but the header has 7"),
        "{message}"
    );
    assert!(message.ends_with("the file looks cut short"), "{message}");

    assert_eq!(
        error_message(b"")?,
        "the file is empty: it has no header line"
    );
    assert_eq!(
        error_message(b"\xEF\xBB\xBF\r\n\r\n")?,
        "the file is empty: it has no header line"
    );

    assert_eq!(
        error_message("姓名,金额（元）\r\n张三,100\r\n".as_bytes())?,
        "line 1: no column for 身份证号 (resident ID number; header 身份证号, 身份证号码, \
         公民身份号码 or resident_id); found: 姓名, 金额（元）"
    );
    assert_eq!(
        error_message("身份证号,姓名,公民身份号码\r\n".as_bytes())?,
        "line 1: columns 1 (\"身份证号\") and 3 (\"公民身份号码\") are both 身份证号 (resident_id); \
         delete or rename one"
    );

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
    assert_eq!(
        error_message(png)?,
        "this is not a CSV or XLSX table: it looks like a PNG image; ask for the roster as CSV or XLSX"
    );
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    assert!(error_message(xls)?.contains("old Excel 97-2003 workbook (.xls)"));

    // Random bytes, deterministic (a 64-bit LCG).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 56) as u8
        })
        .collect();
    let message = error_message(&noise)?;
    assert!(
        message.starts_with("this is not a CSV or XLSX table: it looks like binary data"),
        "{message}"
    );
    // Without NUL bytes, random high bytes are still not GBK.
    let no_nul: Vec<u8> = noise.iter().map(|&b| b | 0x80).collect();
    let message = error_message(&no_nul)?;
    assert!(
        message.starts_with("the file is not valid UTF-8 or GBK text (first bad byte at offset"),
        "{message}"
    );
    Ok(())
}

#[test]
fn unknown_headers_are_listed_and_their_cells_ignored() -> TestResult {
    let csv = "序号, 身份证号 ,姓名,,Resident Note\r\n1,150102199001011234,张三,x,\r\n";
    let file = read_roster(csv.as_bytes(), &ReadOptions::default())?;
    assert_eq!(
        file.ignored_headers,
        ["序号", "(column 4: no header)", "Resident Note"]
    );
    assert_eq!(file.columns, [RosterField::ResidentId, RosterField::Name]);
    assert_eq!(file.records[0].len(), 2);
    Ok(())
}

fn workbook_with_a_numeric_id() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("耕地地力补贴")?;
    // Row 1 is left blank: the header is on Excel row 2.
    let headers = [
        "身份证号",
        "姓名",
        "户主身份证号",
        "面积（亩）",
        "卡号",
        "金额（元）",
        "说明",
    ];
    for (col, header) in (0u16..).zip(headers) {
        sheet.write_string(1, col, header)?;
    }
    sheet.write_string(2, 0, "150102199001011234")?;
    sheet.write_string(2, 1, " 张三 ")?;
    sheet.write_string(2, 2, "15010219900101123X")?;
    sheet.write_number(2, 3, 12.5)?;
    sheet.write_string(2, 4, "6228480000000000000")?;
    sheet.write_number(2, 5, 300.0)?;
    // Row 4: the ID typed as a number, the way Excel stores it.
    sheet.write_number(3, 0, 150_102_199_001_011_234.0)?;
    sheet.write_string(3, 1, "李四")?;
    sheet.write_number(3, 3, 0.1 + 0.2)?;
    // Rows 5 and 6 blank (row 6 only spaces); row 7 has a cell beyond the header.
    sheet.write_string(5, 1, "  ")?;
    sheet.write_string(6, 0, "150102199001011234")?;
    sheet.write_string(6, 7, "多余")?;
    let other = workbook.add_worksheet();
    other.set_name("备用")?;
    other.write_string(0, 0, "resident_id")?;
    other.write_string(1, 0, "110105199001011234")?;
    Ok(workbook.save_to_buffer()?)
}

#[test]
fn xlsx_rows_numbers_and_numeric_ids() -> TestResult {
    let bytes = workbook_with_a_numeric_id()?;
    let file = read_roster(&bytes, &ReadOptions::default())?;
    assert_eq!(file.format, FileFormat::Xlsx);
    assert_eq!(file.encoding, None);
    assert_eq!(file.ignored_headers, ["说明"]);
    assert_eq!(file.records.len(), 1);
    let record = &file.records[0];
    assert_eq!(record.line, 3);
    assert_eq!(record.get(&RosterField::Name), Some("张三"));
    assert_eq!(
        record.get(&RosterField::HeadResidentId),
        Some("15010219900101123X")
    );
    assert_eq!(
        record.get(&RosterField::Quantity("farmland_mu".into())),
        Some("12.5")
    );
    assert_eq!(record.get(&RosterField::Amount), Some("300"));
    assert_eq!(
        record.get(&RosterField::AccountNumber),
        Some("6228480000000000000")
    );

    let lines: Vec<u64> = file.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [4, 7], "{:?}", file.problems);
    let numeric = &file.problems[0].message;
    assert!(
        numeric.starts_with("身份证号 (resident_id) = 150102199001011230 is stored as a number"),
        "{numeric}"
    );
    assert!(numeric.contains("format the column as text"), "{numeric}");

    let other = ReadOptions {
        sheet: Some("备用".into()),
        ..ReadOptions::default()
    };
    let file = read_roster(&bytes, &other)?;
    assert_eq!(file.records[0].line, 2);
    assert_eq!(
        file.records[0].get(&RosterField::ResidentId),
        Some("110105199001011234")
    );

    let missing = ReadOptions {
        sheet: Some("Sheet9".into()),
        ..ReadOptions::default()
    };
    assert_eq!(
        read_roster(&bytes, &missing).err().map(|e| e.to_string()),
        Some("the workbook has no sheet \"Sheet9\"; its sheets are: 耕地地力补贴, 备用".into())
    );

    let cut = read_roster(&bytes[..bytes.len() / 2], &ReadOptions::default()).err();
    assert!(matches!(cut, Some(FormatError::Xlsx { .. })), "{cut:?}");
    assert!(cut.is_some_and(|e| {
        e.to_string()
            .starts_with("the file is not a readable XLSX workbook")
    }));
    Ok(())
}

#[test]
fn generic_tables_keep_number_cells_and_write_both_ways() -> TestResult {
    let headers = ["姓名", "社会保障卡号", "金额"];
    let rows = vec![
        vec!["张三", "000123456789012345678", "12.5"],
        vec!["李四", "622848", "12.50"],
    ];
    let xlsx = write_table_xlsx("公示", &headers, &rows, &[2])?;
    let table = read_table(&xlsx, &ReadOptions::default())?;
    assert_eq!(table.headers, headers);
    assert_eq!(table.header_line, 1);
    assert_eq!(table.rows[0].cells, rows[0]);
    assert_eq!(table.rows[0].number_cells, [2]);
    assert_eq!(table.rows[1].cells, rows[1]);
    assert!(table.rows[1].number_cells.is_empty());

    let csv = write_table_csv(&headers, &rows, CsvEncoding::Utf8WithBom)?;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let table = read_table(&csv, &ReadOptions::default())?;
    assert_eq!(table.rows[1].cells, rows[1]);

    assert_eq!(
        write_table_csv(&headers, [["a", "b"]], CsvEncoding::Utf8).err(),
        Some(FormatError::RowWidth {
            row: 1,
            cells: 2,
            expected: 3
        })
    );
    assert!(matches!(
        write_table_xlsx("a/b", &headers, &rows, &[]),
        Err(FormatError::Write { .. })
    ));
    Ok(())
}

#[test]
fn roster_writers_refuse_to_lose_fields() {
    let record = RosterRecord::from_cells(
        7,
        [
            (RosterField::ResidentId, "1"),
            (RosterField::Phone, "13800000000"),
        ],
    );
    let columns = [RosterField::ResidentId];
    assert_eq!(
        write_roster_csv(
            std::slice::from_ref(&record),
            &columns,
            Language::Zh,
            CsvEncoding::Utf8
        )
        .err(),
        Some(FormatError::FieldNotInColumns {
            line: 7,
            field: "联系电话 (phone)".into()
        })
    );
    let twice = [RosterField::ResidentId, RosterField::ResidentId];
    assert!(matches!(
        write_roster_xlsx(&[], &twice, Language::En),
        Err(FormatError::ColumnTwice { .. })
    ));
}

/// Text a cell may hold: Chinese (GBK-encodable), ASCII, commas, quotes, line breaks.
fn cell_text() -> impl Strategy<Value = String> {
    "[0-9a-zA-Z张王李赵内蒙古乡镇嘎查村苏木旗，。 ,\"\n（）]{0,12}"
        .prop_map(|text| text.trim().to_owned())
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,6}",
        "[0-9]{1,6}\\.[0-9]{1,2}",
        "0\\.[0-9]{1,3}",
        "[0-9]{1,3},[0-9]{3}\\.00",
    ]
}

fn columns() -> Vec<RosterField> {
    vec![
        RosterField::ResidentId,
        RosterField::Name,
        RosterField::Quantity("farmland_mu".into()),
        RosterField::AccountNumber,
        RosterField::Amount,
        RosterField::Note,
    ]
}

fn records() -> impl Strategy<Value = Vec<BTreeMap<RosterField, String>>> {
    let record = (
        "[0-9]{1,18}X?",
        cell_text(),
        proptest::option::of(number_text()),
        "[0-9]{0,21}",
        proptest::option::of(number_text()),
        cell_text(),
    )
        .prop_map(|(id, name, area, card, amount, note)| {
            let columns = columns();
            let values = [Some(id), Some(name), area, Some(card), amount, Some(note)];
            columns
                .into_iter()
                .zip(values)
                .filter_map(|(field, value)| value.filter(|v| !v.is_empty()).map(|v| (field, v)))
                .collect()
        });
    proptest::collection::vec(record, 0..20)
}

fn as_records(fields: &[BTreeMap<RosterField, String>]) -> Vec<RosterRecord> {
    (0u64..)
        .zip(fields)
        .map(|(index, fields)| RosterRecord::from_cells(index + 2, fields.clone()))
        .collect()
}

fn read_fields(bytes: &[u8]) -> Result<Vec<BTreeMap<RosterField, String>>, TestCaseError> {
    read_fields_as(bytes, InputEncoding::Detect)
}

fn read_fields_as(
    bytes: &[u8],
    encoding: InputEncoding,
) -> Result<Vec<BTreeMap<RosterField, String>>, TestCaseError> {
    let options = ReadOptions {
        encoding,
        ..ReadOptions::default()
    };
    let file =
        read_roster(bytes, &options).map_err(|error| TestCaseError::fail(error.to_string()))?;
    prop_assert!(file.problems.is_empty(), "{:?}", file.problems);
    prop_assert_eq!(file.columns, columns());
    Ok(file
        .records
        .into_iter()
        .map(|record| {
            record
                .fields()
                .map(|(field, text)| (field.clone(), text.to_owned()))
                .collect()
        })
        .collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn written_rosters_read_back_the_same(fields in records(), english in any::<bool>()) {
        let language = if english { Language::En } else { Language::Zh };
        let records = as_records(&fields);
        for encoding in [CsvEncoding::Utf8, CsvEncoding::Utf8WithBom, CsvEncoding::Gbk] {
            let bytes = write_roster_csv(&records, &columns(), language, encoding)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            // A short GBK text can also be valid UTF-8 (木 is C4 BE, which is UTF-8
            // for ľ): detection cannot tell, so the GBK file is read as GBK, as a
            // department reading its own bank's files does.
            let read_as = match encoding {
                CsvEncoding::Gbk => InputEncoding::Gbk,
                _ => InputEncoding::Detect,
            };
            prop_assert_eq!(&read_fields_as(&bytes, read_as)?, &fields, "{:?}", encoding);
        }
        let bytes = write_roster_xlsx(&records, &columns(), language)
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&read_fields(&bytes)?, &fields);
    }
}

/// A roster as an Arrow table, with the columns of `big_roster`'s header.
fn arrow_roster(rows: &[[Option<&str>; 4]]) -> Result<arrow_array::RecordBatch, FormatError> {
    use std::sync::Arc;
    let column = |n: usize| -> arrow_array::ArrayRef {
        Arc::new(
            rows.iter()
                .map(|row| row[n])
                .collect::<arrow_array::StringArray>(),
        )
    };
    arrow_array::RecordBatch::try_from_iter([
        ("身份证号", column(0)),
        ("姓名", column(1)),
        ("耕地面积（亩）", column(2)),
        (" 备注x ", column(3)),
    ])
    .map_err(|error| FormatError::Arrow {
        message: error.to_string(),
    })
}

#[test]
fn an_arrow_table_reads_as_the_same_csv_would() -> TestResult {
    use std::sync::Arc;
    let mut ids = IdGenerator::new(7);
    let (first, second, third) = (ids.resident_id(), ids.resident_id(), ids.resident_id());
    let rows = [
        [Some(first.as_str()), Some(" 张三 "), Some("12.5"), None],
        [None, None, None, None],
        [Some(second.as_str()), Some("李四"), None, Some("x")],
    ];
    let batch = arrow_roster(&rows)?;
    // Two batches, as a stream from pyarrow or polars comes: lines go on across them.
    let later = arrow_roster(&[[Some(third.as_str()), Some("王五"), Some("3"), None]])?;
    let read = yikatong_formats::read_roster_arrow(&[batch, later])?;
    let csv = format!(
        "身份证号,姓名,耕地面积（亩）, 备注x \n{first}, 张三 ,12.5,\n,,,\n{second},李四,,x\n{third},王五,3,\n"
    );
    let from_csv = read_roster(csv.as_bytes(), &ReadOptions::default())?;
    assert_eq!(read.format, FileFormat::Arrow);
    assert_eq!(read.encoding, None);
    assert_eq!(read.columns, from_csv.columns);
    assert_eq!(read.ignored_headers, ["备注x"]);
    assert_eq!(read.records, from_csv.records);
    assert_eq!(
        read.records.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 4, 5]
    );

    // Whole numbers and decimals read as their digits; an ID as a number is refused on
    // its line (a final X and leading zeros would be lost), the others are read.
    let mu =
        arrow_array::Decimal128Array::from(vec![1250_i128, 300]).with_precision_and_scale(10, 2)?;
    let numeric = arrow_array::RecordBatch::try_from_iter([
        (
            "身份证号",
            Arc::new(arrow_array::Int64Array::from(vec![
                first.parse::<i64>().unwrap_or(0),
                0,
            ])) as arrow_array::ArrayRef,
        ),
        ("耕地面积（亩）", Arc::new(mu) as arrow_array::ArrayRef),
    ])?;
    let read = yikatong_formats::read_roster_arrow(&[numeric])?;
    assert_eq!(read.records.len(), 0);
    assert_eq!(read.problems.len(), 2);
    assert_eq!(read.problems[0].line, 2);
    assert!(read.problems[0].message.contains("stored as a number"));
    let text_ids = arrow_array::RecordBatch::try_from_iter([
        (
            "身份证号",
            Arc::new(arrow_array::StringArray::from(vec![first.as_str()])) as arrow_array::ArrayRef,
        ),
        (
            "耕地面积（亩）",
            Arc::new(
                arrow_array::Decimal128Array::from(vec![1250_i128])
                    .with_precision_and_scale(10, 2)?,
            ) as arrow_array::ArrayRef,
        ),
    ])?;
    let read = yikatong_formats::read_roster_arrow(&[text_ids])?;
    assert_eq!(
        read.records[0].get(&RosterField::Quantity("farmland_mu".into())),
        Some("12.50")
    );

    // A float column is refused whole, naming it; no table at all is an empty file.
    let floats = arrow_array::RecordBatch::try_from_iter([
        (
            "身份证号",
            Arc::new(arrow_array::StringArray::from(vec![first.as_str()])) as arrow_array::ArrayRef,
        ),
        (
            "金额（元）",
            Arc::new(arrow_array::Float64Array::from(vec![100.5])) as arrow_array::ArrayRef,
        ),
    ])?;
    let refused = yikatong_formats::read_roster_arrow(&[floats]).err();
    assert!(
        matches!(&refused, Some(FormatError::ColumnType { column, .. }) if column == "金额（元）"),
        "{refused:?}"
    );
    assert!(matches!(
        yikatong_formats::read_roster_arrow(&[]),
        Err(FormatError::Empty)
    ));
    // No 身份证号 column: refused as a file without one is.
    let no_id = arrow_roster(&[[Some("x"), None, None, None]])?;
    let no_id = no_id.project(&[1, 2])?;
    assert!(matches!(
        yikatong_formats::read_roster_arrow(&[no_id]),
        Err(FormatError::MissingColumn { .. })
    ));
    Ok(())
}
