//! Disclosure (公开公示): the daily feed of payments (每日发放信息), its agreement
//! with the publicity lists, and each beneficiary's own look-up.
//!
//! Everything paid is made public the day it is paid, masked by a
//! [`MaskingPolicy`] (DESIGN.md invariant 6): the [`DailyFeed`] of a date lists
//! every payment the banks reported paid that day, with totals by project,
//! prefecture and county. [`check_consistency`] compares a roster's public notice
//! with the feed, so what was posted before review and what was paid agree
//! (no 两张皮). [`self_query`] gives one person all of their own payments,
//! unmasked, when they give their ID number and their name as registered.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use time::Date;

use crate::{
    Amount, AmountRule, CorrectionStatus, Error, FailureReason, MaskingPolicy, PayeeAccount,
    PaymentBatch, PaymentId, PaymentInstruction, PaymentLedger, Period, PolicyCatalog,
    PublicityEntry, RegionCode, RegionLevel, RegionTree, Register, RegisterRule, ResidentId,
    Result,
};

// ---------------------------------------------------------------------------
// The daily feed

/// One paid payment as the public sees it: masked per policy, no phone, no full
/// ID or account number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureRow {
    /// The beneficiary's name, masked per policy: the person the roster line is for,
    /// as on the public notice (the payee, unless a household member was paid
    /// through the head).
    pub name: String,
    /// The beneficiary's ID number, masked per policy (empty when hidden).
    pub resident_id: String,
    /// The beneficiary's village (嘎查村) as registered: its name, or its code when
    /// the region table does not know it (the township's when the beneficiary is not
    /// registered).
    pub village: String,
    /// The township's (苏木乡镇) name, or its code when the region table lacks it.
    pub township: String,
    /// The township's code (whose roster it is).
    pub township_code: RegionCode,
    /// The county (旗县) that paid.
    pub county: RegionCode,
    /// The project's code.
    pub project: String,
    /// The project's name (its code when the catalogue lacks it).
    pub project_name: String,
    /// The period paid.
    pub period: Period,
    /// The amount paid.
    pub amount: Amount,
    /// The day the bank reported it paid.
    #[serde(with = "crate::policy::iso_date")]
    pub settled_on: Date,
    /// The account, masked per policy (last 4 digits at most); `None` when hidden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The roster the payment comes from.
    pub roster_id: String,
    /// The roster line (the line number on the roster's public notice).
    pub line: u32,
}

impl DisclosureRow {
    /// Column headers of a feed document, in Chinese, in the order of [`DisclosureRow::cells`].
    pub const HEADERS_ZH: [&'static str; 14] = [
        "姓名",
        "身份证号",
        "村（嘎查）",
        "乡镇（苏木）",
        "乡镇代码",
        "旗县代码",
        "项目代码",
        "补贴项目",
        "发放期间",
        "金额（元）",
        "发放日期",
        "账号",
        "底册",
        "序号",
    ];

    /// Column headers of a feed document, in English, in the order of [`DisclosureRow::cells`].
    pub const HEADERS_EN: [&'static str; 14] = [
        "name",
        "resident_id",
        "village",
        "township",
        "township_code",
        "county",
        "project",
        "project_name",
        "period",
        "amount",
        "settled_on",
        "account",
        "roster_id",
        "line",
    ];

    /// Index of the amount in [`DisclosureRow::cells`].
    pub const AMOUNT_COLUMN: usize = 9;

    /// The row's cells as text, in the order of the headers.
    pub fn cells(&self) -> [String; 14] {
        [
            self.name.clone(),
            self.resident_id.clone(),
            self.village.clone(),
            self.township.clone(),
            self.township_code.to_short_string(),
            self.county.to_short_string(),
            self.project.clone(),
            self.project_name.clone(),
            self.period.to_string(),
            self.amount.to_string(),
            self.settled_on.to_string(),
            self.account.clone().unwrap_or_default(),
            self.roster_id.clone(),
            self.line.to_string(),
        ]
    }
}

/// A number of payments and their sum, for one project or region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedTotal {
    /// The project's code, or the region's short code (`1504`, `150422`).
    pub code: String,
    /// The project's or region's name (the code when unknown).
    pub name: String,
    /// Payments.
    pub count: u64,
    /// Their sum.
    pub amount: Amount,
}

impl FeedTotal {
    /// Column headers of a totals document, in Chinese: level, code, name, count, sum.
    pub const HEADERS_ZH: [&'static str; 5] = ["汇总层级", "代码", "名称", "笔数", "金额（元）"];
    /// Column headers of a totals document, in English.
    pub const HEADERS_EN: [&'static str; 5] = ["level", "code", "name", "count", "amount"];
}

/// The feed's totals: overall, by project, by prefecture (盟市) and by county (旗县),
/// each list in code order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedTotals {
    /// Every row of the feed.
    pub all: FeedTotal,
    /// By project.
    pub by_project: Vec<FeedTotal>,
    /// By prefecture.
    pub by_prefecture: Vec<FeedTotal>,
    /// By county.
    pub by_county: Vec<FeedTotal>,
}

impl FeedTotals {
    /// Every total as `(level, total)`, level being `all`, `project`, `prefecture`
    /// or `county`: the rows of a totals document.
    pub fn rows(&self) -> impl Iterator<Item = (&'static str, &FeedTotal)> + '_ {
        std::iter::once(("all", &self.all))
            .chain(self.by_project.iter().map(|total| ("project", total)))
            .chain(self.by_prefecture.iter().map(|total| ("prefecture", total)))
            .chain(self.by_county.iter().map(|total| ("county", total)))
    }
}

/// Everything paid on one date (每日发放信息), masked, with totals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyFeed {
    /// The date whose payments are listed.
    #[serde(with = "crate::policy::iso_date")]
    pub date: Date,
    /// The region the feed is limited to, if any (a prefecture, county or township).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// The payments, by county, township, project, roster and line.
    pub rows: Vec<DisclosureRow>,
    /// Their totals.
    pub totals: FeedTotals,
}

/// Running count and sum in fen, for totals without rounding (never floats).
#[derive(Debug, Default)]
struct Running {
    count: u64,
    fen: i64,
}

impl Running {
    fn add(&mut self, amount: Amount) -> Result<()> {
        self.count += 1;
        self.fen = self
            .fen
            .checked_add(amount.to_fen())
            .ok_or_else(too_large)?;
        Ok(())
    }

