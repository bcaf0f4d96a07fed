//! Monitoring and audit checks (监控核查): data-assisted cross-checks of what was
//! approved against what was paid, for the supervision and audit role (监察审计).
//!
//! The checks read flat rows ([`PaidRow`]: one per paid attempt, and one per approved
//! line that has no paid attempt) so each is one pass or one sort over its input,
//! and a host can feed the same rows from a columnar engine. [`AuditInput::collect`]
//! builds the rows from the ledger, the approved rosters and the register.
//! [`run_checks`] gives [`AuditFinding`]s in a stable order, with summaries by check
//! and by county and the on-time counts per county and project.
//! [`draw_audit_sample`] draws a reproducible random sample per county.
//!
//! The rules, one per [`CheckKind`]:
//!
//! | check | a row is reported when |
//! |---|---|
//! | duplicate payment (重复发放) | a person, project and period has two or more paid rows (any townships, batches, attempts) |
//! | missed payment (漏发) | an approved line still owed (an amount, not on hold, eligible, alive at the period's start) has no paid attempt after its deadline (the period's last day when unknown) |
//! | late payment (迟发) | the counted success was reported after the deadline |
//! | over-payment (多发) | with exactly one paid row (more is a duplicate), paid minus recovered exceeds the amount due (not judged for an ineligible person) |
//! | deceased (死亡后发放) | a period starting after the beneficiary's (or payee's) date of death was paid |
//! | no longer eligible (不再符合条件) | recomputing under the policy in force found the person not eligible |
//! | mutually exclusive (互斥项目) | one person was paid two projects of a configured pair for the same period |
//! | shared account (集中代领) | one account received payments for people of at least the configured number of households |
//! | holder name (户名不符) | the account holder's name differs from the payee's registered name |
//! | excluded person (禁止享受) | the beneficiary is on a reference list whose tag excludes the project |
//! | review and payment disagree (两张皮) | the paid payee, amount, or first-attempt account differs from the approved line, or no approved line exists |

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use compact_str::CompactString;
use time::Date;

use crate::register::FastMap;
use crate::{PaymentId, Period, RegionCode, Register, ResidentId, SubsidyProject};

mod collect;
mod engine;
mod sample;
#[cfg(test)]
mod tests;

pub use sample::{AuditSample, CountySample, SampledPayment, draw_audit_sample};

// ---------------------------------------------------------------------------
// Input rows

/// The approved roster line a payment belongs to, as the reviewers approved it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ApprovedLine {
    /// The roster.
    pub roster_id: Arc<str>,
    /// The line.
    pub line_no: u32,
    /// Who is to be paid.
    pub payee: ResidentId,
    /// The account number approved (empty when the line had none).
    pub account: CompactString,
    /// The amount approved, in fen.
    pub amount_fen: i64,
}

/// One row of audit input: a paid attempt (`settled_on` is set), or an approved
/// line with no paid attempt (`settled_on` is `None`).
///
/// Flat and owned so that rows can come from a columnar store as well as from
/// [`AuditInput::collect`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaidRow {
    /// The payment (one per roster line).
    pub payment_id: PaymentId,
    /// The attempt paid (1 for the first sending); 0 for a line never sent.
    pub attempt: u8,
    /// The beneficiary (for per-household projects, the household head).
    pub beneficiary: ResidentId,
    /// Who was paid.
    pub payee: ResidentId,
    /// The beneficiary's household (empty when unknown).
    pub household_id: CompactString,
    /// The payee's name in the register (or on the roster line).
    pub registered_name: CompactString,
    /// The account holder's name as the bank has it (empty when no account).
    pub holder_name: CompactString,
    /// The account number paid onto (empty when no account).
    pub account: CompactString,
    /// The project's code.
    pub project: Arc<str>,
    /// The period paid.
    pub period: Period,
    /// The township whose roster the line is on.
    pub township: RegionCode,
    /// The county (旗县) of the township.
    pub county: RegionCode,
    /// The batch of the attempt, if it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<Arc<str>>,
    /// The amount of the attempt (or of the line), in fen.
    pub amount_fen: i64,
    /// The amount due for the person, project and period (with arrears), in fen;
    /// `None` when not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitled_fen: Option<i64>,
    /// What has already been recovered (扣回/追回) of this row's amount, in fen.
    #[serde(default)]
    pub recovered_fen: i64,
    /// The day the bank's result reported this attempt paid; `None` when unpaid.
    #[serde(
        default,
        with = "crate::policy::iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub settled_on: Option<Date>,
    /// Whether this attempt is the payment's counted success (a second success
    /// awaiting recovery is paid but not counted).
    pub counted: bool,
    /// The cycle's deadline, when known.
    #[serde(
        default,
        with = "crate::policy::iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub deadline: Option<Date>,
    /// The line is on hold by the auditor: not paying it is intended.
    #[serde(default)]
    pub on_hold: bool,
    /// Why the person is not eligible under the policy in force, when recomputing
    /// found so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<String>,
    /// The approved roster line; `None` for a payment no approved line explains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<ApprovedLine>,
}

