//! Payment reports ([`PaymentReport`]) as CSV, XLSX and JSON, and the JSON Lines
//! export for reporting upward to the national platform (schema in
//! `docs/reporting-format.md`).
//!
//! Amounts are written from whole fen, never through a float: as text with two
//! decimals in CSV and JSON, and as numbers formatted `0.00` in XLSX (a spreadsheet
//! holds every number as a double; fen totals below 2^53 convert exactly).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use yikatong_core::{CreditCode, Language, PaymentReport, ReportRow, Tally};

use crate::{CsvEncoding, FormatError, write_table_csv};

/// The `schema` of every national JSON Lines record.
pub const NATIONAL_SCHEMA: &str = "yikatong-national-report";
/// The `schema_version` of the national JSON Lines records this crate writes.
pub const NATIONAL_SCHEMA_VERSION: u32 = 1;

const HEADERS_ZH: [&str; 20] = [
    "项目代码",
    "期次",
    "区划代码",
    "区划名称",
    "发放对象人数",
    "审批笔数",
    "审批金额（元）",
    "已发放笔数",
    "已发放金额（元）",
    "发放失败笔数",
    "发放失败金额（元）",
    "待回盘笔数",
    "待回盘金额（元）",
    "已取消笔数",
    "已取消金额（元）",
    "未生成批次笔数",
    "未生成批次金额（元）",
    "按时发放笔数",
    "逾期发放笔数",
    "及时率",
];

const HEADERS_EN: [&str; 20] = [
    "project",
    "period",
    "region_code",
    "region_name",
    "beneficiaries",
    "approved_count",
    "approved_amount",
    "paid_count",
    "paid_amount",
    "failed_count",
    "failed_amount",
    "pending_count",
    "pending_amount",
    "cancelled_count",
    "cancelled_amount",
    "not_batched_count",
    "not_batched_amount",
    "on_time_count",
    "late_count",
    "on_time_rate",
];

/// What each column holds, for XLSX.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Count,
    Amount,
    Rate,
}

const KINDS: [Kind; 20] = [
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Count,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Amount,
    Kind::Count,
    Kind::Count,
    Kind::Rate,
];

fn headers(language: Language) -> [&'static str; 20] {
    match language {
        Language::Zh => HEADERS_ZH,
        Language::En => HEADERS_EN,
    }
}

fn total_label(language: Language) -> &'static str {
    match language {
        Language::Zh => "合计",
        Language::En => "Total",
    }
}

/// Whole fen as yuan text with two decimals: `53050` → `"530.50"`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// The rate in ten-thousandths (`0.6667` → 6667), from the core's four-decimal value.
fn ten_thousandths(row: &ReportRow) -> Option<i128> {
    let mut rate = row.on_time_rate()?;
    rate.rescale(4);
    Some(rate.mantissa())
}

/// The rate as a percentage with two decimals: `66.67%`; empty when nothing is paid.
fn percent(row: &ReportRow) -> String {
    ten_thousandths(row).map_or_else(String::new, |t| format!("{}.{:02}%", t / 100, t % 100))
}

/// The rate as the four-decimal fraction: `0.6667`.
fn fraction(row: &ReportRow) -> Option<String> {
    ten_thousandths(row).map(|t| format!("{}.{:04}", t / 10_000, t % 10_000))
}

fn region_cells(row: &ReportRow, language: Language) -> (String, String) {
    match row.region {
        Some(code) => (code.to_string(), row.region_name.clone()),
        None => (String::new(), total_label(language).to_owned()),
    }
}

fn tallies(row: &ReportRow) -> [Tally; 6] {
    [
        row.approved,
        row.paid,
        row.failed,
        row.pending,
        row.cancelled,
        row.not_batched,
    ]
}