    fn total(&self, code: String, name: String) -> Result<FeedTotal> {
        Ok(FeedTotal {
            code,
            name,
            count: self.count,
            amount: Amount::from_fen(self.fen)?,
        })
    }
}

fn too_large() -> Error {
    Error::Amount {
        value: "the feed's total".to_owned(),
        rule: AmountRule::TooLarge,
    }
}

/// The region's name, or its 12-digit code when the table lacks it.
fn region_name(regions: &RegionTree, code: RegionCode) -> String {
    regions
        .get(code)
        .map_or_else(|| code.to_string(), |region| region.name().to_owned())
}

fn project_name(catalog: &PolicyCatalog, code: &str) -> String {
    catalog
        .project(code)
        .map_or_else(|| code.to_owned(), |project| project.name.clone())
}

/// The public feed of `date`: every payment whose counted success the bank reported
/// that day (one row per payment: failed attempts, duplicates being recovered and
/// other days' payments are left out), within `region` when given, masked by
/// `masking`. Each row shows the beneficiary, as the public notice does. Names and
/// villages come from the register (the account holder's name when the payee is
/// the beneficiary and not registered), place names from `regions`, project names
/// from `catalog`.
///
/// Linear in the ledger's instructions (plus sorting the day's rows).
///
/// ```
/// use time::macros::date;
/// use yikatong_core::disclosure::daily_feed;
/// use yikatong_core::{MaskingPolicy, PaymentLedger, PolicyCatalog, RegionTree, Register};
///
/// let feed = daily_feed(
///     &PaymentLedger::new(),
///     &Register::new(),
///     &PolicyCatalog::new(),
///     RegionTree::bundled()?,
///     date!(2026 - 11 - 20),
///     None,
///     &MaskingPolicy::default(),
/// )?;
/// assert!(feed.rows.is_empty());
/// assert_eq!(feed.totals.all.count, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Amount`] when a total exceeds [`Amount::MAX`].
pub fn daily_feed(
    ledger: &PaymentLedger,
    register: &Register,
    catalog: &PolicyCatalog,
    regions: &RegionTree,
    date: Date,
    region: Option<RegionCode>,
    masking: &MaskingPolicy,
) -> Result<DailyFeed> {
    // Place and project names repeat across thousands of rows: look each up once.
    let mut places: HashMap<RegionCode, String> = HashMap::new();
    let mut projects: HashMap<&str, String> = HashMap::new();
    let mut name_of_place = |code: RegionCode| {
        places
            .entry(code)
            .or_insert_with(|| region_name(regions, code))
            .clone()
    };
    let mut rows = Vec::new();
    for settlement in ledger.settlements() {
        if settlement.settled_on != date {
            continue;
        }
        let (batch, line) = (settlement.batch, settlement.instruction);
        if region.is_some_and(|within| !line.township.is_within(within)) {
            continue;
        }
        let beneficiary = line.beneficiary.unwrap_or(line.payee);
        let person = register.beneficiary(&beneficiary);
        let holder = match line.beneficiary {
            None => line.account.holder_name.as_str(),
            Some(_) => "",
        };
        let name = person.map_or(holder, |person| person.name.as_str());
        let village = person.map_or(line.township, |person| person.village);
        let project_name = projects
            .entry(batch.project.as_str())
            .or_insert_with(|| project_name(catalog, &batch.project))
            .clone();
        rows.push(DisclosureRow {
            name: masking.mask_name(name),
            resident_id: masking.mask_resident_id(&beneficiary),
            village: name_of_place(village),
            township: name_of_place(line.township),
            township_code: line.township,
            county: batch.county,
            project: batch.project.clone(),
            project_name,
            period: batch.period,
            amount: line.amount,
            settled_on: settlement.settled_on,
            account: masking.mask_account(&line.account.number),
            roster_id: line.roster_id.to_string(),
            line: line.line_no,
        });
    }
    rows.sort_by(|a, b| {
        (a.county, a.township_code, &a.project, &a.roster_id, a.line).cmp(&(
            b.county,
            b.township_code,
            &b.project,
            &b.roster_id,
            b.line,
        ))
    });
    let totals = totals(&rows, regions)?;
    Ok(DailyFeed {
        date,
        region,
        rows,
        totals,
    })
}

fn totals(rows: &[DisclosureRow], regions: &RegionTree) -> Result<FeedTotals> {
    let mut all = Running::default();
    let mut by_project: BTreeMap<&str, (&str, Running)> = BTreeMap::new();
    let mut by_prefecture: BTreeMap<RegionCode, Running> = BTreeMap::new();
    let mut by_county: BTreeMap<RegionCode, Running> = BTreeMap::new();
    for row in rows {
        all.add(row.amount)?;
        by_project
            .entry(&row.project)
            .or_insert_with(|| (&row.project_name, Running::default()))
            .1
            .add(row.amount)?;
        by_prefecture
            .entry(row.county.truncate(RegionLevel::Prefecture))
            .or_default()
            .add(row.amount)?;
        by_county.entry(row.county).or_default().add(row.amount)?;
    }
    let by_region = |map: BTreeMap<RegionCode, Running>| {
        map.into_iter()
            .map(|(code, running)| {
                running.total(code.to_short_string(), region_name(regions, code))
            })
            .collect::<Result<Vec<_>>>()
    };
    Ok(FeedTotals {
        all: all.total(String::new(), "合计".to_owned())?,
        by_project: by_project
            .into_iter()
            .map(|(code, (name, running))| running.total(code.to_owned(), name.to_owned()))
            .collect::<Result<_>>()?,
        by_prefecture: by_region(by_prefecture)?,
        by_county: by_region(by_county)?,
    })
}

// ---------------------------------------------------------------------------
// Consistency between the public notice and the feed

/// One roster's public notice, as posted: the rows and what they belong to.
#[derive(Debug, Clone, Copy)]
pub struct PublicityList<'a> {
    /// The project's code.
    pub project: &'a str,
    /// The roster's id.
    pub roster_id: &'a str,
    /// The notice's rows (their `line` is the roster line).
    pub entries: &'a [PublicityEntry],
}

/// How a notice row and a feed row for the same roster line disagree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DifferenceKind {
    /// On the notice, not in the feed: not paid that day (failed, pending, paid
    /// another day) or left out of the feed.
    OnlyInPublicity {
        /// The masked name on the notice.
        name: String,
        /// The amount on the notice.
        amount: Amount,
    },
    /// In the feed, not on the notice: paid without having been posted.
    OnlyInFeed {
        /// The masked name in the feed.
        name: String,
        /// The amount paid.
        amount: Amount,
    },
    /// The masked ID numbers differ: another person was paid for the line.
    PersonDiffers {
        /// On the notice.
        publicity: String,
        /// In the feed.
        feed: String,
    },
    /// The masked names differ.
    NameDiffers {
        /// On the notice.
        publicity: String,
        /// In the feed.
        feed: String,
    },
    /// The amounts differ.
    AmountDiffers {
        /// On the notice.
        publicity: Amount,
        /// Paid.
        feed: Amount,
    },
    /// The project names differ (the notice was posted under another project).
    ProjectDiffers {
        /// On the notice.
        publicity: String,
        /// In the feed.
        feed: String,
    },
}

