//! Audit rows and findings through Arrow: a round trip keeps every field, the text,
//! integer and date types engines produce are read alike, and bad tables are
//! refused with the row, column, value and rule.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Date64Array, Int32Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, Field, Schema};
use proptest::prelude::*;
use time::Date;
use time::macros::date;
use yikatong_core::{
    ApprovedLine, AuditInput, CheckConfig, CompactString, PaidRow, PaymentId, Period, References,
    RegionCode, ResidentId, run_checks,
};
use yikatong_formats::{
    FormatError, audit_rows_from_arrow, audit_rows_from_batches, audit_rows_schema,
    audit_rows_to_arrow, findings_to_arrow, timeliness_to_arrow,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn pid(n: u32) -> PaymentId {
    let mut bytes = [0u8; 16];
    bytes[12..].copy_from_slice(&n.to_be_bytes());
    PaymentId::from_bytes(bytes)
}

#[allow(clippy::too_many_arguments)]
fn row(
    n: u32,
    person: ResidentId,
    other: ResidentId,
    settled_on: Option<Date>,
    approved: bool,
    entitled_fen: Option<i64>,
    note: Option<String>,
    name: &str,
) -> Result<PaidRow, Box<dyn std::error::Error>> {
    Ok(PaidRow {
        payment_id: pid(n),
        attempt: (n % 3) as u8,
        beneficiary: person,
        payee: other,
        household_id: format!("H{}", n % 5).as_str().into(),
        registered_name: name.into(),
        holder_name: "王芳".into(),
        account: format!("6228{n:012}").as_str().into(),
        project: Arc::from(["GLJT", "CXJMYL"][n as usize % 2]),
        period: Period::month(2026, 1 + (n % 12) as u8)?,
        township: RegionCode::parse("150422101000")?,
        county: RegionCode::parse("150422")?,
        batch_id: (n % 4 != 0).then(|| Arc::from("B1")),
        amount_fen: 10_000 + i64::from(n),
        entitled_fen,
        recovered_fen: i64::from(n % 2) * 100,
        settled_on,
        counted: settled_on.is_some(),
        deadline: (n % 3 != 0).then_some(date!(2026 - 11 - 13)),
        on_hold: n % 7 == 0,
        ineligible: note,
        approved: approved.then(|| ApprovedLine {
            roster_id: Arc::from("R1"),
            line_no: n,
            payee: person,
            account: CompactString::from(format!("6228{n:012}")),
            amount_fen: 10_000,
        }),
    })
}

fn rows_strategy() -> impl Strategy<Value = Vec<PaidRow>> {
    proptest::collection::vec(
        (
            any::<ResidentId>(),
            any::<ResidentId>(),
            proptest::option::of(0i64..3_000),
            any::<bool>(),
            proptest::option::of(-5i64..1_000_000),
            proptest::option::of("\\PC{0,6}"),
            "\\PC{0,5}",
        ),
        0..24,
    )
    .prop_map(|draws| {
        draws
            .into_iter()
            .enumerate()
            .filter_map(|(n, (a, b, day, approved, entitled, note, name))| {
                let settled = day.map(|d| date!(2024 - 01 - 01) + time::Duration::days(d));
                row(n as u32, a, b, settled, approved, entitled, note, &name).ok()
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn rows_come_back_as_they_went(rows in rows_strategy()) {
        let batch = audit_rows_to_arrow(&rows).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(batch.num_rows(), rows.len());
        prop_assert_eq!(batch.schema(), audit_rows_schema());
        let back = audit_rows_from_arrow(&batch, 1).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, rows);
    }
}

fn sample() -> Result<Vec<PaidRow>, Box<dyn std::error::Error>> {
    let a = ResidentId::parse("11010519491231002X")?;
    let b = ResidentId::parse("150422195001010012")?;
    Ok(vec![
        row(
            1,
            a,
            a,
            Some(date!(2026 - 11 - 10)),
            true,
            Some(10_000),
            None,
            "王芳",
        )?,
        row(
            2,
            b,
            b,
            None,
            false,
            None,
            Some("已领取职工养老金".into()),
            "李四",
        )?,
    ])
}

/// `batch` with column `name` replaced.
fn with_column(
    batch: &RecordBatch,
    name: &str,
    array: ArrayRef,
) -> Result<RecordBatch, Box<dyn std::error::Error>> {
    let schema = batch.schema();
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if field.name() == name {
            fields.push(Field::new(name, array.data_type().clone(), true));
            columns.push(Arc::clone(&array));
        } else {
            fields.push(field.as_ref().clone());
            columns.push(Arc::clone(column));
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

#[test]
fn other_text_integer_and_date_types_read_alike() -> TestResult {
    let rows = sample()?;
    let batch = audit_rows_to_arrow(&rows)?;
    let ids: Vec<String> = rows.iter().map(|r| r.beneficiary.to_string()).collect();
    let large = with_column(
        &batch,
        "beneficiary",
        Arc::new(LargeStringArray::from(ids.clone())),
    )?;
    let view = with_column(
        &large,
        "payee",
        Arc::new(StringViewArray::from(ids.clone())),
    )?;
    let amounts = with_column(
        &view,
        "amount_fen",
        Arc::new(Int32Array::from(vec![10_001, 10_002])),
    )?;
    let millis = date!(2026 - 11 - 10).to_julian_day() as i64 - 2_440_588;
    let dates = with_column(
        &amounts,
        "settled_on",
        Arc::new(Date64Array::from(vec![Some(millis * 86_400_000), None])),
    )?;
    assert_eq!(audit_rows_from_arrow(&dates, 1)?, rows);
    // Optional columns may be left out.
    let schema = dates.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            !["ineligible", "on_hold", "approved_account"]
                .contains(&schema.field(i).name().as_str())
        })
        .collect();
    let fewer = dates.project(&keep)?;
    let back = audit_rows_from_arrow(&fewer, 1)?;
    assert_eq!(back[1].ineligible, None);
    assert!(!back[0].on_hold);
    Ok(())
}

#[test]
fn bad_tables_name_row_column_value_and_rule() -> TestResult {
    let batch = audit_rows_to_arrow(&sample()?)?;
    // A wrong ID in the second row of a batch that starts at row 101.
    let bad_id = with_column(
        &batch,
        "beneficiary",
        Arc::new(StringArray::from(vec![
            "11010519491231002X",
            "110105194912310021",
        ])),
    )?;
    let error = audit_rows_from_arrow(&bad_id, 101).err().ok_or("refused")?;
    assert!(
        matches!(&error, FormatError::Column { row: 102, column, value, .. } if column == "beneficiary" && value == "110105194912310021"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("row 102, column beneficiary: \"110105194912310021\""),
        "{error}"
    );
    assert!(error.to_string().contains("check character"), "{error}");
    // A required value missing.
    let null_project = with_column(
        &batch,
        "project",
        Arc::new(StringArray::from(vec![Some("GLJT"), None])),
    )?;
    let error = audit_rows_from_arrow(&null_project, 1)
        .err()
        .ok_or("refused")?;
    assert_eq!(
        error.to_string(),
        "row 2, column project: \"null\" is required"
    );
    // A column of the wrong type.
    let floats = with_column(
        &batch,
        "amount_fen",
        Arc::new(arrow_array::Float64Array::from(vec![1.0, 2.0])),
    )?;
    let error = audit_rows_from_arrow(&floats, 1).err().ok_or("refused")?;
    assert_eq!(
        error.to_string(),
        "column amount_fen is Float64; it must hold a whole number (int64)"
    );
    // A required column missing.
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| schema.field(i).name() != "period")
        .collect();
    let error = audit_rows_from_arrow(&batch.project(&keep)?, 1)
        .err()
        .ok_or("refused")?;
    assert!(
        matches!(&error, FormatError::NoColumn { column, .. } if column == "period"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("found: payment_id, attempt"),
        "{error}"
    );
    // Bad period and region codes.
    let period = with_column(
        &batch,
        "period",
        Arc::new(StringArray::from(vec!["2026-13", "2026-11"])),
    )?;
    let error = audit_rows_from_arrow(&period, 1).err().ok_or("refused")?;
    assert!(
        matches!(&error, FormatError::Column { row: 1, column, .. } if column == "period"),
        "{error:?}"
    );
    Ok(())
}

#[test]
fn findings_and_timeliness_as_tables() -> TestResult {
    let mut rows = sample()?;
    let mut again = rows[0].clone();
    again.payment_id = pid(99);
    rows.push(again);
    let report = run_checks(
        &AuditInput::from_rows(rows),
        &References::default(),
        &CheckConfig::new(date!(2026 - 12 - 01)),
    );
    let findings = findings_to_arrow(&report)?;
    assert_eq!(findings.num_rows(), report.findings.len());
    let checks = findings
        .column_by_name("check")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or("check column")?;
    assert!(checks.iter().any(|c| c == Some("duplicate_payment")));
    let evidence = findings
        .column_by_name("evidence")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or("evidence column")?;
    let first: serde_json::Value = serde_json::from_str(evidence.value(0))?;
    assert!(
        first
            .as_array()
            .is_some_and(|items| items.iter().all(|e| e.get("name").is_some()))
    );
    assert_eq!(findings.schema().field(8).name(), "amount_fen");
    assert_eq!(findings.schema().field(8).data_type(), &DataType::Int64);
    let timeliness = timeliness_to_arrow(&report.timeliness)?;
    assert_eq!(timeliness.num_rows(), report.timeliness.len());
    assert_eq!(timeliness.num_columns(), 6);
    assert!(!timeliness.column(0).is_empty());
    Ok(())
}

#[test]
fn a_large_batch_is_read_in_parts_alike_and_errors_name_the_first_bad_row() -> TestResult {
    let template = sample()?;
    let rows: Vec<PaidRow> = (0..250_000u32)
        .map(|n| {
            let mut row = template[(n % 2) as usize].clone();
            row.payment_id = pid(n);
            if n % 3 == 0 {
                row.township = RegionCode::parse("150422102000").unwrap_or(row.township);
            }
            row
        })
        .collect();
    let batch = audit_rows_to_arrow(&rows)?;
    assert_eq!(audit_rows_from_arrow(&batch, 1)?, rows);
    // Two bad IDs in different parts: the first in row order is reported, numbered
    // from the batch's first row.
    let mut ids: Vec<String> = rows.iter().map(|r| r.beneficiary.to_string()).collect();
    ids[230_000] = "110105194912310021".to_owned();
    ids[70_000] = "1101051949123100".to_owned();
    let broken = with_column(&batch, "beneficiary", Arc::new(StringArray::from(ids)))?;
    let error = audit_rows_from_arrow(&broken, 1_001)
        .err()
        .ok_or("refused")?;
    assert!(
        matches!(&error, FormatError::Column { row: 71_001, column, .. } if column == "beneficiary"),
        "{error:?}"
    );
    Ok(())
}

#[test]
fn batches_read_as_one_table_with_rows_numbered_across_them_and_progress() -> TestResult {
    let template = sample()?;
    let rows: Vec<PaidRow> = (0..300_000u32)
        .map(|n| {
            let mut row = template[(n % 2) as usize].clone();
            row.payment_id = pid(n);
            row
        })
        .collect();
    let whole = audit_rows_to_arrow(&rows)?;
    // Three batches of different sizes, as a stream from another engine comes.
    let batches = [
        whole.slice(0, 10),
        whole.slice(10, 200_000),
        whole.slice(200_010, 99_990),
    ];
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |step: &str, done: u64, total: u64| {
        if let Ok(mut seen) = seen.lock() {
            seen.push((step.to_owned(), done, total));
        }
    };
    assert_eq!(audit_rows_from_batches(&batches, &record)?, rows);
    let seen = seen.into_inner().unwrap_or_default();
    assert_eq!(seen.first(), Some(&("reading rows".to_owned(), 0, 300_000)));
    let done: Vec<u64> = seen.iter().map(|(_, done, _)| *done).collect();
    assert_eq!(done.iter().max(), Some(&300_000));
    assert!(
        seen.iter()
            .all(|(step, _, total)| step == "reading rows" && *total == 300_000)
    );
    // A bad value in the third batch is numbered from the table's first row.
    let mut ids: Vec<String> = rows[200_010..]
        .iter()
        .map(|r| r.payee.to_string())
        .collect();
    ids[5] = "11010519491231002".to_owned();
    let third = with_column(&batches[2], "payee", Arc::new(StringArray::from(ids)))?;
    let broken = [batches[0].clone(), batches[1].clone(), third];
    let error = audit_rows_from_batches(&broken, &yikatong_core::Silent)
        .err()
        .ok_or("refused")?;
    assert!(
        matches!(&error, FormatError::Column { row: 200_016, column, .. } if column == "payee"),
        "{error:?}"
    );
    Ok(())
}
