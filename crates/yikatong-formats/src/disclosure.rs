//! The daily feed of payments (每日发放信息) as CSV and JSON, from the rows the core
//! has already masked ([`yikatong_core::disclosure::daily_feed`]).

use yikatong_core::{DailyFeed, DisclosureRow, FeedTotal, Language};

use crate::{CsvEncoding, FormatError, write_table_csv};

/// A cell that a spreadsheet would run as a formula gets a leading apostrophe,
/// as on the publicity list: a published feed cannot carry one.
fn inert(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// The feed's rows as CSV with headers in `language`, one line per payment in the
/// feed's order (county, township, project, roster, line). The totals are in
/// [`write_feed_totals_csv`] and in the JSON.
///
/// ```
/// use time::macros::date;
/// use yikatong_core::disclosure::daily_feed;
/// use yikatong_core::{Language, MaskingPolicy, PaymentLedger, PolicyCatalog, RegionTree, Register};
/// use yikatong_formats::{CsvEncoding, write_feed_csv};
///
/// let feed = daily_feed(
///     &PaymentLedger::new(),
///     &Register::new(),
///     &PolicyCatalog::new(),
///     RegionTree::bundled()?,
///     date!(2026 - 11 - 26),
///     None,
///     &MaskingPolicy::default(),
/// )?;
/// let csv = write_feed_csv(&feed, Language::En, CsvEncoding::Utf8)?;
/// assert!(String::from_utf8(csv)?.starts_with("name,resident_id,village"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`FormatError::Unencodable`] when GBK is asked for and a name has a character GBK
/// lacks (e.g. Mongolian script): use UTF-8 then.
pub fn write_feed_csv(
    feed: &DailyFeed,
    language: Language,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError> {
    let headers = match language {
        Language::Zh => DisclosureRow::HEADERS_ZH,
        Language::En => DisclosureRow::HEADERS_EN,
    };
    let rows = feed.rows.iter().map(|row| row.cells().map(inert));
    write_table_csv(&headers, rows, encoding)
}

/// The feed's totals as CSV: one line overall, then by project, prefecture and
/// county (level, code, name, count, amount).
///
/// # Errors
///
/// [`FormatError::Unencodable`] for GBK and a name GBK cannot write.
pub fn write_feed_totals_csv(
    feed: &DailyFeed,
    language: Language,
    encoding: CsvEncoding,
) -> Result<Vec<u8>, FormatError> {
    let (headers, levels): ([&str; 5], fn(&str) -> &'static str) = match language {
        Language::Zh => (FeedTotal::HEADERS_ZH, level_zh),
        Language::En => (FeedTotal::HEADERS_EN, level_en),
    };
    let rows = feed.totals.rows().map(|(level, total)| {
        [
            levels(level).to_owned(),
            total.code.clone(),
            total.name.clone(),
            total.count.to_string(),
            total.amount.to_string(),
        ]
        .map(inert)
    });
    write_table_csv(&headers, rows, encoding)
}

fn level_zh(level: &str) -> &'static str {
    match level {
        "project" => "项目",
        "prefecture" => "盟市",
        "county" => "旗县",
        _ => "合计",
    }
}

fn level_en(level: &str) -> &'static str {
    match level {
        "project" => "project",
        "prefecture" => "prefecture",
        "county" => "county",
        _ => "all",
    }
}