/// A disagreement between a public notice and the feed for one roster line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Difference {
    /// The project's code.
    pub project: String,
    /// The roster.
    pub roster_id: String,
    /// The roster line.
    pub line: u32,
    /// The masked ID number (from the notice when it has the line, else from the feed).
    pub resident_id: String,
    /// What differs.
    #[serde(flatten)]
    pub kind: DifferenceKind,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "roster {} line {} ({}, project {}): ",
            self.roster_id, self.line, self.resident_id, self.project
        )?;
        match &self.kind {
            DifferenceKind::OnlyInPublicity { name, amount } => write!(
                f,
                "{name}, {amount} yuan, is on the public notice but not in the feed; check in \
                 the ledger whether the payment failed, is pending or was paid on another day"
            ),
            DifferenceKind::OnlyInFeed { name, amount } => write!(
                f,
                "{name} was paid {amount} yuan but is not on the public notice; find out why \
                 the line was paid without being posted"
            ),
            DifferenceKind::PersonDiffers { publicity, feed } => write!(
                f,
                "the notice names ID {publicity} but {feed} was paid; check the roster line \
                 against the payment"
            ),
            DifferenceKind::NameDiffers { publicity, feed } => write!(
                f,
                "the notice shows the name {publicity} but the feed shows {feed}; correct the \
                 register or the roster"
            ),
            DifferenceKind::AmountDiffers { publicity, feed } => write!(
                f,
                "the notice shows {publicity} yuan but {feed} yuan was paid; find the change \
                 made after the notice (a supplementary roster?)"
            ),
            DifferenceKind::ProjectDiffers { publicity, feed } => write!(
                f,
                "the notice was posted for {publicity} but the payment is for {feed}; post \
                 the notice of the right project"
            ),
        }
    }
}

/// Compares public notices with feed rows on the key fields of each roster line:
/// the person (masked ID number), masked name, project and amount. A feed row
/// belongs to a notice when its project and roster are the notice's; feed rows of
/// rosters without a notice among `lists` are not compared.
///
/// Both sides must be masked by the same [`MaskingPolicy`], or names and ID
/// numbers differ by their masking alone. A feed covers one day: a notice line
/// paid on another day is reported as [`DifferenceKind::OnlyInPublicity`], so
/// compare with the feeds of every day of a roster's payment.
///
/// Differences come in the order of the lists and their rows, then the feed's
/// rows found on no notice. Linear in the rows.
pub fn check_consistency(lists: &[PublicityList<'_>], feed: &[DisclosureRow]) -> Vec<Difference> {
    let mut by_line: HashMap<(&str, &str, u32), &DisclosureRow> = HashMap::new();
    for row in feed {
        by_line
            .entry((row.project.as_str(), row.roster_id.as_str(), row.line))
            .or_insert(row);
    }
    let mut differences = Vec::new();
    let mut seen: std::collections::HashSet<(&str, &str, u32)> = std::collections::HashSet::new();
    for list in lists {
        for entry in list.entries {
            let key = (list.project, list.roster_id, entry.line);
            seen.insert(key);
            let difference = |kind| Difference {
                project: list.project.to_owned(),
                roster_id: list.roster_id.to_owned(),
                line: entry.line,
                resident_id: entry.resident_id.clone(),
                kind,
            };
            let Some(row) = by_line.get(&key) else {
                differences.push(difference(DifferenceKind::OnlyInPublicity {
                    name: entry.name.clone(),
                    amount: entry.amount,
                }));
                continue;
            };
            if entry.resident_id != row.resident_id {
                differences.push(difference(DifferenceKind::PersonDiffers {
                    publicity: entry.resident_id.clone(),
                    feed: row.resident_id.clone(),
                }));
            }
            if entry.name != row.name {
                differences.push(difference(DifferenceKind::NameDiffers {
                    publicity: entry.name.clone(),
                    feed: row.name.clone(),
                }));
            }
            if entry.project != row.project_name && entry.project != row.project {
                differences.push(difference(DifferenceKind::ProjectDiffers {
                    publicity: entry.project.clone(),
                    feed: row.project_name.clone(),
                }));
            }
            if entry.amount != row.amount {
                differences.push(difference(DifferenceKind::AmountDiffers {
                    publicity: entry.amount,
                    feed: row.amount,
                }));
            }
        }
    }
    let listed: std::collections::HashSet<(&str, &str)> = lists
        .iter()
        .map(|list| (list.project, list.roster_id))
        .collect();
    for row in feed {
        let roster = (row.project.as_str(), row.roster_id.as_str());
        if listed.contains(&roster) && !seen.contains(&(roster.0, roster.1, row.line)) {
            differences.push(Difference {
                project: row.project.clone(),
                roster_id: row.roster_id.clone(),
                line: row.line,
                resident_id: row.resident_id.clone(),
                kind: DifferenceKind::OnlyInFeed {
                    name: row.name.clone(),
                    amount: row.amount,
                },
            });
        }
    }
    differences
}

// ---------------------------------------------------------------------------
// Self-query

/// What became of one attempt (sending) of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// Paid, and this is the attempt that counts.
    Paid,
    /// Paid although another attempt already counts: a duplicate being recovered (追回).
    PaidAgain,
    /// Not paid: the bank failed it, returned the credit, or a later attempt followed.
    Failed,
    /// Sent or about to be sent; no final result yet.
    Pending,
    /// Its batch was withdrawn before it went to the bank.
    Withdrawn,
}

/// One attempt of a payment, unmasked: for the payee only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnAttempt {
    /// 1 for the first sending, one more per reissue (补发).
    pub attempt: u8,
    /// The batch that carried it.
    pub batch_id: String,
    /// The day the batch was prepared.
    #[serde(with = "crate::policy::iso_date")]
    pub prepared_on: Date,
    /// The day the bank was asked to pay.
    #[serde(with = "crate::policy::iso_date")]
    pub requested_execution_date: Date,
    /// The account, in full.
    pub account: PayeeAccount,
    /// The amount.
    pub amount: Amount,
    /// What became of it.
    pub outcome: AttemptOutcome,
}

/// Where one of the person's payments stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OwnPaymentStatus {
    /// Paid.
    Paid {
        /// The day the bank reported it paid, when known.
        #[serde(default, with = "crate::policy::iso_date::option")]
        settled_on: Option<Date>,
    },
    /// Not paid; the township is correcting it (待修正), or it was stopped.
    InCorrection {
        /// Why the last attempt failed, or why it could not be sent.
        reason: FailureReason,
        /// What the township has done about it.
        correction: CorrectionStatus,
    },
    /// Sent or about to be sent; no result yet.
    Pending,
    /// Not paid and not queued (e.g. its batch was withdrawn and not yet rebuilt).
    NotPaid,
}