impl PaidRow {
    /// Whether the bank paid this attempt.
    pub fn is_paid(&self) -> bool {
        self.settled_on.is_some()
    }

    /// The day by which it should have been paid: the deadline, or the period's last
    /// day when no deadline is known.
    pub fn due_by(&self) -> Date {
        self.deadline.unwrap_or_else(|| self.period.last_day())
    }

    /// What this row paid and kept: the amount less what was recovered.
    fn net_fen(&self) -> i64 {
        self.amount_fen.saturating_sub(self.recovered_fen)
    }
}

/// The rows the checks read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditInput {
    /// The rows, in any order (findings do not depend on it).
    pub rows: Vec<PaidRow>,
}

impl AuditInput {
    /// Rows given directly (e.g. read from a columnar store).
    pub fn from_rows(rows: Vec<PaidRow>) -> AuditInput {
        AuditInput { rows }
    }
}

// ---------------------------------------------------------------------------
// Reference lists and configuration

/// Dates of death reported by civil affairs or public security (死亡名单), by ID.
#[derive(Debug, Clone, Default)]
pub struct DeathList {
    died: FastMap<ResidentId, Date>,
}

impl DeathList {
    /// An empty list.
    pub fn new() -> DeathList {
        DeathList::default()
    }

    /// Records a death; when a person is reported twice the earlier date is kept.
    pub fn insert(&mut self, person: ResidentId, died_on: Date) {
        self.died
            .entry(person)
            .and_modify(|date| *date = (*date).min(died_on))
            .or_insert(died_on);
    }

    /// The dates of death the register holds.
    pub fn from_register(register: &Register) -> DeathList {
        let mut list = DeathList::new();
        for person in register.beneficiaries() {
            if let Some(died_on) = person.deceased_on {
                list.insert(person.resident_id, died_on);
            }
        }
        list
    }

    /// The date of death of `person`, if reported.
    pub fn died_on(&self, person: &ResidentId) -> Option<Date> {
        self.died.get(person).copied()
    }

    /// How many people are on the list.
    pub fn len(&self) -> usize {
        self.died.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.died.is_empty()
    }
}

/// People who may not receive some projects, by ID, each with a tag naming the list
/// (e.g. `public_employee` for 财政供养人员), and which projects each tag excludes.
#[derive(Debug, Clone, Default)]
pub struct TaggedExclusions {
    tags: FastMap<ResidentId, Vec<CompactString>>,
    /// Tag → the projects it excludes; an empty set excludes every project.
    rules: BTreeMap<CompactString, BTreeSet<String>>,
}

impl TaggedExclusions {
    /// No one excluded.
    pub fn new() -> TaggedExclusions {
        TaggedExclusions::default()
    }

    /// Says which projects people tagged `tag` may not receive; no projects means all.
    pub fn exclude<I, S>(&mut self, tag: impl Into<CompactString>, projects: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rules
            .entry(tag.into())
            .or_default()
            .extend(projects.into_iter().map(Into::into));
    }

    /// Puts `person` on the list tagged `tag`.
    pub fn tag(&mut self, person: ResidentId, tag: impl Into<CompactString>) {
        let tag = tag.into();
        let tags = self.tags.entry(person).or_default();
        if !tags.contains(&tag) {
            tags.push(tag);
            tags.sort_unstable();
        }
    }

    /// The first tag (in tag order) of `person` that excludes `project`, if any.
    /// A tag with no rule excludes nothing.
    pub fn excluding(&self, person: &ResidentId, project: &str) -> Option<&str> {
        self.tags.get(person)?.iter().find_map(|tag| {
            let projects = self.rules.get(tag)?;
            (projects.is_empty() || projects.contains(project)).then_some(tag.as_str())
        })
    }
}