/// A cell a spreadsheet would run as a formula gets a leading apostrophe (names come
/// from the region tree, which a host may load from its own file).
fn inert(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

fn csv_cells(row: &ReportRow, language: Language) -> Vec<String> {
    let (code, name) = region_cells(row, language);
    let mut cells = Vec::with_capacity(20);
    cells.push(inert(row.project.clone()));
    cells.push(row.period.to_string());
    cells.push(code);
    cells.push(inert(name));
    cells.push(row.beneficiaries.to_string());
    for tally in tallies(row) {
        cells.push(tally.count.to_string());
        cells.push(yuan(tally.fen));
    }
    cells.push(row.on_time.to_string());
    cells.push(row.late.to_string());
    cells.push(percent(row));
    cells
}

/// The report as CSV: one line per row with headers in `language`; amounts in yuan
/// with two decimals, the on-time rate as a percentage (`66.67%`, empty when nothing
/// is paid), total rows with an empty region code and the name 合计 (`Total`).
///
/// # Errors
///
/// [`FormatError::Unencodable`] when GBK is asked for and a name has a character GBK
/// lacks (e.g. Mongolian script): use UTF-8 then.
pub fn write_report_csv(
    report: &PaymentReport,
    language: Language,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError> {
    write_table_csv(
        &headers(language),
        report.rows.iter().map(|row| csv_cells(row, language)),
        encoding,
    )
}

fn write_error(error: XlsxError) -> FormatError {
    FormatError::Write {
        reason: error.to_string(),
    }
}

/// Fen as a spreadsheet number of yuan: the double nearest the two-decimal amount
/// (the same a spreadsheet gets from typing it), below 2^53 fen.
#[allow(clippy::cast_precision_loss)]
fn yuan_number(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// A count as a spreadsheet number: exact below 2^53.
#[allow(clippy::cast_precision_loss)]
fn count_number(count: u64) -> f64 {
    count as f64
}

/// The rate as a spreadsheet number: the double nearest the four-decimal fraction.
#[allow(clippy::cast_precision_loss)]
fn rate_number(ten_thousandths: i128) -> f64 {
    ten_thousandths as f64 / 10_000.0
}

/// The report as an XLSX workbook (sheet 发放统计 or `report`): a bold, frozen
/// header; codes as text; counts as numbers; amounts as numbers formatted `0.00`;
/// the on-time rate as a number formatted `0.00%`; total rows in bold.
///
/// # Errors
///
/// [`FormatError::Write`] when the workbook cannot be written (more rows than a
/// sheet holds).
pub fn write_report_xlsx(
    report: &PaymentReport,
    language: Language,
) -> Result<Vec<u8>, FormatError> {
    let mut sheet = Worksheet::new();
    sheet
        .set_name(match language {
            Language::Zh => "发放统计",
            Language::En => "report",
        })
        .map_err(write_error)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let formats = |strong: bool| {
        let with = |format: Format| if strong { format.set_bold() } else { format };
        (
            with(Format::new().set_num_format("@")),
            with(Format::new().set_num_format("0")),
            with(Format::new().set_num_format("0.00")),
            with(Format::new().set_num_format("0.00%")),
        )
    };
    let plain = formats(false);
    let strong = formats(true);
    for (col, header) in (0u16..).zip(headers(language)) {
        sheet
            .write_string_with_format(0, col, header, &bold)
            .map_err(write_error)?;
        if KINDS.get(usize::from(col)) == Some(&Kind::Text) {
            sheet.set_column_format(col, &text).map_err(write_error)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(write_error)?;
    for (index, row) in report.rows.iter().enumerate() {
        let at = u32::try_from(index + 1)
            .ok()
            .filter(|at| *at < 1_048_576)
            .ok_or_else(|| FormatError::Write {
                reason: "more rows than a sheet holds".to_owned(),
            })?;
        let (text, count, amount, rate) = if row.is_total() { &strong } else { &plain };
        let (code, name) = region_cells(row, language);
        let texts = [row.project.clone(), row.period.to_string(), code, name];
        for (col, cell) in (0u16..).zip(texts) {
            if !cell.is_empty() {
                sheet
                    .write_string_with_format(at, col, cell, text)
                    .map_err(write_error)?;
            }
        }
        let mut col = 4u16;
        let mut put = |value: f64, format: &Format| -> Result<(), FormatError> {
            sheet
                .write_number_with_format(at, col, value, format)
                .map_err(write_error)?;
            col += 1;
            Ok(())
        };
        put(count_number(row.beneficiaries), count)?;
        for tally in tallies(row) {
            put(count_number(tally.count), count)?;
            put(yuan_number(tally.fen), amount)?;
        }
        put(count_number(row.on_time), count)?;
        put(count_number(row.late), count)?;
        if let Some(t) = ten_thousandths(row) {
            put(rate_number(t), rate)?;
        }
    }
    let mut workbook = Workbook::new();
    workbook.push_worksheet(sheet);
    workbook.save_to_buffer().map_err(write_error)
}

/// One row as JSON: the fields of the national record without the envelope.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    project: &'a str,
    period: String,
    period_start: String,
    period_end: String,
    row_type: &'static str,
    region_code: Option<String>,
    region_level: Option<&'static str>,
    region_name: Option<&'a str>,
    beneficiaries: u64,
    approved_count: u64,
    approved_amount: String,
    paid_count: u64,
    paid_amount: String,
    failed_count: u64,
    failed_amount: String,
    pending_count: u64,
    pending_amount: String,
    cancelled_count: u64,
    cancelled_amount: String,
    not_batched_count: u64,
    not_batched_amount: String,
    on_time_count: u64,
    late_count: u64,
    on_time_rate: Option<String>,
}

fn level_name(report: &PaymentReport) -> &'static str {
    match report.grouping {
        yikatong_core::Grouping::Township => "township",
        yikatong_core::Grouping::County => "county",
        yikatong_core::Grouping::Prefecture => "prefecture",
    }
}

fn json_row<'a>(report: &PaymentReport, row: &'a ReportRow) -> JsonRow<'a> {
    JsonRow {
        project: &row.project,
        period: row.period.to_string(),
        period_start: row.period.first_day().to_string(),
        period_end: row.period.last_day().to_string(),
        row_type: if row.is_total() { "total" } else { "region" },
        region_code: row.region.map(|code| code.to_string()),
        region_level: row.region.map(|_| level_name(report)),
        region_name: row.region.map(|_| row.region_name.as_str()),
        beneficiaries: row.beneficiaries,
        approved_count: row.approved.count,
        approved_amount: yuan(row.approved.fen),
        paid_count: row.paid.count,
        paid_amount: yuan(row.paid.fen),
        failed_count: row.failed.count,
        failed_amount: yuan(row.failed.fen),
        pending_count: row.pending.count,
        pending_amount: yuan(row.pending.fen),
        cancelled_count: row.cancelled.count,
        cancelled_amount: yuan(row.cancelled.fen),
        not_batched_count: row.not_batched.count,
        not_batched_amount: yuan(row.not_batched.fen),
        on_time_count: row.on_time,
        late_count: row.late,
        on_time_rate: fraction(row),
    }
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    grouping: &'static str,
    rows: Vec<JsonRow<'a>>,
}

fn json_error(error: serde_json::Error) -> FormatError {
    FormatError::Write {
        reason: error.to_string(),
    }
}

/// The report as one JSON document: `{"grouping": "county", "rows": [...]}`, each
/// row with the fields of the national record (see `docs/reporting-format.md`):
/// amounts as strings with two decimals, counts as integers.
///
/// # Errors
///
/// [`FormatError::Write`] if serializing fails (it does not for a report).
pub fn write_report_json(report: &PaymentReport) -> Result<Vec<u8>, FormatError> {
    let document = JsonReport {
        grouping: level_name(report),
        rows: report
            .rows
            .iter()
            .map(|row| json_row(report, row))
            .collect(),
    };
    serde_json::to_vec_pretty(&document).map_err(json_error)
}

#[derive(serde::Serialize)]
struct NationalRecord<'a> {
    schema: &'static str,
    schema_version: u32,
    reporting_unit: &'a str,
    reported_at: &'a str,
    currency: &'static str,
    #[serde(flatten)]
    row: JsonRow<'a>,
}

