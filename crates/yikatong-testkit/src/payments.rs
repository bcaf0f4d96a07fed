//! Small fixed payment data for tests of files and ledgers: an instruction, a batch
//! around given instructions, and a roster taken through review to finance approval.

use std::collections::BTreeSet;
use std::sync::Arc;

use time::Date;
use time::macros::date;
use yikatong_core::review::{Actor, ReviewCommand, ReviewContext, Role};
use yikatong_core::{
    AccountKind, AccountNumber, Amount, BatchKind, Error, PayeeAccount, Payer, PaymentBatch,
    PaymentId, PaymentInstruction, Period, RegionCode, ResidentId, Review, Roster, WorkCalendar,
};

/// The roster every sample instruction comes from.
pub const SAMPLE_ROSTER: &str = "R-150422101";

/// Line `line_no` of [`SAMPLE_ROSTER`] (project GLJT, 2026-11): pay `amount` yuan to
/// `name` on passbook `account` (NXS), first attempt, with the given per-account
/// sequence number.
pub fn sample_instruction(
    line_no: u32,
    name: &str,
    amount: &str,
    account: &str,
    sequence: u32,
) -> Result<PaymentInstruction, Error> {
    let payee = ResidentId::parse("11010519491231002X")?;
    let period = Period::parse("2026-11")?;
    Ok(PaymentInstruction {
        payment_id: PaymentId::for_line("GLJT", period, SAMPLE_ROSTER, line_no, payee),
        attempt: 1,
        roster_id: Arc::from(SAMPLE_ROSTER),
        line_no,
        township: RegionCode::parse("150422101")?,
        payee,
        beneficiary: None,
        account: PayeeAccount {
            bank_code: "NXS".into(),
            number: AccountNumber::parse(account, AccountKind::Passbook)?,
            holder_name: name.into(),
        },
        amount: Amount::parse(amount)?,
        purpose: Arc::from("2026年11月高龄津贴"),
        account_sequence: sequence,
    })
}

/// Batch `GLJT-2026-11-150422-NXS-01` (payer unit `U150422`, due 2026-11-26) holding
/// `instructions`, with their sum as the control sum.
pub fn sample_batch(instructions: Vec<PaymentInstruction>) -> Result<PaymentBatch, Error> {
    let control_sum = Amount::checked_sum(instructions.iter().map(|line| line.amount))?;
    Ok(PaymentBatch {
        id: "GLJT-2026-11-150422-NXS-01".to_owned(),
        project: "GLJT".to_owned(),
        period: Period::parse("2026-11")?,
        county: RegionCode::parse("150422")?,
        bank_code: "NXS".into(),
        payer: Payer {
            unit_code: "U150422".into(),
            name: "某某旗财政局".to_owned(),
            account: "1504220000001".into(),
        },
        kind: BatchKind::Original,
        prepared_on: date!(2026 - 11 - 20),
        deadline: date!(2026 - 11 - 26),
        requested_execution_date: date!(2026 - 11 - 26),
        instructions,
        control_sum,
    })
}

/// Takes `roster` through the review to finance approval: the notice starts on
/// `opened` (seven working days, Monday to Friday), the clerk submits two weeks
/// later, the department and finance approve on the next two days.
pub fn approve_for_payment(roster: &Roster, opened: Date) -> Result<Review, Error> {
    let clerk = Actor::new("c1", "乌云", Role::TownshipClerk);
    let reviewer = Actor::new("r1", "张三", Role::DepartmentReviewer);
    let finance = Actor::new("f1", "李四", Role::FinanceOfficer);
    let calendar = WorkCalendar::weekdays_only();
    let lines: BTreeSet<u32> = roster.lines().iter().map(|line| line.line_no).collect();
    let hash = roster.content_hash();
    let on = |days: i64| ReviewContext {
        today: opened.saturating_add(time::Duration::days(days)),
        calendar: &calendar,
        publicity_working_days: 7,
        lines: &lines,
        content_hash: &hash,
    };
    let mut review = Review::new(&clerk, opened)?;
    let start = ReviewCommand::StartPublicity { starts: None };
    review.execute(&start, &clerk, &on(0))?;
    review.execute(&ReviewCommand::Submit, &clerk, &on(14))?;
    review.execute(&ReviewCommand::DepartmentApprove, &reviewer, &on(15))?;
    review.execute(&ReviewCommand::FinanceApprove, &finance, &on(16))?;
    Ok(review)
}