/// The feed as JSON (UTF-8): date, region, rows and totals; amounts as strings
/// with two decimals, dates as `YYYY-MM-DD`.
///
/// # Errors
///
/// [`FormatError::Write`] if the JSON writer fails (it does not for a feed the core
/// built).
pub fn write_feed_json(feed: &DailyFeed) -> Result<Vec<u8>, FormatError> {
    serde_json::to_vec_pretty(feed).map_err(|error| FormatError::Write {
        reason: error.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use proptest::prelude::*;
    use time::Date;
    use time::macros::date;
    use yikatong_core::disclosure::daily_feed;
    use yikatong_core::{
        AccountKind, AccountMasking, AccountNumber, Amount, BankResult, BankReturn, BatchPlan,
        Beneficiary, FailureKind, FailureReason, HeldProjects, IdMasking, IntakeMode,
        MaskingPolicy, NameMasking, Payer, PaymentBatch, PaymentChange, PaymentCommand,
        PaymentEvent, PaymentId, PaymentLedger, Period, PolicyCatalog, PublicityEntry,
        PublicityInput, RegionCode, RegionLevel, RegionTree, Register, ResidentId, ResultStatus,
        Review, Roster, RosterHeader, WorkCalendar,
    };
    use yikatong_testkit::ids::IdGenerator;
    use yikatong_testkit::payments::{approve_for_payment, sample_batch, sample_instruction};
    use yikatong_testkit::population::{Township, TownshipSpec};

    use super::*;
    use crate::{ReadOptions, read_roster, read_table, write_publicity_csv};

    type TestResult = Result<(), Box<dyn std::error::Error>>;
    type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

    pub(crate) const PAID_ON: Date = date!(2026 - 03 - 24);

    /// Whether `text` has a run of exactly 11 digits that is a mainland mobile number
    /// (1, then 3–9, then 9 digits). Longer runs are other numbers (a 12-digit
    /// region code starts with 15 too); a masked number breaks the run with `*`.
    fn has_phone(text: &str) -> bool {
        text.split(|c: char| !c.is_ascii_digit()).any(|run| {
            run.len() == 11 && run.starts_with('1') && matches!(run.as_bytes()[1], b'3'..=b'9')
        })
    }

    /// Every private value the data holds, that no public output may show.
    struct Secrets {
        ids: BTreeSet<String>,
        accounts: BTreeSet<String>,
        phones: BTreeSet<String>,
    }

    impl Secrets {
        fn of(register: &Register, ledger: &PaymentLedger) -> Secrets {
            let mut secrets = Secrets {
                ids: BTreeSet::new(),
                accounts: BTreeSet::new(),
                phones: BTreeSet::new(),
            };
            for person in register.beneficiaries() {
                secrets.ids.insert(person.resident_id.as_str().to_owned());
                secrets.phones.extend(person.phone.clone());
            }
            for account in register.accounts() {
                secrets.accounts.insert(account.number.as_str().to_owned());
            }
            for line in ledger.batches().flat_map(|batch| &batch.instructions) {
                secrets.ids.insert(line.payee.as_str().to_owned());
                secrets
                    .accounts
                    .insert(line.account.number.as_str().to_owned());
            }
            secrets
        }

        /// What `text` shows that it must not, if anything.
        fn leak(&self, text: &str) -> Option<String> {
            let id = self.ids.iter().find(|id| text.contains(id.as_str()));
            let account = self
                .accounts
                .iter()
                .find(|number| text.contains(number.as_str()));
            let phone = self
                .phones
                .iter()
                .find(|phone| text.contains(phone.as_str()));
            id.or(account)
                .or(phone)
                .cloned()
                .or_else(|| has_phone(text).then(|| "a mobile number".to_owned()))
        }
    }

    /// A generated township's roster, through review and into a ledger; the bank pays
    /// every line but each 10th on `PAID_ON` (account closed: it waits for correction).
    /// The Arrow tables' tests use it too.
    pub(crate) fn paid_township()
    -> Fallible<(Township, PolicyCatalog, Roster, Review, PaymentLedger)> {
        let town = Township::generate(&TownshipSpec {
            households: 300,
            max_members: 1,
            ..TownshipSpec::default()
        })?;
        let catalog = PolicyCatalog::from_json(
            "cystbh.json",
            include_str!("../../../examples/data/policies/cystbh.json"),
        )?;
        let project = catalog.project("CYSTBH-CXPH").ok_or("no project")?;
        let file = read_roster(town.roster_csv().as_bytes(), &ReadOptions::default())?;
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
        let payers = std::collections::BTreeMap::from([(
            town.township.truncate(RegionLevel::County),
            Payer {
                unit_code: "CZ150422".into(),
                name: "巴林左旗财政局".into(),
                account: "15050000000000000001".into(),
            },
        )]);
        let calendar = WorkCalendar::weekdays_only();
        let plan = BatchPlan {
            project,
            payers: &payers,
            agreements: town.register.agreements(),
            calendar: &calendar,
            prepared_on: date!(2026 - 03 - 20),
            lead_working_days: 1,
        };
        let mut ledger = PaymentLedger::new();
        let prepared = ledger.prepare(&plan, &[(&roster, &review)], "finance")?;
        ledger.apply_all(&prepared.events);
        let batches: Vec<PaymentBatch> = ledger.batches().cloned().collect();
        for (n, batch) in batches.iter().enumerate() {
            pay(&mut ledger, batch, n as u8 + 1, |i| i % 10 != 9)?;
        }
        Ok((town, catalog, roster, review, ledger))
    }

    /// Records `batch` as exported and the bank's answer on `PAID_ON`: paid where
    /// `paid(index)`, else failed.
    fn pay(
        ledger: &mut PaymentLedger,
        batch: &PaymentBatch,
        n: u8,
        paid: impl Fn(usize) -> bool,
    ) -> Fallible<()> {
        let hash = |n: u8| format!("{n:02x}").repeat(32);
        ledger.execute(
            PaymentCommand::Export {
                batch_id: batch.id.clone(),
                file_name: format!("{}.txt", batch.id),
                sha256: hash(n),
            },
            "finance",
            PAID_ON,
        )?;
        let results = batch
            .instructions
            .iter()
            .enumerate()
            .map(|(i, line)| BankResult {
                line: i as u64 + 2,
                reference: line.instruction_id(),
                status: if paid(i) {
                    ResultStatus::Settled
                } else {
                    ResultStatus::Failed {
                        reason: FailureReason::of_kind(FailureKind::AccountClosed),
                    }
                },
                amount: None,
                name: None,
                account: None,
            })
            .collect();
        ledger.receive(
            BankReturn {
                source: format!("result-{n}"),
                sha256: hash(n.wrapping_add(100)),
                batch_id: Some(batch.id.clone()),
                complete: true,
                rejected: None,
                results,
            },
            "bank",
            PAID_ON,
        )?;
        Ok(())
    }

    fn publicity(roster: &Roster, project_name: &str) -> Vec<PublicityEntry> {
        let villages: Vec<String> = roster
            .lines()
            .iter()
            .map(|line| line.facts.region.to_string())
            .collect();
        MaskingPolicy::default().entries(roster.lines().iter().zip(&villages).map(
            |(line, village)| PublicityInput {
                line: line.line_no,
                name: &line.name,
                resident_id: &line.facts.resident_id,
                account: line.account.as_ref().map(|account| &account.number),
                amount: line.amount,
                village,
                project: project_name,
            },
        ))
    }

    /// Invariant 6 on real outputs: the feed (CSV in both encodings and languages,
    /// totals, JSON) and the publicity list of a generated township show no full ID
    /// number, account number or phone number, though the data has all of them.
    #[test]
    fn scanner_finds_no_id_account_or_phone_in_public_outputs() -> TestResult {
        let (town, catalog, roster, _, ledger) = paid_township()?;
        let feed = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            PAID_ON,
            None,
            &MaskingPolicy::default(),
        )?;
        let lines = roster.lines().len();
        assert!(lines > 200, "{lines} lines");
        assert_eq!(feed.rows.len(), lines - lines / 10, "each 10th failed");
        let secrets = Secrets::of(&town.register, &ledger);
        assert!(secrets.ids.len() >= lines && secrets.accounts.len() >= lines);
        assert!(
            !secrets.phones.is_empty(),
            "the register has phones to leak"
        );
        // The scanner sees what it must: unmasked data does leak.
        let raw = serde_json::to_string(&ledger.batches().next().ok_or("no batch")?)?;
        assert!(secrets.leak(&raw).is_some());
        assert!(has_phone("电话13912345678。") && !has_phone("150422100001 1391234567"));

        let project = catalog.project("CYSTBH-CXPH").ok_or("no project")?;
        let mut outputs = vec![
            ("feed json", write_feed_json(&feed)?),
            (
                "publicity",
                write_publicity_csv(
                    &publicity(&roster, &project.name),
                    Language::Zh,
                    CsvEncoding::Utf8,
                )?,
            ),
        ];
        for language in [Language::Zh, Language::En] {
            outputs.push((
                "feed csv",
                write_feed_csv(&feed, language, CsvEncoding::Utf8)?,
            ));
            outputs.push((
                "totals csv",
                write_feed_totals_csv(&feed, language, CsvEncoding::Utf8)?,
            ));
        }
        for (what, bytes) in &outputs {
            let text = String::from_utf8(bytes.clone())?;
            assert!(text.len() > 100, "{what} is empty");
            assert_eq!(secrets.leak(&text), None, "{what} leaks");
        }
        // GBK too (the names are Chinese): decode and scan.
        let gbk = write_feed_csv(&feed, Language::Zh, CsvEncoding::Gbk)?;
        let table = read_table(&gbk, &ReadOptions::default())?;
        assert_eq!(table.rows.len(), feed.rows.len());
        for row in &table.rows {
            assert_eq!(secrets.leak(&row.cells.join(",")), None);
        }
        Ok(())
    }

    #[test]
    fn feed_csv_and_json_hold_the_rows_and_totals() -> TestResult {
        let (town, catalog, _, _, ledger) = paid_township()?;
        let feed = daily_feed(
            &ledger,
            &town.register,
            &catalog,
            RegionTree::bundled()?,
            PAID_ON,
            None,
            &MaskingPolicy::default(),
        )?;
        let csv = write_feed_csv(&feed, Language::Zh, CsvEncoding::Utf8)?;
        let table = read_table(&csv, &ReadOptions::default())?;
        assert_eq!(table.headers, DisclosureRow::HEADERS_ZH);
        assert_eq!(table.rows.len(), feed.rows.len());
        let first = &table.rows[0].cells;
        assert_eq!(first[1], feed.rows[0].resident_id);
        assert_eq!(first[9], feed.rows[0].amount.to_string());
        assert_eq!(first[10], "2026-03-24");
        let sum: i64 = table
            .rows
            .iter()
            .map(|row| Amount::parse(&row.cells[9]).map(Amount::to_fen))
            .sum::<Result<i64, _>>()?;
        assert_eq!(sum, feed.totals.all.amount.to_fen());

        let totals = write_feed_totals_csv(&feed, Language::En, CsvEncoding::Utf8)?;
        let totals = read_table(&totals, &ReadOptions::default())?;
        assert_eq!(totals.headers, FeedTotal::HEADERS_EN);
        let levels: Vec<&str> = totals
            .rows
            .iter()
            .map(|row| row.cells[0].as_str())
            .collect();
        assert_eq!(levels, ["all", "project", "prefecture", "county"]);
        assert_eq!(totals.rows[0].cells[3], feed.rows.len().to_string());

        let json: serde_json::Value = serde_json::from_slice(&write_feed_json(&feed)?)?;
        assert_eq!(json["date"], "2026-03-24");
        assert_eq!(json["rows"].as_array().map(Vec::len), Some(feed.rows.len()));
        assert_eq!(
            json["totals"]["all"]["amount"],
            feed.totals.all.amount.to_string()
        );
        assert_eq!(json["totals"]["by_county"][0]["code"], "150422");
        Ok(())
    }

    const POLICIES: [MaskingPolicy; 4] = [
        MaskingPolicy {
            name: NameMasking::MaskGivenName,
            resident_id: IdMasking::FirstSixLastFour,
            account: AccountMasking::LastFour,
        },
        MaskingPolicy {
            name: NameMasking::Full,
            resident_id: IdMasking::FirstSixLastFour,
            account: AccountMasking::LastFour,
        },
        MaskingPolicy {
            name: NameMasking::Full,
            resident_id: IdMasking::Hidden,
            account: AccountMasking::Hidden,
        },
        MaskingPolicy {
            name: NameMasking::MaskGivenName,
            resident_id: IdMasking::Hidden,
            account: AccountMasking::LastFour,
        },
    ];

    /// A ledger paying one line per (name, fen) to generated people and cards, all
    /// paid on `PAID_ON`, and the register naming them.
    fn random_payments(seed: u64, people: &[(String, i64)]) -> Fallible<(Register, PaymentLedger)> {
        let mut ids = IdGenerator::new(seed);
        let mut register = Register::new();
        let village = RegionCode::parse("150422101001")?;
        let mut instructions = Vec::new();
        for (i, (name, fen)) in people.iter().enumerate() {
            let payee = ResidentId::parse(&ids.resident_id())?;
            let mut person = Beneficiary::new(payee, name.as_str(), format!("H{i}"), village);
            person.phone = Some(format!("139{:08}", i));
            register.upsert_beneficiary(person);
            let line_no = i as u32 + 1;
            let mut line = sample_instruction(line_no, name, "1", "6228480000000000018", line_no)?;
            line.payee = payee;
            line.payment_id = PaymentId::for_line(
                "GLJT",
                Period::parse("2026-11")?,
                &line.roster_id,
                line_no,
                payee,
            );
            line.account.number = AccountNumber::parse(&ids.bank_card(), AccountKind::BankCard)?;
            line.amount = Amount::from_fen(*fen)?;
            instructions.push(line);
        }
        let batch = sample_batch(instructions)?;
        let mut ledger = PaymentLedger::new();
        ledger.apply(&PaymentEvent {
            on: PAID_ON,
            by: "finance".to_owned(),
            change: PaymentChange::BatchPrepared {
                batch: Arc::new(batch.clone()),
            },
        });
        pay(&mut ledger, &batch, 1, |_| true)?;
        Ok((register, ledger))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Whatever the names (even with a phone number typed in), amounts and
        /// policy, the feed's CSV and JSON never show a full ID or account number or
        /// a phone number.
        #[test]
        fn masked_feeds_never_show_a_full_id(
            seed in any::<u64>(),
            people in proptest::collection::vec(
                ("[张王李赵欧阳巴特尔乌云其格]{1,4}", proptest::option::of("1[3-9][0-9]{9}"), 1i64..10_000_000),
                1..12,
            ),
            policy in 0usize..POLICIES.len(),
        ) {
            let people: Vec<(String, i64)> = people
                .into_iter()
                .map(|(name, phone, fen)| (format!("{name}{}", phone.unwrap_or_default()), fen))
                .collect();
            let (register, ledger) = random_payments(seed, &people)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let regions = RegionTree::bundled().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let feed = daily_feed(
                &ledger, &register, &PolicyCatalog::new(), regions, PAID_ON, None, &POLICIES[policy],
            ).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(feed.rows.len(), people.len());
            let total: i64 = people.iter().map(|(_, fen)| fen).sum();
            prop_assert_eq!(feed.totals.all.amount.to_fen(), total);
            let secrets = Secrets::of(&register, &ledger);
            let outputs = [
                write_feed_json(&feed),
                write_feed_csv(&feed, Language::Zh, CsvEncoding::Utf8),
                write_feed_totals_csv(&feed, Language::Zh, CsvEncoding::Utf8),
            ];
            for output in outputs {
                let bytes = output.map_err(|e| TestCaseError::fail(e.to_string()))?;
                let text = String::from_utf8_lossy(&bytes);
                prop_assert_eq!(secrets.leak(&text), None, "{}", text);
            }
        }
    }
}
