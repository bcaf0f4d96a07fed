//! The vocabulary types used together, as later parts of the cycle use them: an ID's
//! area code found in the region table, a period's deadline in working days, the
//! capitals of a split amount, and values the statutory calendar must give.

use time::macros::date;
use yikatong::{
    Amount, CalendarCoverage, Cycle, DayKind, Period, RegionCode, RegionLevel, RegionTree,
    ResidentId, WorkCalendar,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn an_id_numbers_area_code_is_a_county_in_the_region_table() -> TestResult {
    let id = ResidentId::parse_as_of("150422197001010011", date!(2026 - 11 - 28))?;
    let county = RegionCode::parse(id.area_code())?;
    assert_eq!(county.level(), RegionLevel::County);
    let tree = RegionTree::bundled()?;
    assert_eq!(tree.name_path(county)?, "内蒙古自治区/赤峰市/巴林左旗");
    let town = tree.find_by_path("内蒙古自治区/赤峰市/巴林左旗/林东镇")?;
    assert!(town.code().is_within(county));
    assert_eq!(id.age_on(Period::month(2026, 11)?.first_day()), 56);
    Ok(())
}

#[test]
fn public_notice_over_national_day_counts_statutory_working_days() -> TestResult {
    let calendar = WorkCalendar::bundled()?;
    // 2026-10-01..07 are holidays and 2026-10-10 (Saturday) is a make-up working day.
    let ends = calendar.add_working_days(date!(2026 - 09 - 30), 7)?;
    assert_eq!(ends.value, date!(2026 - 10 - 15));
    assert_eq!(ends.coverage, CalendarCoverage::Statutory);
    assert_eq!(
        calendar.day_kind(date!(2026 - 10 - 10)),
        DayKind::MakeUpWorkday
    );
    let counted = calendar.working_days_between(date!(2026 - 09 - 30), ends.value);
    assert_eq!(counted.value, 7);
    // Beyond the data the calendar falls back to Monday–Friday and says so.
    let far = calendar.add_working_days(date!(2031 - 01 - 03), 1)?;
    assert_eq!(far.value, date!(2031 - 01 - 06));
    assert_eq!(far.coverage, CalendarCoverage::WeekdayFallback);
    Ok(())
}

#[test]
fn a_monthly_period_steps_and_its_days_add_up_over_the_year() -> TestResult {
    let mut month = Period::month(2026, 1)?;
    let mut days = month.days();
    while let Some(next) = month.next().filter(|next| next.first_day().year() == 2026) {
        days += next.days();
        month = next;
    }
    assert_eq!(days, Period::year(2026)?.days());
    assert_eq!(month.to_string(), "2026-12");
    assert!(matches!(Cycle::Monthly, Cycle::Monthly));
    Ok(())
}

#[test]
fn a_split_amount_adds_up_and_each_part_reads_in_capitals() -> TestResult {
    let total = Amount::parse("¥10,000.01")?;
    let parts = total.split(&["60".parse()?, "25".parse()?, "15".parse()?])?;
    assert_eq!(Amount::checked_sum(parts.iter().copied())?, total);
    let capitals: Vec<String> = parts.iter().map(|part| part.to_capitals()).collect();
    assert_eq!(capitals, ["陆仟元零壹分", "贰仟伍佰元整", "壹仟伍佰元整"]);
    Ok(())
}