/// The reference lists the checks compare against.
#[derive(Debug, Clone, Default)]
pub struct References {
    /// Dates of death.
    pub deaths: DeathList,
    /// Exclusion lists.
    pub exclusions: TaggedExclusions,
}

/// How the checks are run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    /// The day of the check: a line is missed only once its deadline has passed.
    pub as_of: Date,
    /// Pairs of projects one person may not receive for the same period.
    pub exclusive_pairs: BTreeSet<(String, String)>,
    /// An account is shared when it receives for people of this many households or
    /// more (at least 2).
    pub households_per_account: usize,
}

impl CheckConfig {
    /// The default configuration on `as_of`: no exclusive pairs, accounts shared by
    /// 2 or more households reported.
    pub fn new(as_of: Date) -> CheckConfig {
        CheckConfig {
            as_of,
            exclusive_pairs: BTreeSet::new(),
            households_per_account: 2,
        }
    }

    /// Adds a pair of projects that exclude each other (order does not matter).
    pub fn with_exclusive_pair(
        mut self,
        a: impl Into<String>,
        b: impl Into<String>,
    ) -> CheckConfig {
        let (a, b) = (a.into(), b.into());
        if a != b {
            self.exclusive_pairs.insert(ordered(a, b));
        }
        self
    }

    /// Adds every pair the projects declare in their `excludes` lists.
    pub fn with_project_exclusions(mut self, projects: &[SubsidyProject]) -> CheckConfig {
        for project in projects {
            for other in &project.excludes {
                if *other != project.code {
                    self.exclusive_pairs
                        .insert(ordered(project.code.clone(), other.clone()));
                }
            }
        }
        self
    }

    fn excludes(&self, a: &str, b: &str) -> bool {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        // Pairs are few: a scan beats building owned keys per lookup.
        self.exclusive_pairs.iter().any(|(x, y)| x == a && y == b)
    }
}

fn ordered(a: String, b: String) -> (String, String) {
    if a <= b { (a, b) } else { (b, a) }
}

// ---------------------------------------------------------------------------
// Findings

/// The check that produced a finding. Findings sort by check in this order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Paid more than once for one person, project and period (重复发放).
    DuplicatePayment,
    /// Paid for a period after the date of death.
    Deceased,
    /// Paid more than due (多发).
    OverPayment,
    /// Not eligible under the policy in force.
    NoLongerEligible,
    /// On an exclusion list for the project.
    ExcludedPerson,
    /// Paid two projects that exclude each other for one period.
    MutuallyExclusive,
    /// The paid payee, account or amount differs from the approved line (两张皮).
    ReviewPaymentMismatch,
    /// Not paid after the deadline (漏发).
    MissedPayment,
    /// Paid after the deadline (迟发).
    LatePayment,
    /// One account receiving for several households (集中代领).
    SharedAccount,
    /// The account holder is not the payee.
    HolderNameMismatch,
}

impl CheckKind {
    /// Every check, in order.
    pub const ALL: [CheckKind; 11] = [
        CheckKind::DuplicatePayment,
        CheckKind::Deceased,
        CheckKind::OverPayment,
        CheckKind::NoLongerEligible,
        CheckKind::ExcludedPerson,
        CheckKind::MutuallyExclusive,
        CheckKind::ReviewPaymentMismatch,
        CheckKind::MissedPayment,
        CheckKind::LatePayment,
        CheckKind::SharedAccount,
        CheckKind::HolderNameMismatch,
    ];

    /// The Chinese term used in audit reports.
    pub const fn name_zh(self) -> &'static str {
        match self {
            CheckKind::DuplicatePayment => "重复发放",
            CheckKind::Deceased => "死亡后发放",
            CheckKind::OverPayment => "多发",
            CheckKind::NoLongerEligible => "不再符合条件",
            CheckKind::ExcludedPerson => "禁止享受人员",
            CheckKind::MutuallyExclusive => "互斥项目重复享受",
            CheckKind::ReviewPaymentMismatch => "两张皮",
            CheckKind::MissedPayment => "漏发",
            CheckKind::LatePayment => "迟发",
            CheckKind::SharedAccount => "集中代领",
            CheckKind::HolderNameMismatch => "户名不符",
        }
    }

    /// How grave a finding of this check is.
    pub const fn severity(self) -> AuditSeverity {
        match self {
            CheckKind::DuplicatePayment | CheckKind::Deceased => AuditSeverity::Critical,
            CheckKind::OverPayment
            | CheckKind::NoLongerEligible
            | CheckKind::ExcludedPerson
            | CheckKind::MutuallyExclusive
            | CheckKind::ReviewPaymentMismatch
            | CheckKind::MissedPayment => AuditSeverity::High,
            CheckKind::SharedAccount | CheckKind::HolderNameMismatch => AuditSeverity::Medium,
            CheckKind::LatePayment => AuditSeverity::Low,
        }
    }
}