/// One payment of the person who asked: unmasked, for that person only.
// No `deny_unknown_fields`: serde does not support it with a flattened status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OwnPayment {
    /// The payment's id.
    pub payment_id: PaymentId,
    /// The project's code.
    pub project: String,
    /// The project's name (its code when the catalogue lacks it).
    pub project_name: String,
    /// The period.
    pub period: Period,
    /// The roster.
    pub roster_id: String,
    /// The roster line.
    pub line: u32,
    /// The township whose roster it is (where to ask about it).
    pub township: RegionCode,
    /// The amount due.
    pub amount: Amount,
    /// The purpose as sent to the bank, e.g. 2026年11月高龄津贴.
    pub purpose: String,
    /// Where it stands.
    #[serde(flatten)]
    pub status: OwnPaymentStatus,
    /// Every sending, oldest first (none when it could never be sent).
    pub attempts: Vec<OwnAttempt>,
}

/// The one answer for an ID number that is not registered and for a name that does
/// not match: a caller cannot tell whether someone is in the register.
fn no_match(id: &ResidentId) -> Error {
    Error::Register {
        subject: format!(
            "self-query for ID number {} with the name given",
            id.masked()
        ),
        rule: RegisterRule::NoMatchingPerson,
    }
}

/// All payments to the person with ID number `resident_id`, unmasked, when `name` is
/// their name as registered (spaces around it ignored): paid, failed, pending and
/// queued, with every attempt, account and date, ordered by period, project, roster
/// and line. Payments to a household head are the head's, not the members'.
///
/// Linear in the ledger's instructions: a host serving many queries keeps its own
/// index by payee.
///
/// # Errors
///
/// [`Error::ResidentId`] when `resident_id` is not a valid ID number (the value and
/// the rule); [`Error::Register`] with [`RegisterRule::NoMatchingPerson`] — the same
/// error — whether the number is not registered or the name does not match.
pub fn self_query(
    ledger: &PaymentLedger,
    register: &Register,
    catalog: &PolicyCatalog,
    resident_id: &str,
    name: &str,
) -> Result<Vec<OwnPayment>> {
    let id = ResidentId::parse(resident_id.trim())?;
    let registered = register
        .beneficiary(&id)
        .is_some_and(|person| person.name.trim() == name.trim());
    if !registered {
        return Err(no_match(&id));
    }
    // Every attempt to this payee, by payment, in batch order.
    let mut found: BTreeMap<PaymentId, Vec<(&PaymentBatch, &PaymentInstruction)>> = BTreeMap::new();
    for batch in ledger.batches() {
        for line in batch.instructions.iter().filter(|line| line.payee == id) {
            found
                .entry(line.payment_id)
                .or_default()
                .push((batch, line));
        }
    }
    let corrections: HashMap<PaymentId, &crate::CorrectionItem> = ledger
        .corrections()
        .filter(|item| item.payee == id)
        .map(|item| (item.payment_id, item))
        .collect();
    let mut payments = Vec::with_capacity(found.len() + corrections.len());
    for (payment_id, sent) in &found {
        let Some(&(first_batch, first)) = sent.first() else {
            continue;
        };
        let recorded = ledger.attempts(payment_id);
        let counted = ledger.counted_attempt(payment_id);
        let last_attempt = recorded.iter().map(|(line, _)| line.attempt).max();
        let correction = corrections.get(payment_id);
        let attempts: Vec<OwnAttempt> = sent
            .iter()
            .map(|&(batch, line)| OwnAttempt {
                attempt: line.attempt,
                batch_id: batch.id.clone(),
                prepared_on: batch.prepared_on,
                requested_execution_date: batch.requested_execution_date,
                account: line.account.clone(),
                amount: line.amount,
                outcome: outcome(
                    ledger,
                    batch,
                    line,
                    &recorded,
                    counted,
                    last_attempt,
                    correction.copied(),
                ),
            })
            .collect();
        let status = if counted.is_some() {
            OwnPaymentStatus::Paid {
                settled_on: ledger.settled_on(payment_id),
            }
        } else if let Some(item) = correction {
            OwnPaymentStatus::InCorrection {
                reason: item.reason.clone(),
                correction: item.status.clone(),
            }
        } else if attempts
            .iter()
            .any(|attempt| attempt.outcome == AttemptOutcome::Pending)
        {
            OwnPaymentStatus::Pending
        } else {
            OwnPaymentStatus::NotPaid
        };
        payments.push(OwnPayment {
            payment_id: *payment_id,
            project: first_batch.project.clone(),
            project_name: project_name(catalog, &first_batch.project),
            period: first_batch.period,
            roster_id: first.roster_id.to_string(),
            line: first.line_no,
            township: first.township,
            amount: first.amount,
            purpose: first.purpose.to_string(),
            status,
            attempts,
        });
    }
    // Lines never sent (no account) wait in the correction queue only.
    for (payment_id, item) in &corrections {
        if found.contains_key(payment_id) {
            continue;
        }
        payments.push(OwnPayment {
            payment_id: *payment_id,
            project: item.project.clone(),
            project_name: project_name(catalog, &item.project),
            period: item.period,
            roster_id: item.roster_id.to_string(),
            line: item.line_no,
            township: item.township,
            amount: item.amount,
            purpose: item.purpose.to_string(),
            status: OwnPaymentStatus::InCorrection {
                reason: item.reason.clone(),
                correction: item.status.clone(),
            },
            attempts: Vec::new(),
        });
    }
    payments.sort_by(|a, b| {
        (a.period, &a.project, &a.roster_id, a.line).cmp(&(
            b.period,
            &b.project,
            &b.roster_id,
            b.line,
        ))
    });
    Ok(payments)
}

