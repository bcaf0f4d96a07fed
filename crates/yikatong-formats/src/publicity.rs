//! The public notice document (公示名单) as CSV or XLSX, from rows the core has
//! already masked ([`yikatong_core::MaskingPolicy`]).

use yikatong_core::{Language, PublicityEntry};

use crate::{CsvEncoding, FormatError, write_table_csv, write_table_xlsx};

/// Index of the amount column in [`PublicityEntry::cells`].
const AMOUNT_COLUMN: usize = 5;

fn headers(language: Language) -> [&'static str; 7] {
    match language {
        Language::Zh => PublicityEntry::HEADERS_ZH,
        Language::En => PublicityEntry::HEADERS_EN,
    }
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR
/// first) gets a leading apostrophe, so a posted notice cannot carry one.
fn inert(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

fn rows(entries: &[PublicityEntry]) -> impl Iterator<Item = [String; 7]> + '_ {
    entries.iter().map(|entry| entry.cells().map(inert))
}

/// The notice as CSV with headers in `language`.
///
/// # Errors
///
/// [`FormatError::Unencodable`] when GBK is asked for and a name has a character GBK
/// lacks (e.g. Mongolian script): use UTF-8 then.
pub fn write_publicity_csv(
    entries: &[PublicityEntry],
    language: Language,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError> {
    write_table_csv(&headers(language), rows(entries), encoding)
}

/// The notice as an XLSX workbook (sheet 公示名单 or `notice`), amounts as numbers.
///
/// # Errors
///
/// [`FormatError::Write`] when the workbook cannot be written.
pub fn write_publicity_xlsx(
    entries: &[PublicityEntry],
    language: Language,
) -> Result<Vec<u8>, FormatError> {
    let sheet = match language {
        Language::Zh => "公示名单",
        Language::En => "notice",
    };
    write_table_xlsx(sheet, &headers(language), rows(entries), &[AMOUNT_COLUMN])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReadOptions, read_table};
    use yikatong_core::{
        AccountKind, AccountNumber, Amount, MaskingPolicy, PublicityInput, ResidentId,
    };

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn entries() -> Result<Vec<PublicityEntry>, Box<dyn std::error::Error>> {
        let id = ResidentId::parse("11010519491231002X")?;
        let card = AccountNumber::parse("6228480402564890018", AccountKind::BankCard)?;
        let masking = MaskingPolicy::default();
        Ok(vec![
            masking.entry(&PublicityInput {
                line: 1,
                name: "乌云其其格",
                resident_id: &id,
                account: Some(&card),
                amount: Amount::parse("1,289.36")?,
                village: "林东镇东城村",
                project: "耕地地力保护补贴",
            }),
            masking.entry(&PublicityInput {
                line: 2,
                name: "=HYPERLINK(\"x\")",
                resident_id: &id,
                account: None,
                amount: Amount::parse("80")?,
                village: "-1+1",
                project: "高龄津贴",
            }),
        ])
    }

    #[test]
    fn csv_and_xlsx_notices_hold_the_masked_rows_and_no_formulas() -> TestResult {
        let entries = entries()?;
        for bytes in [
            write_publicity_csv(&entries, Language::Zh, CsvEncoding::Utf8)?,
            write_publicity_csv(&entries, Language::Zh, CsvEncoding::Gbk)?,
            write_publicity_xlsx(&entries, Language::Zh)?,
        ] {
            let table = read_table(&bytes, &ReadOptions::default())?;
            assert_eq!(table.headers, PublicityEntry::HEADERS_ZH);
            assert_eq!(table.rows.len(), 2);
            let first = &table.rows[0].cells;
            assert_eq!(first[2], "110105********002X");
            assert_eq!(first[5], "1289.36");
            assert!(
                !first
                    .iter()
                    .any(|cell| cell.contains("6228480402564890018"))
            );
            let second = &table.rows[1].cells;
            assert!(
                second.iter().all(|cell| !cell.starts_with(['=', '-'])),
                "{second:?}"
            );
        }
        let english = write_publicity_csv(&entries, Language::En, CsvEncoding::Utf8)?;
        assert!(String::from_utf8(english)?.starts_with("line,name,resident_id"));
        Ok(())
    }
}