/// How grave a finding is: money lost (critical), money at risk or a person wronged
/// (high), a sign to look into (medium), a process failing its time limit (low).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditSeverity {
    /// Money paid that must come back.
    Critical,
    /// Money wrongly paid or withheld.
    High,
    /// Something to verify.
    Medium,
    /// A time limit missed.
    Low,
}

/// One named piece of evidence, e.g. `settled_on` → `2026-11-20`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Evidence {
    /// What it is.
    pub name: String,
    /// Its value, as text.
    pub value: String,
}

/// What one check found about one person (or, for a shared account, one account).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditFinding {
    /// The check.
    pub check: CheckKind,
    /// How grave it is.
    pub severity: AuditSeverity,
    /// The beneficiary concerned.
    pub beneficiary: ResidentId,
    /// The project.
    pub project: String,
    /// The period.
    pub period: Period,
    /// The township whose roster the payment is on.
    pub region: RegionCode,
    /// The county.
    pub county: RegionCode,
    /// The money at stake, in fen: to recover, or to pay.
    pub amount_fen: i64,
    /// The facts found.
    pub evidence: Vec<Evidence>,
    /// What to do, in words a clerk or auditor can act on.
    pub action: String,
}

/// Findings and money at stake of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckTally {
    /// The check.
    pub check: CheckKind,
    /// Findings.
    pub findings: u64,
    /// Money at stake, in fen.
    pub amount_fen: i64,
}

/// Findings and money at stake of one check in one county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CountyTally {
    /// The county.
    pub county: RegionCode,
    /// The check.
    pub check: CheckKind,
    /// Findings.
    pub findings: u64,
    /// Money at stake, in fen.
    pub amount_fen: i64,
}

/// How many payments of a county and project came on time (counts, not a rate: the
/// rate is `on_time / (on_time + late + missed)`, computed by whoever shows it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Timeliness {
    /// The county.
    pub county: RegionCode,
    /// The project.
    pub project: String,
    /// Paid by the deadline.
    pub on_time: u64,
    /// Paid after the deadline.
    pub late: u64,
    /// Unpaid after the deadline.
    pub missed: u64,
    /// Unpaid and not missed: the deadline has not passed, or nothing is owed (no
    /// amount, on hold, not eligible, or died before the period).
    pub not_yet_due: u64,
}

/// What [`run_checks`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditReport {
    /// The day of the check.
    #[serde(with = "crate::policy::iso_date")]
    pub as_of: Date,
    /// Every finding, by check, county, township, beneficiary, project, period and evidence.
    pub findings: Vec<AuditFinding>,
    /// Findings by check, in check order (checks with none left out).
    pub by_check: Vec<CheckTally>,
    /// Findings by county and check.
    pub by_county: Vec<CountyTally>,
    /// Timeliness by county and project.
    pub timeliness: Vec<Timeliness>,
}

impl AuditReport {
    /// The findings of one check.
    pub fn of(&self, check: CheckKind) -> impl Iterator<Item = &AuditFinding> + '_ {
        self.findings.iter().filter(move |f| f.check == check)
    }
}

// ---------------------------------------------------------------------------
// Running the checks

/// Runs every check over the rows. One pass over the rows (split between threads)
/// runs the per-row checks and packs two 16-byte keys per paid row; sorting the
/// keys groups rows by person and by account, and only the few groups that can hold
/// a finding are read again. The same rows in any order give the same report.
///
/// Uses up to as many threads as the machine has cores, at most four (or only the
/// caller's, when no thread can be started). Rows are numbered in 32 bits: at most
/// 4,294,967,295 of them.
pub fn run_checks(
    input: &AuditInput,
    references: &References,
    config: &CheckConfig,
) -> AuditReport {
    run_checks_with_progress(input, references, config, &crate::Silent)
}