/// What became of `line`, sent in `batch`, from what the ledger tells of its payment.
fn outcome(
    ledger: &PaymentLedger,
    batch: &PaymentBatch,
    line: &PaymentInstruction,
    recorded: &[(&PaymentInstruction, bool)],
    counted: Option<u8>,
    last_attempt: Option<u8>,
    correction: Option<&crate::CorrectionItem>,
) -> AttemptOutcome {
    // The ledger's attempts are the very instructions of its batches; one missing
    // was in a batch withdrawn before it was sent.
    let Some(&(_, paid)) = recorded
        .iter()
        .find(|(recorded, _)| std::ptr::eq(*recorded, line))
    else {
        return AttemptOutcome::Withdrawn;
    };
    if paid {
        return if counted == Some(line.attempt) {
            AttemptOutcome::Paid
        } else {
            AttemptOutcome::PaidAgain
        };
    }
    let superseded = last_attempt.is_some_and(|last| last > line.attempt);
    let queued = correction.is_some_and(|item| item.last_attempt >= line.attempt);
    if superseded || queued || counted.is_some() {
        return AttemptOutcome::Failed;
    }
    match ledger.batch_status(&batch.id) {
        Some(crate::BatchStatus::Settled | crate::BatchStatus::Closed) => AttemptOutcome::Failed,
        _ => AttemptOutcome::Pending,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::macros::date;

    use super::*;
    use crate::{
        AccountKind, AccountNumber, AgencyAgreement, BankResult, BankReturn, BatchKind, BatchPlan,
        Beneficiary, CorrectionItem, FailureKind, Payer, PaymentChange, PaymentCommand,
        PaymentEvent, PublicityInput, ResultStatus, SubsidyProject, WorkCalendar,
    };

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;
    type Fallible<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    const SENT: Date = date!(2026 - 11 - 24);
    const DAY1: Date = date!(2026 - 11 - 26);
    const DAY2: Date = date!(2026 - 11 - 27);

    /// A valid resident ID of county `area` whose sequence is `n`.
    fn person(area: &str, n: u32) -> Fallible<ResidentId> {
        let base = format!("{area}19500101{:03}", n % 1000);
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = base
            .bytes()
            .zip(weights)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        Ok(ResidentId::parse(&format!("{base}{check}"))?)
    }

    fn account(n: u32, holder: &str) -> Fallible<PayeeAccount> {
        Ok(PayeeAccount {
            bank_code: "NXS".into(),
            number: AccountNumber::parse(
                &format!("62{:014}{:02}", n, n % 97),
                AccountKind::Passbook,
            )?,
            holder_name: holder.into(),
        })
    }

    fn project(code: &str, name: &str) -> Fallible<SubsidyProject> {
        Ok(serde_json::from_value(serde_json::json!({
            "code": code, "name": name, "name_en": "Old-age allowance",
            "category": "people",
            "department": { "name": "民政厅", "credit_code": "111500000116068826" },
            "payment_unit": "person", "cycle": "monthly", "deadline": { "working_day": 10 }
        }))?)
    }

    /// One line to send: (roster, line, township, payee, name, fen).
    struct Line<'a>(&'a str, u32, &'a str, ResidentId, &'a str, i64);

    fn batch(id: &str, project: &str, county: &str, lines: &[Line<'_>]) -> Fallible<PaymentBatch> {
        let period = Period::parse("2026-11")?;
        let mut instructions = Vec::new();
        for (i, Line(roster, line_no, township, payee, name, fen)) in lines.iter().enumerate() {
            instructions.push(PaymentInstruction {
                payment_id: PaymentId::for_line(project, period, roster, *line_no, *payee),
                attempt: 1,
                roster_id: Arc::from(*roster),
                line_no: *line_no,
                township: RegionCode::parse(township)?,
                payee: *payee,
                beneficiary: None,
                account: account(
                    i as u32 + 100 * *line_no + fen.unsigned_abs() as u32 % 1000,
                    name,
                )?,
                amount: Amount::from_fen(*fen)?,
                purpose: Arc::from(format!("2026年11月{project}")),
                account_sequence: 0,
            });
        }
        let control_sum = Amount::checked_sum(instructions.iter().map(|line| line.amount))?;
        Ok(PaymentBatch {
            id: id.to_owned(),
            project: project.to_owned(),
            period,
            county: RegionCode::parse(county)?,
            bank_code: "NXS".into(),
            payer: Payer {
                unit_code: format!("CZ{county}").into(),
                name: "财政局".to_owned(),
                account: "15050000000000000001".into(),
            },
            kind: BatchKind::Original,
            prepared_on: date!(2026 - 11 - 20),
            deadline: date!(2026 - 11 - 26),
            requested_execution_date: date!(2026 - 11 - 26),
            instructions,
            control_sum,
        })
    }

    fn hash(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn results(batch: &PaymentBatch, n: u8, statuses: &[(usize, ResultStatus)]) -> BankReturn {
        BankReturn {
            source: format!("result-{n}"),
            sha256: hash(n),
            batch_id: Some(batch.id.clone()),
            complete: false,
            rejected: None,
            results: statuses
                .iter()
                .enumerate()
                .map(|(i, (index, status))| BankResult {
                    line: i as u64 + 2,
                    reference: batch.instructions[*index].instruction_id(),
                    status: status.clone(),
                    amount: None,
                    name: None,
                    account: None,
                })
                .collect(),
        }
    }

    fn send(ledger: &mut PaymentLedger, batch: &PaymentBatch, n: u8) -> Fallible<()> {
        ledger.apply(&PaymentEvent {
            on: SENT,
            by: "finance".to_owned(),
            change: PaymentChange::BatchPrepared {
                batch: Arc::new(batch.clone()),
            },
        });
        ledger.execute(
            PaymentCommand::Export {
                batch_id: batch.id.clone(),
                file_name: format!("{}.txt", batch.id),
                sha256: hash(n),
            },
            "finance",
            SENT,
        )?;
        Ok(())
    }

    struct World {
        register: Register,
        catalog: PolicyCatalog,
        /// Before the second day's results.
        day_one: PaymentLedger,
        /// After everything.
        ledger: PaymentLedger,
        r1: PaymentBatch,
        ids: Vec<ResidentId>,
    }

    /// Three batches in two counties of two prefectures (1504, 1505), two projects
    /// (GLJT in the catalogue, XXBT not): on day 1 most lines are paid, one fails,
    /// one is pending, one success comes twice; on day 2 the pending line is paid and
    /// the failed one is reissued and paid. One more line never went out (no account).
    fn world() -> Fallible<World> {
        let ids = vec![
            person("150422", 1)?,
            person("150422", 2)?,
            person("150422", 3)?,
            person("150422", 4)?,
            person("150502", 5)?,
            person("150502", 6)?,
            person("150422", 7)?,
        ];
        let names = [
            "张三丰",
            "李四",
            "王五",
            "欧阳娜娜",
            "巴特尔",
            "乌云其其格",
            "赵六",
        ];
        let villages = [
            "150422100001",
            "150422100001",
            "150422100002",
            "150422100002",
            "150502100001",
            "150502100001",
            "150422101001",
        ];
        let mut register = Register::new();
        for ((id, name), village) in ids.iter().zip(names).zip(villages) {
            let mut person =
                Beneficiary::new(*id, name, format!("H{id}"), RegionCode::parse(village)?);
            person.phone = Some("13912345678".to_owned());
            register.add_beneficiary(person)?;
        }
        let mut catalog = PolicyCatalog::new();
        catalog.add_project(project("GLJT", "高龄津贴")?)?;

        let r1 = batch(
            "GLJT-2026-11-150422-NXS-01",
            "GLJT",
            "150422",
            &[
                Line("R1", 1, "150422100", ids[0], names[0], 12_000),
                Line("R1", 2, "150422100", ids[1], names[1], 8_050),
                Line("R1", 3, "150422100", ids[2], names[2], 30_000),
                Line("R1", 4, "150422100", ids[3], names[3], 10_001),
            ],
        )?;
        let r2 = batch(
            "GLJT-2026-11-150502-NXS-01",
            "GLJT",
            "150502",
            &[
                Line("R2", 1, "150502100", ids[4], names[4], 5_000),
                Line("R2", 2, "150502100", ids[5], names[5], 7_525),
            ],
        )?;
        let r3 = batch(
            "XXBT-2026-11-150422-NXS-01",
            "XXBT",
            "150422",
            &[
                Line("R3", 1, "150422101", ids[0], names[0], 2_000),
                Line("R3", 2, "150422101", ids[6], names[6], 3_000),
            ],
        )?;
        let mut ledger = PaymentLedger::new();
        send(&mut ledger, &r1, 1)?;
        send(&mut ledger, &r2, 2)?;
        send(&mut ledger, &r3, 3)?;
        let paid = ResultStatus::Settled;
        let failed = ResultStatus::Failed {
            reason: FailureReason::of_kind(FailureKind::AccountClosed),
        };
        ledger.receive(
            results(
                &r1,
                11,
                &[
                    (0, paid.clone()),
                    (1, failed),
                    (2, paid.clone()),
                    (3, paid.clone()),
                    (0, paid.clone()),
                ],
            ),
            "bank",
            DAY1,
        )?;
        ledger.receive(
            results(&r2, 12, &[(0, paid.clone()), (1, paid.clone())]),
            "bank",
            DAY1,
        )?;
        ledger.receive(
            results(&r3, 13, &[(0, paid.clone()), (1, ResultStatus::Pending)]),
            "bank",
            DAY1,
        )?;
        // A line with no account never went out.
        let period = Period::parse("2026-11")?;
        ledger.apply(&PaymentEvent {
            on: SENT,
            by: "finance".to_owned(),
            change: PaymentChange::LinesQueued {
                items: vec![CorrectionItem {
                    payment_id: PaymentId::for_line("GLJT", period, "R5", 1, ids[3]),
                    project: "GLJT".to_owned(),
                    period,
                    roster_id: Arc::from("R5"),
                    line_no: 1,
                    township: RegionCode::parse("150422100")?,
                    payee: ids[3],
                    beneficiary: None,
                    amount: Amount::from_fen(4_400)?,
                    purpose: Arc::from("2026年11月高龄津贴"),
                    account: None,
                    last_attempt: 0,
                    reason: FailureReason::of_kind(FailureKind::InvalidAccount),
                    queued_on: SENT,
                    status: CorrectionStatus::Open,
                }],
            },
        });
        let day_one = ledger.clone();

        // Day 2: the failed line is corrected and reissued; the pending one is paid.
        let failed_id = r1.instructions[1].payment_id;
        ledger.execute(
            PaymentCommand::CorrectAccount {
                payment_id: failed_id,
                account: account(999, names[1])?,
            },
            "clerk",
            DAY1,
        )?;
        let county = RegionCode::parse("150422")?;
        let payers = BTreeMap::from([(
            county,
            Payer {
                unit_code: "CZ150422".into(),
                name: "巴林左旗财政局".into(),
                account: "15050000000000000001".into(),
            },
        )]);
        let agreements = [AgencyAgreement {
            bank_code: "NXS".into(),
            county,
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        }];
        let calendar = WorkCalendar::weekdays_only();
        let gljt = project("GLJT", "高龄津贴")?;
        let plan = BatchPlan {
            project: &gljt,
            payers: &payers,
            agreements: &agreements,
            calendar: &calendar,
            prepared_on: DAY1,
            lead_working_days: 1,
        };
        let reissue = ledger.prepare_reissue(&plan, "finance")?;
        ledger.apply_all(&reissue);
        let again = ledger.batches().last().ok_or("no reissue")?.clone();
        assert_eq!(again.instructions[0].attempt, 2);
        ledger.execute(
            PaymentCommand::Export {
                batch_id: again.id.clone(),
                file_name: "again.txt".to_owned(),
                sha256: hash(4),
            },
            "finance",
            DAY1,
        )?;
        ledger.receive(results(&again, 21, &[(0, paid.clone())]), "bank", DAY2)?;
        ledger.receive(results(&r3, 22, &[(1, paid)]), "bank", DAY2)?;
        Ok(World {
            register,
            catalog,
            day_one,
            ledger,
            r1,
            ids,
        })
    }

    fn feed(world: &World, date: Date, region: Option<&str>) -> Fallible<DailyFeed> {
        let region = region.map(RegionCode::parse).transpose()?;
        Ok(daily_feed(
            &world.ledger,
            &world.register,
            &world.catalog,
            RegionTree::bundled()?,
            date,
            region,
            &MaskingPolicy::default(),
        )?)
    }

    fn keys(feed: &DailyFeed) -> Vec<(String, u32)> {
        feed.rows
            .iter()
            .map(|row| (row.roster_id.clone(), row.line))
            .collect()
    }

    fn key(roster: &str, line: u32) -> (String, u32) {
        (roster.to_owned(), line)
    }

    #[test]
    fn the_feed_holds_exactly_the_days_settlements_in_order() -> TestResult {
        let world = world()?;
        let day1 = feed(&world, DAY1, None)?;
        // Not the failed line 2, not the pending R3 line 2, line 1 once though paid twice;
        // by county, township, project, roster, line.
        assert_eq!(
            keys(&day1),
            [
                key("R1", 1),
                key("R1", 3),
                key("R1", 4),
                key("R3", 1),
                key("R2", 1),
                key("R2", 2)
            ]
        );
        let day2 = feed(&world, DAY2, None)?;
        assert_eq!(keys(&day2), [key("R1", 2), key("R3", 2)]);
        assert_eq!(day2.rows[0].amount, Amount::from_fen(8_050)?);
        assert!(feed(&world, date!(2026 - 11 - 25), None)?.rows.is_empty());

        let row = &day1.rows[0];
        let regions = RegionTree::bundled()?;
        assert_eq!(row.name, "张*丰");
        assert_eq!(row.resident_id, world.ids[0].masked());
        assert_eq!(row.project_name, "高龄津贴");
        assert_eq!(
            row.village,
            region_name(regions, RegionCode::parse("150422100001")?)
        );
        assert_eq!(
            row.township,
            region_name(regions, RegionCode::parse("150422100")?)
        );
        assert_eq!(row.county, RegionCode::parse("150422")?);
        assert_eq!(row.settled_on, DAY1);
        assert_eq!(row.period.to_string(), "2026-11");
        let account = world.r1.instructions[0].account.number.as_str();
        assert_eq!(
            row.account.as_deref(),
            Some(world.r1.instructions[0].account.number.masked().as_str())
        );
        assert!(!row.account.as_deref().unwrap_or_default().contains(account));
        // A project the catalogue lacks shows its code.
        assert_eq!(day1.rows[3].project_name, "XXBT");
        Ok(())
    }

    #[test]
    fn totals_add_up_by_project_prefecture_and_county() -> TestResult {
        let world = world()?;
        let day1 = feed(&world, DAY1, None)?;
        let fen = |list: &[FeedTotal]| -> Vec<(String, u64, i64)> {
            list.iter()
                .map(|total| (total.code.clone(), total.count, total.amount.to_fen()))
                .collect()
        };
        let totals = &day1.totals;
        assert_eq!(totals.all.count, 6);
        let sum = 12_000 + 30_000 + 10_001 + 2_000 + 5_000 + 7_525;
        assert_eq!(totals.all.amount.to_fen(), sum);
        assert_eq!(
            fen(&totals.by_project),
            [
                ("GLJT".to_owned(), 5, sum - 2_000),
                ("XXBT".to_owned(), 1, 2_000)
            ]
        );
        assert_eq!(
            fen(&totals.by_prefecture),
            [
                ("1504".to_owned(), 4, 54_001),
                ("1505".to_owned(), 2, 12_525)
            ]
        );
        assert_eq!(
            fen(&totals.by_county),
            [
                ("150422".to_owned(), 4, 54_001),
                ("150502".to_owned(), 2, 12_525)
            ]
        );
        assert_eq!(totals.by_project[0].name, "高龄津贴");
        for list in [&totals.by_project, &totals.by_prefecture, &totals.by_county] {
            let parts: i64 = list.iter().map(|total| total.amount.to_fen()).sum();
            let count: u64 = list.iter().map(|total| total.count).sum();
            assert_eq!((parts, count), (sum, 6));
        }
        assert_eq!(totals.rows().count(), 7);
        Ok(())
    }

    #[test]
    fn the_region_filter_keeps_rows_within_it() -> TestResult {
        let world = world()?;
        assert_eq!(
            keys(&feed(&world, DAY1, Some("150502"))?),
            [key("R2", 1), key("R2", 2)]
        );
        let prefecture = feed(&world, DAY1, Some("1504"))?;
        assert_eq!(prefecture.rows.len(), 4);
        assert_eq!(prefecture.totals.by_county.len(), 1);
        assert_eq!(prefecture.region, Some(RegionCode::parse("1504")?));
        assert_eq!(
            keys(&feed(&world, DAY1, Some("150422101"))?),
            [key("R3", 1)]
        );
        assert!(feed(&world, DAY1, Some("1506"))?.rows.is_empty());
        Ok(())
    }

    #[test]
    fn the_feed_serializes_and_reads_back_without_private_data() -> TestResult {
        let world = world()?;
        let day1 = feed(&world, DAY1, None)?;
        let json = serde_json::to_string(&day1)?;
        assert_eq!(serde_json::from_str::<DailyFeed>(&json)?, day1);
        assert!(json.contains(r#""date":"2026-11-26""#), "{json}");
        for id in &world.ids {
            assert!(!json.contains(id.as_str()), "{json} shows {id}");
        }
        for line in &world.r1.instructions {
            assert!(!json.contains(line.account.number.as_str()));
        }
        assert!(!json.contains("13912345678"));
        Ok(())
    }

    fn notice(world: &World) -> Fallible<Vec<PublicityEntry>> {
        let masking = MaskingPolicy::default();
        let names = ["张三丰", "李四", "王五", "欧阳娜娜"];
        let mut entries = Vec::new();
        for (i, line) in world.r1.instructions.iter().enumerate() {
            entries.push(masking.entry(&PublicityInput {
                line: line.line_no,
                name: names[i],
                resident_id: &line.payee,
                account: None,
                amount: line.amount,
                village: "某村",
                project: "高龄津贴",
            }));
        }
        Ok(entries)
    }

    #[test]
    fn a_member_paid_through_the_head_is_disclosed_as_on_the_notice() -> TestResult {
        let (head, member) = (person("150422", 11)?, person("150422", 12)?);
        let mut register = Register::new();
        for (id, name) in [(head, "包宝音"), (member, "包其其格")] {
            let village = RegionCode::parse("150422100001")?;
            register.add_beneficiary(Beneficiary::new(id, name, "H-BAO", village))?;
        }
        let mut paid = batch(
            "GLJT-2026-11-150422-NXS-09",
            "GLJT",
            "150422",
            &[Line("R9", 1, "150422100", head, "包宝音", 9_000)],
        )?;
        paid.instructions[0].beneficiary = Some(member);
        let mut ledger = PaymentLedger::new();
        send(&mut ledger, &paid, 9)?;
        ledger.receive(
            results(&paid, 19, &[(0, ResultStatus::Settled)]),
            "bank",
            DAY1,
        )?;
        let mut catalog = PolicyCatalog::new();
        catalog.add_project(project("GLJT", "高龄津贴")?)?;
        let masking = MaskingPolicy::default();
        let feed = daily_feed(
            &ledger,
            &register,
            &catalog,
            RegionTree::bundled()?,
            DAY1,
            None,
            &masking,
        )?;
        let [row] = &feed.rows[..] else {
            return Err(format!("one row expected: {:?}", feed.rows).into());
        };
        assert_eq!(row.resident_id, masking.mask_resident_id(&member));
        assert_eq!(row.name, masking.mask_name("包其其格"));
        // The notice lists the member, as the roster does: nothing differs.
        let notice = |who: &ResidentId, name: &str| {
            masking.entry(&PublicityInput {
                line: 1,
                name,
                resident_id: who,
                account: None,
                amount: Amount::from_fen(9_000).unwrap_or(Amount::ZERO),
                village: "某村",
                project: "高龄津贴",
            })
        };
        let entries = [notice(&member, "包其其格")];
        let list = PublicityList {
            project: "GLJT",
            roster_id: "R9",
            entries: &entries,
        };
        assert_eq!(check_consistency(&[list], &feed.rows), []);
        // A notice naming the head instead is a difference.
        let entries = [notice(&head, "包宝音")];
        let list = PublicityList {
            project: "GLJT",
            roster_id: "R9",
            entries: &entries,
        };
        let kinds: Vec<&str> = check_consistency(&[list], &feed.rows)
            .iter()
            .map(|d| match d.kind {
                DifferenceKind::PersonDiffers { .. } => "person",
                DifferenceKind::NameDiffers { .. } => "name",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["person", "name"]);
        Ok(())
    }

    #[test]
    fn consistency_finds_changed_missing_and_extra_rows() -> TestResult {
        let world = world()?;
        let day1 = feed(&world, DAY1, None)?;
        let mut entries = notice(&world)?;
        // Line 2 failed on day 1: on the notice, not in the feed.
        let list = PublicityList {
            project: "GLJT",
            roster_id: "R1",
            entries: &entries,
        };
        let differences = check_consistency(&[list], &day1.rows);
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert_eq!(differences[0].line, 2);
        assert!(matches!(
            differences[0].kind,
            DifferenceKind::OnlyInPublicity { .. }
        ));

        // Line 2 paid on day 2 agrees; change line 3's amount, drop line 4, add line 9.
        let both: Vec<DisclosureRow> = day1
            .rows
            .iter()
            .chain(&feed(&world, DAY2, None)?.rows)
            .cloned()
            .collect();
        entries[2].amount = Amount::from_fen(29_000)?;
        entries.remove(3);
        let mut extra = entries[0].clone();
        extra.line = 9;
        entries.push(extra);
        let list = PublicityList {
            project: "GLJT",
            roster_id: "R1",
            entries: &entries,
        };
        let differences = check_consistency(&[list], &both);
        let found: Vec<(u32, &DifferenceKind)> =
            differences.iter().map(|d| (d.line, &d.kind)).collect();
        assert_eq!(
            found,
            [
                (
                    3,
                    &DifferenceKind::AmountDiffers {
                        publicity: Amount::from_fen(29_000)?,
                        feed: Amount::from_fen(30_000)?,
                    }
                ),
                (
                    9,
                    &DifferenceKind::OnlyInPublicity {
                        name: "张*丰".to_owned(),
                        amount: Amount::from_fen(12_000)?,
                    }
                ),
                (
                    4,
                    &DifferenceKind::OnlyInFeed {
                        name: "欧**娜".to_owned(),
                        amount: Amount::from_fen(10_001)?,
                    }
                ),
            ]
        );
        let message = differences[0].to_string();
        assert!(message.contains("roster R1 line 3"), "{message}");
        assert!(message.contains("300.00"), "{message}");
        assert!(
            differences[2]
                .to_string()
                .contains("not on the public notice")
        );
        Ok(())
    }

    #[test]
    fn consistency_finds_another_name_or_person() -> TestResult {
        let world = world()?;
        let day1 = feed(&world, DAY1, None)?;
        let mut entries = notice(&world)?;
        entries.truncate(1);
        entries[0].name = "张*峰".to_owned();
        entries[0].resident_id = world.ids[5].masked();
        let list = PublicityList {
            project: "GLJT",
            roster_id: "R1",
            entries: &entries,
        };
        let kinds: Vec<&str> = check_consistency(&[list], &day1.rows)
            .iter()
            .filter(|d| d.line == 1)
            .map(|d| match d.kind {
                DifferenceKind::PersonDiffers { .. } => "person",
                DifferenceKind::NameDiffers { .. } => "name",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["person", "name"]);
        // Rosters without a notice are not compared.
        assert!(check_consistency(&[], &day1.rows).is_empty());
        Ok(())
    }

    #[test]
    fn self_query_gives_all_own_payments_for_the_right_name() -> TestResult {
        let world = world()?;
        let query = |ledger: &PaymentLedger, id: &ResidentId, name: &str| {
            self_query(ledger, &world.register, &world.catalog, id.as_str(), name)
        };
        // Two payments (two projects), both paid on day 1, accounts in full.
        let own = query(&world.ledger, &world.ids[0], " 张三丰 ")?;
        assert_eq!(own.len(), 2);
        assert_eq!(
            (own[0].project.as_str(), own[1].project.as_str()),
            ("GLJT", "XXBT")
        );
        assert_eq!(
            own[0].status,
            OwnPaymentStatus::Paid {
                settled_on: Some(DAY1)
            }
        );
        assert_eq!(own[0].attempts.len(), 1);
        assert_eq!(own[0].attempts[0].outcome, AttemptOutcome::Paid);
        assert_eq!(own[0].attempts[0].account, world.r1.instructions[0].account);
        assert_eq!(own[0].amount, Amount::from_fen(12_000)?);

        // Failed, corrected, reissued and paid on day 2.
        let own = query(&world.ledger, &world.ids[1], "李四")?;
        assert_eq!(own.len(), 1);
        let outcomes: Vec<_> = own[0]
            .attempts
            .iter()
            .map(|a| (a.attempt, a.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [(1, AttemptOutcome::Failed), (2, AttemptOutcome::Paid)]
        );
        assert_eq!(
            own[0].status,
            OwnPaymentStatus::Paid {
                settled_on: Some(DAY2)
            }
        );
        // On day 1 it was failed and in the correction queue.
        let before = query(&world.day_one, &world.ids[1], "李四")?;
        assert!(matches!(
            &before[0].status,
            OwnPaymentStatus::InCorrection { reason, correction: CorrectionStatus::Open }
                if reason.kind == FailureKind::AccountClosed
        ));

        // Pending on day 1, paid on day 2.
        let pending = query(&world.day_one, &world.ids[6], "赵六")?;
        assert_eq!(pending[0].status, OwnPaymentStatus::Pending);
        assert_eq!(pending[0].attempts[0].outcome, AttemptOutcome::Pending);

        // One paid line and one never sent (no account).
        let own = query(&world.ledger, &world.ids[3], "欧阳娜娜")?;
        assert_eq!(own.len(), 2);
        assert_eq!(own[1].roster_id, "R5");
        assert!(own[1].attempts.is_empty());
        assert!(matches!(
            own[1].status,
            OwnPaymentStatus::InCorrection { .. }
        ));

        // Serializes (for an app) with the full account number: it is the person's own.
        let json = serde_json::to_string(&own)?;
        assert!(json.contains(world.r1.instructions[3].account.number.as_str()));
        assert_eq!(serde_json::from_str::<Vec<OwnPayment>>(&json)?, own);
        Ok(())
    }

    #[test]
    fn self_query_answers_a_wrong_name_like_an_unknown_id() -> TestResult {
        let world = world()?;
        let query = |id: &str, name: &str| {
            self_query(&world.ledger, &world.register, &world.catalog, id, name)
        };
        let registered = world.ids[0];
        let stranger = person("150422", 900)?;
        let wrong_name = query(registered.as_str(), "张三").err().ok_or("answered")?;
        let unknown = query(stranger.as_str(), "张三丰").err().ok_or("answered")?;
        assert!(matches!(
            wrong_name,
            Error::Register {
                rule: RegisterRule::NoMatchingPerson,
                ..
            }
        ));
        // The same words but for the (masked) number given.
        assert_eq!(
            wrong_name.to_string().replace(&registered.masked(), "#"),
            unknown.to_string().replace(&stranger.masked(), "#")
        );
        assert!(!wrong_name.to_string().contains(registered.as_str()));
        // Nor does a name registered for someone else help.
        assert!(query(registered.as_str(), "李四").is_err());
        // A malformed number says which rule it broke.
        let bad = query("15042219500101001", "张三丰")
            .err()
            .ok_or("answered")?;
        assert!(matches!(bad, Error::ResidentId { ref value, .. } if value == "15042219500101001"));
        Ok(())
    }
}