/// The report as JSON Lines for the national platform: one JSON object per row (the
/// total rows included, `row_type` `"total"`), each line ending in `\n`, UTF-8
/// without a byte order mark. Each record carries the schema name
/// ([`NATIONAL_SCHEMA`]) and version ([`NATIONAL_SCHEMA_VERSION`]), the reporting
/// unit's unified social credit code, and `reported_at` as RFC 3339. The fields,
/// their types and units are documented in `docs/reporting-format.md`.
///
/// # Errors
///
/// [`FormatError::Write`] when `reported_at` has no RFC 3339 form (a year outside
/// 0000–9999).
pub fn write_national_jsonl(
    report: &PaymentReport,
    reporting_unit: &CreditCode,
    reported_at: OffsetDateTime,
) -> Result<Vec<u8>, FormatError> {
    let reported_at = reported_at
        .format(&Rfc3339)
        .map_err(|error| FormatError::Write {
            reason: format!("reported_at cannot be written as RFC 3339: {error}"),
        })?;
    let mut out = Vec::new();
    for row in &report.rows {
        let record = NationalRecord {
            schema: NATIONAL_SCHEMA,
            schema_version: NATIONAL_SCHEMA_VERSION,
            reporting_unit: reporting_unit.as_str(),
            reported_at: &reported_at,
            currency: "CNY",
            row: json_row(report, row),
        };
        serde_json::to_writer(&mut out, &record).map_err(json_error)?;
        out.push(b'\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};
    use time::macros::datetime;
    use yikatong_core::{Grouping, Period, RegionCode};

    use super::*;
    use crate::{ReadOptions, read_table};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn tally(count: u64, fen: i64) -> Tally {
        Tally { count, fen }
    }

    /// Two township rows and their total, as the core builds them.
    fn report() -> Result<PaymentReport, Box<dyn std::error::Error>> {
        let period = Period::parse("2026-11")?;
        let row =
            |region: Option<&str>, name: &str| -> Result<ReportRow, Box<dyn std::error::Error>> {
                Ok(ReportRow {
                    project: "GLJT".to_owned(),
                    period,
                    region: region.map(RegionCode::parse).transpose()?,
                    region_name: name.to_owned(),
                    beneficiaries: 0,
                    approved: Tally::default(),
                    paid: Tally::default(),
                    failed: Tally::default(),
                    pending: Tally::default(),
                    cancelled: Tally::default(),
                    not_batched: Tally::default(),
                    on_time: 0,
                    late: 0,
                })
            };
        let mut a = row(Some("150422101000"), "隆昌镇")?;
        a.beneficiaries = 4;
        a.approved = tally(4, 53_050);
        a.paid = tally(1, 10_000);
        a.failed = tally(1, 8_050);
        a.pending = tally(1, 30_000);
        a.not_batched = tally(1, 5_000);
        a.on_time = 1;
        let mut b = row(Some("150422102000"), "十三敖包镇")?;
        b.beneficiaries = 2;
        b.approved = tally(3, 35_001);
        b.paid = tally(2, 20_001);
        b.cancelled = tally(1, 15_000);
        b.late = 2;
        let mut total = row(None, "")?;
        total.beneficiaries = 5;
        total.approved = tally(7, 88_051);
        total.paid = tally(3, 30_001);
        total.failed = tally(1, 8_050);
        total.pending = tally(1, 30_000);
        total.cancelled = tally(1, 15_000);
        total.not_batched = tally(1, 5_000);
        total.on_time = 1;
        total.late = 2;
        Ok(PaymentReport {
            grouping: Grouping::Township,
            rows: vec![a, b, total],
        })
    }

    /// A township's roster paid through the simulated bank: the report balances, and
    /// agrees with the ledger's batch summaries and correction queue.
    #[test]
    fn a_simulated_payment_round_reports_what_the_ledger_holds() -> TestResult {
        use std::collections::BTreeMap;
        use time::macros::date;
        use yikatong_core::{
            BatchPlan, HeldProjects, IntakeMode, Payer, PaymentLedger, PolicyCatalog, RegionLevel,
            RegionTree, Roster, RosterHeader, WorkCalendar,
        };
        use yikatong_testkit::BankSimulator;
        use yikatong_testkit::payments::approve_for_payment;
        use yikatong_testkit::population::{Township, TownshipSpec};

        let town = Township::generate(&TownshipSpec {
            households: 300,
            max_members: 1,
            ..TownshipSpec::default()
        })?;
        let text = std::fs::read_to_string("../../examples/data/policies/cystbh.json")?;
        let catalog = PolicyCatalog::from_json("cystbh.json", &text)?;
        let project = catalog.project("CYSTBH-CXPH").ok_or("no project")?;
        let file = crate::read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
        let header = RosterHeader::new(
            "CYSTBH-CXPH-2026",
            "CYSTBH-CXPH",
            Period::year(2026)?,
            town.township,
        );
        let (roster, _) = Roster::intake(
            header,
            &file.records,
            &town.register,
            &catalog,
            &HeldProjects::new(),
            IntakeMode::Lenient,
            date!(2026 - 03 - 02),
        )?;
        let review = approve_for_payment(&roster, date!(2026 - 03 - 02))?;
        let payers = BTreeMap::from([(
            town.township.truncate(RegionLevel::County),
            Payer {
                unit_code: "CZ150422".into(),
                name: "巴林左旗财政局".into(),
                account: "15050000000000000001".into(),
            },
        )]);
        let calendar = WorkCalendar::weekdays_only();
        let on = date!(2026 - 03 - 20);
        let plan = BatchPlan {
            project,
            payers: &payers,
            agreements: town.register.agreements(),
            calendar: &calendar,
            prepared_on: on,
            lead_working_days: 1,
        };
        let mut ledger = PaymentLedger::new();
        let prepared = ledger.prepare(&plan, &[(&roster, &review)], "finance")?;
        ledger.apply_all(&prepared.events);
        let batches: Vec<_> = ledger.batches().cloned().collect();
        let bank = BankSimulator::new(5).with_failure_per_mille(100);
        let (mut settled, mut failed) = (Tally::default(), Tally::default());
        for (n, batch) in batches.iter().enumerate() {
            ledger.execute(
                yikatong_core::PaymentCommand::Export {
                    batch_id: batch.id.clone(),
                    file_name: format!("{}.txt", batch.id),
                    sha256: format!("{:064x}", n + 1),
                },
                "finance",
                on,
            )?;
            let mut answer = bank.answer_batch(batch).first;
            answer.batch_id = Some(batch.id.clone());
            ledger.receive(answer, "bank", on)?;
            let summary = ledger.batch_summary(&batch.id)?;
            settled = settled.plus(summary.settled);
            failed = failed.plus(summary.failed);
        }
        let report = PaymentReport::build(
            &[(&roster, &review)],
            &ledger,
            Grouping::County,
            RegionTree::bundled()?,
        );
        assert_eq!(report.rows.len(), 2, "one county and its total");
        assert!(report.rows.iter().all(ReportRow::balances));
        let total = report
            .total("CYSTBH-CXPH", Period::year(2026)?)
            .ok_or("no total")?;
        assert_eq!(total.paid, settled);
        assert_eq!(total.failed, failed);
        assert!(failed.count > 0 && settled.count > 0);
        assert_eq!(
            total.not_batched.count,
            ledger
                .corrections()
                .filter(|item| item.last_attempt == 0)
                .count() as u64
        );
        let csv = write_report_csv(&report, Language::Zh, CsvEncoding::Utf8WithBom)?;
        assert_eq!(read_table(&csv, &ReadOptions::default())?.rows.len(), 2);
        let jsonl = write_national_jsonl(
            &report,
            &CreditCode::parse("111500000116068826")?,
            datetime!(2026-03-21 08:00 +8),
        )?;
        assert_eq!(String::from_utf8(jsonl)?.lines().count(), 2);
        Ok(())
    }

    #[test]
    fn csv_has_the_header_and_one_line_per_row() -> TestResult {
        let report = report()?;
        let bytes = write_report_csv(&report, Language::En, CsvEncoding::Utf8)?;
        let text = String::from_utf8(bytes)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADERS_EN.join(","));
        assert_eq!(
            lines[1],
            "GLJT,2026-11,150422101000,隆昌镇,4,4,530.50,1,100.00,1,80.50,1,300.00,0,0.00,1,50.00,1,0,100.00%"
        );
        assert_eq!(
            lines[2],
            "GLJT,2026-11,150422102000,十三敖包镇,2,3,350.01,2,200.01,0,0.00,0,0.00,1,150.00,0,0.00,0,2,0.00%"
        );
        assert_eq!(
            lines[3],
            "GLJT,2026-11,,Total,5,7,880.51,3,300.01,1,80.50,1,300.00,1,150.00,1,50.00,1,2,33.33%"
        );
        assert_eq!(lines.len(), 4);
        // GBK with Chinese headers reads back alike.
        let gbk = write_report_csv(&report, Language::Zh, CsvEncoding::Gbk)?;
        let table = read_table(&gbk, &ReadOptions::default())?;
        assert_eq!(table.headers, HEADERS_ZH);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.rows[2].cells[3], "合计");
        assert_eq!(table.rows[0].cells[6], "530.50");
        Ok(())
    }

    #[test]
    fn xlsx_holds_counts_and_amounts_as_numbers() -> TestResult {
        let report = report()?;
        let bytes = write_report_xlsx(&report, Language::Zh)?;
        let mut workbook = Xlsx::new(Cursor::new(bytes))?;
        let range = workbook.worksheet_range("发放统计")?;
        assert_eq!(
            range.get((0, 6)),
            Some(&Data::String("审批金额（元）".to_owned()))
        );
        assert_eq!(
            range.get((1, 2)),
            Some(&Data::String("150422101000".to_owned()))
        );
        assert_eq!(range.get((1, 5)), Some(&Data::Float(4.0)));
        assert_eq!(range.get((1, 6)), Some(&Data::Float(530.5)));
        assert_eq!(range.get((2, 8)), Some(&Data::Float(200.01)));
        assert_eq!(range.get((3, 3)), Some(&Data::String("合计".to_owned())));
        assert_eq!(range.get((3, 6)), Some(&Data::Float(880.51)));
        assert_eq!(range.get((3, 19)), Some(&Data::Float(0.3333)));
        assert_eq!(range.height(), 4);
        // Read as a table, the amounts come back with their two decimals.
        let workbook = write_report_xlsx(&report, Language::En)?;
        let table = read_table(&workbook, &ReadOptions::default())?;
        assert_eq!(table.headers, HEADERS_EN);
        assert_eq!(table.rows[0].cells[6], "530.5");
        Ok(())
    }

    #[test]
    fn json_has_amounts_as_strings_and_counts_as_numbers() -> TestResult {
        let report = report()?;
        let value: serde_json::Value = serde_json::from_slice(&write_report_json(&report)?)?;
        assert_eq!(value["grouping"], "township");
        let rows = value["rows"].as_array().ok_or("no rows")?;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["approved_amount"], "530.50");
        assert_eq!(rows[0]["approved_count"], 4);
        assert_eq!(rows[0]["on_time_rate"], "1.0000");
        assert_eq!(rows[0]["region_level"], "township");
        assert_eq!(rows[2]["row_type"], "total");
        assert!(rows[2]["region_code"].is_null());
        assert_eq!(rows[2]["on_time_rate"], "0.3333");
        Ok(())
    }

    #[test]
    fn national_lines_parse_and_carry_the_schema() -> TestResult {
        let report = report()?;
        let unit = CreditCode::parse("111500000116068826")?;
        let bytes = write_national_jsonl(&report, &unit, datetime!(2026-12-01 09:30 +8))?;
        let text = String::from_utf8(bytes)?;
        assert!(text.ends_with('\n'));
        let records = text
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<Vec<serde_json::Value>, _>>()?;
        assert_eq!(records.len(), 3);
        // The example in the documented schema is this very line.
        let documented = include_str!("../../../docs/reporting-format.md");
        let first_line = text.lines().next().ok_or("no line")?;
        assert!(
            documented.contains(&format!("\n{first_line}\n")),
            "docs/reporting-format.md shows another example than {first_line}"
        );
        for record in &records {
            assert_eq!(record["schema"], NATIONAL_SCHEMA);
            assert_eq!(record["schema_version"], NATIONAL_SCHEMA_VERSION);
            assert_eq!(record["reporting_unit"], "111500000116068826");
            assert_eq!(record["reported_at"], "2026-12-01T09:30:00+08:00");
            assert_eq!(record["currency"], "CNY");
            assert_eq!(record["period"], "2026-11");
            assert_eq!(record["period_start"], "2026-11-01");
            assert_eq!(record["period_end"], "2026-11-30");
        }
        let first = &records[0];
        assert_eq!(first["region_code"], "150422101000");
        assert_eq!(first["region_name"], "隆昌镇");
        assert_eq!(first["paid_amount"], "100.00");
        assert_eq!(first["paid_count"], 1);
        assert_eq!(first["not_batched_amount"], "50.00");
        assert_eq!(records[2]["row_type"], "total");
        assert_eq!(records[2]["beneficiaries"], 5);
        // Every field the schema documents, and no other.
        let mut keys: Vec<&str> = first
            .as_object()
            .ok_or("not an object")?
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut documented = [
            "schema",
            "schema_version",
            "reporting_unit",
            "reported_at",
            "currency",
            "project",
            "period",
            "period_start",
            "period_end",
            "row_type",
            "region_code",
            "region_level",
            "region_name",
            "beneficiaries",
            "approved_count",
            "approved_amount",
            "paid_count",
            "paid_amount",
            "failed_count",
            "failed_amount",
            "pending_count",
            "pending_amount",
            "cancelled_count",
            "cancelled_amount",
            "not_batched_count",
            "not_batched_amount",
            "on_time_count",
            "late_count",
            "on_time_rate",
        ];
        documented.sort_unstable();
        assert_eq!(keys, documented);
        Ok(())
    }
}