/// [`run_checks`], reporting to `progress` how far it has got: `"checking rows"`
/// (rows read, of all) and then `"grouping rows"` (of the three groupings: by
/// person, by account, against the reference lists).
pub fn run_checks_with_progress(
    input: &AuditInput,
    references: &References,
    config: &CheckConfig,
    progress: &dyn crate::Progress,
) -> AuditReport {
    let threads = engine::threads_for(input.rows.len());
    run_checks_on(input, references, config, threads, progress)
}

/// [`run_checks`] with the rows split between `threads` threads.
fn run_checks_on(
    input: &AuditInput,
    references: &References,
    config: &CheckConfig,
    threads: usize,
    progress: &dyn crate::Progress,
) -> AuditReport {
    let (mut findings, timeliness) =
        engine::run(&input.rows, references, config, threads, progress);
    findings.sort_by(|a, b| {
        (
            a.check,
            a.county,
            a.region,
            a.beneficiary,
            &a.project,
            a.period,
            &a.evidence,
        )
            .cmp(&(
                b.check,
                b.county,
                b.region,
                b.beneficiary,
                &b.project,
                b.period,
                &b.evidence,
            ))
    });
    let mut by_check: BTreeMap<CheckKind, (u64, i64)> = BTreeMap::new();
    let mut by_county: BTreeMap<(RegionCode, CheckKind), (u64, i64)> = BTreeMap::new();
    for finding in &findings {
        for entry in [
            by_check.entry(finding.check).or_default(),
            by_county
                .entry((finding.county, finding.check))
                .or_default(),
        ] {
            entry.0 += 1;
            entry.1 = entry.1.saturating_add(finding.amount_fen);
        }
    }
    AuditReport {
        as_of: config.as_of,
        findings,
        by_check: by_check
            .into_iter()
            .map(|(check, (findings, amount_fen))| CheckTally {
                check,
                findings,
                amount_fen,
            })
            .collect(),
        by_county: by_county
            .into_iter()
            .map(|((county, check), (findings, amount_fen))| CountyTally {
                county,
                check,
                findings,
                amount_fen,
            })
            .collect(),
        timeliness,
    }
}

/// A finding about `row`'s person, project, period and township.
fn finding(
    check: CheckKind,
    row: &PaidRow,
    amount_fen: i64,
    evidence: Vec<Evidence>,
    action: String,
) -> AuditFinding {
    AuditFinding {
        check,
        severity: check.severity(),
        beneficiary: row.beneficiary,
        project: row.project.to_string(),
        period: row.period,
        region: row.township,
        county: row.county,
        amount_fen,
        evidence,
        action,
    }
}

fn ev(name: &str, value: impl ToString) -> Evidence {
    Evidence {
        name: name.to_owned(),
        value: value.to_string(),
    }
}

/// Fen as yuan with thousands separators: `120000` → `1,200.00`.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

/// The paid attempt, as evidence: id, attempt, batch, township, day and amount.
fn attempt_text(row: &PaidRow) -> String {
    let mut text = format!("{} attempt {}", row.payment_id, row.attempt);
    if let Some(batch) = &row.batch_id {
        let _ = write!(text, " batch {batch}");
    }
    let _ = write!(text, " township {}", row.township);
    if let Some(day) = row.settled_on {
        let _ = write!(text, " paid {day}");
    }
    let _ = write!(text, " {} yuan", yuan(row.amount_fen));
    text
}

fn duplicate(group: &[&PaidRow]) -> Option<AuditFinding> {
    // Report on the counted success (else the first), and call the others extra.
    let row = group
        .iter()
        .copied()
        .find(|row| row.counted)
        .or(group.first().copied())?;
    let total: i64 = group.iter().map(|row| row.net_fen()).sum();
    let extra = total.saturating_sub(row.net_fen()).max(0);
    let mut evidence = vec![ev("times_paid", group.len())];
    evidence.extend(group.iter().map(|row| ev("payment", attempt_text(row))));
    let action = format!(
        "recover {} yuan (追回): {} ({}) was paid {} times for {} {}; keep one payment",
        yuan(extra),
        row.registered_name,
        row.beneficiary,
        group.len(),
        row.project,
        row.period
    );
    Some(finding(
        CheckKind::DuplicatePayment,
        row,
        extra,
        evidence,
        action,
    ))
}

fn over_payment(row: &PaidRow) -> Option<AuditFinding> {
    if row.ineligible.is_some() {
        return None; // reported as no longer eligible
    }
    let due = row.entitled_fen?;
    let kept = row.net_fen();
    if kept <= due {
        return None;
    }
    let excess = kept - due;
    let evidence = vec![
        ev("paid", yuan(row.amount_fen)),
        ev("recovered", yuan(row.recovered_fen)),
        ev("due", yuan(due)),
        ev("payment", attempt_text(row)),
    ];
    let action = format!(
        "recover {} yuan (扣回) from {} ({}): paid {} less {} recovered, due {} for {} {}",
        yuan(excess),
        row.registered_name,
        row.beneficiary,
        yuan(row.amount_fen),
        yuan(row.recovered_fen),
        yuan(due),
        row.project,
        row.period
    );
    Some(finding(
        CheckKind::OverPayment,
        row,
        excess,
        evidence,
        action,
    ))
}

fn deceased(row: &PaidRow, deaths: &DeathList) -> Option<AuditFinding> {
    // The beneficiary first; a household head paid for others counts too.
    let (who, died_on) = [row.beneficiary, row.payee]
        .into_iter()
        .find_map(|person| Some((person, deaths.died_on(&person)?)))
        .filter(|(_, died_on)| row.period.first_day() > *died_on)?;
    let amount = row.net_fen().max(0);
    let evidence = vec![
        ev("died_on", died_on),
        ev("person", who),
        ev("period_starts", row.period.first_day()),
        ev("payment", attempt_text(row)),
    ];
    let action = format!(
        "stop payments and recover {} yuan (追回) paid for {} {} after the death of {} on {}",
        yuan(amount),
        row.project,
        row.period,
        who,
        died_on
    );
    Some(finding(CheckKind::Deceased, row, amount, evidence, action))
}

fn no_longer_eligible(row: &PaidRow) -> Option<AuditFinding> {
    let reason = row.ineligible.as_deref()?;
    let amount = row.net_fen().max(0);
    let evidence = vec![ev("reason", reason), ev("payment", attempt_text(row))];
    let action = format!(
        "verify eligibility of {} ({}) for {} {}: {}; if confirmed, stop payments (停发) and recover {} yuan",
        row.registered_name,
        row.beneficiary,
        row.project,
        row.period,
        reason,
        yuan(amount)
    );
    Some(finding(
        CheckKind::NoLongerEligible,
        row,
        amount,
        evidence,
        action,
    ))
}

fn excluded(row: &PaidRow, exclusions: &TaggedExclusions) -> Option<AuditFinding> {
    let tag = exclusions.excluding(&row.beneficiary, &row.project)?;
    let amount = row.net_fen().max(0);
    let evidence = vec![ev("list", tag), ev("payment", attempt_text(row))];
    let action = format!(
        "{} ({}) is on the {} list, which may not receive {}: stop payments and recover {} yuan paid for {}",
        row.registered_name,
        row.beneficiary,
        tag,
        row.project,
        yuan(amount),
        row.period
    );
    Some(finding(
        CheckKind::ExcludedPerson,
        row,
        amount,
        evidence,
        action,
    ))
}

fn mismatch(row: &PaidRow) -> Option<AuditFinding> {
    // Nearly every row agrees: decide before writing any evidence.
    if let Some(line) = &row.approved
        && line.payee == row.payee
        && (row.attempt > 1 || line.account == row.account)
        && line.amount_fen == row.amount_fen
    {
        return None;
    }
    let mut evidence = Vec::new();
    let mut differ = Vec::new();
    match &row.approved {
        None => {
            evidence.push(ev("approved_line", "none"));
            differ.push("no approved roster line".to_owned());
        }
        Some(line) => {
            evidence.push(ev(
                "approved_line",
                format!("{} line {}", line.roster_id, line.line_no),
            ));
            if line.payee != row.payee {
                evidence.push(ev("approved_payee", line.payee));
                evidence.push(ev("paid_payee", row.payee));
                differ.push(format!("payee {} instead of {}", row.payee, line.payee));
            }
            // A reissue may go to a corrected account (the correction queue).
            if row.attempt <= 1 && line.account != row.account {
                evidence.push(ev("approved_account", &line.account));
                evidence.push(ev("paid_account", &row.account));
                differ.push(format!(
                    "account {} instead of {}",
                    row.account, line.account
                ));
            }
            if line.amount_fen != row.amount_fen {
                evidence.push(ev("approved_amount", yuan(line.amount_fen)));
                evidence.push(ev("paid_amount", yuan(row.amount_fen)));
                differ.push(format!(
                    "{} yuan instead of {}",
                    yuan(row.amount_fen),
                    yuan(line.amount_fen)
                ));
            }
        }
    }
    if differ.is_empty() {
        return None;
    }
    evidence.push(ev("payment", attempt_text(row)));
    let at_stake = match &row.approved {
        Some(line) if line.payee == row.payee => (row.amount_fen - line.amount_fen).max(0),
        _ => row.amount_fen,
    };
    let action = match &row.approved {
        Some(line) => format!(
            "reconcile payment {} with roster {} line {} (两张皮): paid {}; correct the payment or recover the money",
            row.payment_id,
            line.roster_id,
            line.line_no,
            differ.join(", ")
        ),
        None => format!(
            "reconcile payment {} (两张皮): {} yuan was paid to {} but no approved roster line explains it; recover the money or produce the approval",
            row.payment_id,
            yuan(row.amount_fen),
            row.payee
        ),
    };
    Some(finding(
        CheckKind::ReviewPaymentMismatch,
        row,
        at_stake,
        evidence,
        action,
    ))
}

/// Names compare without spaces and with one kind of middle dot (Mongolian and
/// other names are written 巴特·尔 or 巴特•尔 or 巴特・尔).
fn same_name(a: &str, b: &str) -> bool {
    fn norm(c: char) -> Option<char> {
        match c {
            c if c.is_whitespace() => None,
            '•' | '・' | '‧' | '.' | '．' => Some('·'),
            c => Some(c),
        }
    }
    a == b || a.chars().filter_map(norm).eq(b.chars().filter_map(norm))
}

fn holder_name(row: &PaidRow) -> Option<AuditFinding> {
    if row.holder_name.is_empty()
        || row.registered_name.is_empty()
        || same_name(&row.holder_name, &row.registered_name)
    {
        return None;
    }
    let evidence = vec![
        ev("account", &row.account),
        ev("holder_name", &row.holder_name),
        ev("registered_name", &row.registered_name),
        ev("payment", attempt_text(row)),
    ];
    let action = format!(
        "check account {}: held by {} but paid for {} ({}); confirm the account with the bank or correct it on the roster",
        row.account, row.holder_name, row.registered_name, row.payee
    );
    Some(finding(
        CheckKind::HolderNameMismatch,
        row,
        row.amount_fen,
        evidence,
        action,
    ))
}

/// Whether an unpaid row is still owed: it has an amount, is not on hold, the
/// person is eligible and did not die before the period.
fn owed(row: &PaidRow, deaths: &DeathList) -> bool {
    row.amount_fen > 0
        && !row.on_hold
        && row.ineligible.is_none()
        && deaths
            .died_on(&row.beneficiary)
            .is_none_or(|died_on| died_on >= row.period.first_day())
}

/// How a row counts for timeliness, with its late or missed finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Punctuality {
    OnTime,
    Late,
    Missed,
    NotYetDue,
}

/// Whether a row was paid on time (`None` for a second success: a duplicate, not a
/// payment of its own); a late or missed row's finding goes to `findings`.
fn punctuality(
    row: &PaidRow,
    deaths: &DeathList,
    as_of: Date,
    findings: &mut Vec<AuditFinding>,
) -> Option<Punctuality> {
    let due_by = row.due_by();
    Some(match row.settled_on {
        Some(_) if !row.counted => return None,
        Some(paid_on) if paid_on <= due_by => Punctuality::OnTime,
        Some(paid_on) => {
            let days = (paid_on - due_by).whole_days();
            let evidence = vec![
                ev("deadline", due_by),
                ev("settled_on", paid_on),
                ev("days_late", days),
                ev("payment", attempt_text(row)),
            ];
            let action = format!(
                "explain the delay (迟发): {} yuan for {} {} to {} ({}) was paid on {}, {} days after the deadline {}",
                yuan(row.amount_fen),
                row.project,
                row.period,
                row.registered_name,
                row.beneficiary,
                paid_on,
                days,
                due_by
            );
            findings.push(finding(
                CheckKind::LatePayment,
                row,
                row.amount_fen,
                evidence,
                action,
            ));
            Punctuality::Late
        }
        None if as_of <= due_by || !owed(row, deaths) => Punctuality::NotYetDue,
        None => {
            let mut evidence = vec![ev("deadline", due_by), ev("as_of", as_of)];
            if let Some(line) = &row.approved {
                evidence.push(ev(
                    "approved_line",
                    format!("{} line {}", line.roster_id, line.line_no),
                ));
            }
            evidence.push(ev(
                "last_attempt",
                match (&row.batch_id, row.attempt) {
                    (Some(batch), attempt) => format!("attempt {attempt} batch {batch}"),
                    (None, _) => "never sent to a bank".to_owned(),
                },
            ));
            let action = format!(
                "pay {} yuan (补发) to {} ({}) for {} {}: approved but unpaid after the deadline {}; fix the account or reissue",
                yuan(row.amount_fen),
                row.registered_name,
                row.payee,
                row.project,
                row.period,
                due_by
            );
            findings.push(finding(
                CheckKind::MissedPayment,
                row,
                row.amount_fen,
                evidence,
                action,
            ));
            Punctuality::Missed
        }
    })
}

/// One person's paid rows for one period: a finding per pair of projects that
/// exclude each other, on the counted success of each project.
fn exclusive_projects<'a>(
    members: impl Iterator<Item = &'a PaidRow>,
    config: &CheckConfig,
    findings: &mut Vec<AuditFinding>,
) {
    let mut projects: Vec<&PaidRow> = members.filter(|row| row.counted).collect();
    projects.sort_by(|a, b| (&a.project, a.payment_id).cmp(&(&b.project, b.payment_id)));
    // One row per project (a duplicate is the duplicate check's business).
    projects.dedup_by(|a, b| a.project == b.project);
    for (i, first) in projects.iter().enumerate() {
        for second in &projects[i + 1..] {
            if !config.excludes(&first.project, &second.project) {
                continue;
            }
            let evidence = vec![
                ev(
                    "first",
                    format!("{} {}", first.project, attempt_text(first)),
                ),
                ev(
                    "second",
                    format!("{} {}", second.project, attempt_text(second)),
                ),
            ];
            let action = format!(
                "{} ({}) received both {} and {} for {}, which exclude each other: stop {} and recover {} yuan",
                second.registered_name,
                second.beneficiary,
                first.project,
                second.project,
                second.period,
                second.project,
                yuan(second.net_fen().max(0))
            );
            findings.push(finding(
                CheckKind::MutuallyExclusive,
                second,
                second.net_fen().max(0),
                evidence,
                action,
            ));
        }
    }
}

/// The payments onto one account, in household order: a finding when they span
/// `threshold` households or more.
fn shared_account(group: &[&PaidRow], threshold: usize) -> Option<AuditFinding> {
    let mut households: Vec<&str> = group.iter().map(|row| row.household_id.as_str()).collect();
    households.dedup();
    if households.len() < threshold {
        return None;
    }
    // Report on the holder's own payment when there is one, else the first.
    let anchor = group
        .iter()
        .copied()
        .find(|row| same_name(&row.holder_name, &row.registered_name))
        .or(group.first().copied())?;
    let total: i64 = group.iter().map(|row| row.amount_fen).sum();
    let mut people: Vec<ResidentId> = group.iter().map(|row| row.beneficiary).collect();
    people.sort_unstable();
    people.dedup();
    let mut evidence = vec![
        ev("account", &anchor.account),
        ev("holder_name", &anchor.holder_name),
        ev("households", households.len()),
        ev("people", people.len()),
    ];
    evidence.extend(group.iter().map(|row| {
        ev(
            "paid_for",
            format!(
                "{} {} household {} {} {} {} yuan",
                row.beneficiary,
                row.registered_name,
                row.household_id,
                row.project,
                row.period,
                yuan(row.amount_fen)
            ),
        )
    }));
    let action = format!(
        "check account {} held by {}: it received {} yuan in {} payments for {} people of {} households (集中代领); confirm each beneficiary's consent or move them to their own cards",
        anchor.account,
        anchor.holder_name,
        yuan(total),
        group.len(),
        people.len(),
        households.len()
    );
    Some(finding(
        CheckKind::SharedAccount,
        anchor,
        total,
        evidence,
        action,
    ))
}
