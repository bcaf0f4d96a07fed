//! Subsidy standards (补贴标准): how much a policy pays.
//!
//! A [`Standard`] is a [`Basis`] (fixed, per unit × rate, age bands, grades,
//! top-up to a standard) for a stated period ([`Per`]), with an optional floor and
//! cap, proration by eligible days or months, and a rounding rule. The amount is
//! computed exactly with decimals and rounded once, half-up, at the end.
//!
//! ```
//! use yikatong_core::Standard;
//!
//! let standard: Standard = serde_json::from_str(r#"{
//!     "basis": { "kind": "per_unit", "quantity": "grassland_mu", "unit": "grassland_mu", "rate": "7.50" },
//!     "per": "year",
//!     "floor": { "amount": "500.00", "per": "household" },
//!     "cap": { "amount": "30000.00", "per": "household" }
//! }"#)?;
//! assert_eq!(standard.describe_zh(), "草原面积每亩 7.50 元/年；户保底 500.00 元；户封顶 30000.00 元");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_decimal::Decimal;

use crate::entitlement::{Missing, Step, StepLog};
use crate::facts::AgeOn;
use crate::{Amount, AmountRule, BeneficiaryFacts, Error, Period, PolicyRule, Result, Rounding};

/// The unit a per-unit rate is paid on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Mu (亩) of farmland.
    Mu,
    /// Mu (亩) of grassland.
    GrasslandMu,
    /// Head (头/只) of livestock.
    Head,
    /// Sheep unit (羊单位) of livestock.
    SheepUnit,
    /// Person (人).
    Person,
    /// Machine or set of machinery (台/套).
    Machine,
    /// Household (户).
    Household,
}

impl Unit {
    /// What is counted, in Chinese, e.g. 草原面积.
    pub const fn quantity_zh(self) -> &'static str {
        match self {
            Unit::Mu => "耕地面积",
            Unit::GrasslandMu => "草原面积",
            Unit::Head => "牲畜数量",
            Unit::SheepUnit => "牲畜折合羊单位",
            Unit::Person => "人数",
            Unit::Machine => "机具数量",
            Unit::Household => "户数",
        }
    }

    /// What is counted, in English.
    pub const fn quantity_en(self) -> &'static str {
        match self {
            Unit::Mu => "farmland",
            Unit::GrasslandMu => "grassland",
            Unit::Head => "livestock",
            Unit::SheepUnit => "livestock in sheep units",
            Unit::Person => "persons",
            Unit::Machine => "machines",
            Unit::Household => "households",
        }
    }

    /// The Chinese counter, e.g. 亩.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Unit::Mu | Unit::GrasslandMu => "亩",
            Unit::Head => "头（只）",
            Unit::SheepUnit => "羊单位",
            Unit::Person => "人",
            Unit::Machine => "台（套）",
            Unit::Household => "户",
        }
    }

    /// The English unit, e.g. mu.
    pub const fn name_en(self) -> &'static str {
        match self {
            Unit::Mu | Unit::GrasslandMu => "mu",
            Unit::Head => "head",
            Unit::SheepUnit => "sheep unit",
            Unit::Person => "person",
            Unit::Machine => "machine",
            Unit::Household => "household",
        }
    }
}

/// One age band: ages `from` to `to` (inclusive; open-ended without `to`) get `amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeBand {
    /// Lowest age in completed years.
    pub from: u32,
    /// Highest age, inclusive; none for "and over".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u32>,
    /// Amount for the standard's period.
    pub amount: Amount,
}

impl AgeBand {
    /// Whether `age` falls in the band.
    pub fn contains(&self, age: u32) -> bool {
        self.from <= age && self.to.is_none_or(|to| age <= to)
    }

    fn describe_zh(&self) -> String {
        match self.to {
            Some(to) => format!("{}–{} 周岁", self.from, to),
            None => format!("{} 周岁及以上", self.from),
        }
    }

    fn describe_en(&self) -> String {
        match self.to {
            Some(to) => format!("aged {}–{}", self.from, to),
            None => format!("aged {} and over", self.from),
        }
    }
}

/// The amount for one grade (e.g. disability grade 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeAmount {
    /// The grade, e.g. 1 for the most severe disability.
    pub grade: u8,
    /// Amount for the standard's period.
    pub amount: Amount,
}

/// How the amount is computed before floor, cap, proration and rounding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Basis {
    /// The same amount for everyone eligible.
    Fixed {
        /// Amount for the standard's period.
        amount: Amount,
    },
    /// A rate per unit times a quantity from the facts, e.g. 7.50 yuan per mu of grassland.
    PerUnit {
        /// Name of the quantity in the facts, e.g. `grassland_mu`.
        quantity: String,
        /// What one unit is.
        unit: Unit,
        /// Yuan per unit for the standard's period.
        rate: Amount,
    },
    /// An amount by age band, the age read from the resident ID on a reference date.
    AgeBands {
        /// The reference date for the age.
        #[serde(default)]
        on: AgeOn,
        /// The bands, which must not overlap.
        bands: Vec<AgeBand>,
    },
    /// An amount by grade, the grade read from a tag `name:N` (e.g. `disability:1`).
    Grades {
        /// The tag name before the colon, e.g. `disability`.
        tag: String,
        /// Amount per grade.
        grades: Vec<GradeAmount>,
    },
    /// Top-up to a standard: (standard − per-capita income) × household members,
    /// at least `minimum` when anything is due.
    TopUp {
        /// The guaranteed per-capita income (e.g. the 低保 standard).
        standard: Amount,
        /// The least payment to a household that is due anything.
        #[serde(default)]
        minimum: Amount,
    },
}

/// The period the standard's amounts are stated for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// Per month.
    Month,
    /// Per quarter.
    Quarter,
    /// Per half-year.
    HalfYear,
    /// Per year.
    Year,
    /// Once, whatever the period (one-off subsidies).
    Once,
}

impl Per {
    /// Months in the period, `None` for [`Per::Once`].
    pub const fn months(self) -> Option<u32> {
        match self {
            Per::Month => Some(1),
            Per::Quarter => Some(3),
            Per::HalfYear => Some(6),
            Per::Year => Some(12),
            Per::Once => None,
        }
    }

    /// Chinese suffix, e.g. 元/月.
    pub const fn suffix_zh(self) -> &'static str {
        match self {
            Per::Month => "/月",
            Per::Quarter => "/季",
            Per::HalfYear => "/半年",
            Per::Year => "/年",
            Per::Once => "（一次性）",
        }
    }

    /// English suffix, e.g. a month.
    pub const fn suffix_en(self) -> &'static str {
        match self {
            Per::Month => " a month",
            Per::Quarter => " a quarter",
            Per::HalfYear => " a half-year",
            Per::Year => " a year",
            Per::Once => " once",
        }
    }
}

/// Whom a floor or cap is counted for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LimitScope {
    /// Per beneficiary (每人).
    Beneficiary,
    /// Per household (每户): applied to the line paid to the household head.
    Household,
}

impl LimitScope {
    const fn zh(self) -> &'static str {
        match self {
            LimitScope::Beneficiary => "每人",
            LimitScope::Household => "户",
        }
    }

    const fn en(self) -> &'static str {
        match self {
            LimitScope::Beneficiary => "per beneficiary",
            LimitScope::Household => "per household",
        }
    }
}

/// A floor or cap on the amount for the standard's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// The amount.
    pub amount: Amount,
    /// Whom it is counted for.
    pub per: LimitScope,
}

impl Limit {
    pub(crate) fn describe_zh(&self, what: &str) -> String {
        format!("{}{what} {} 元", self.per.zh(), self.amount)
    }

    pub(crate) fn describe_en(&self, what: &str) -> String {
        format!("{what} {} yuan {}", self.amount, self.per.en())
    }
}

/// How a beneficiary eligible for only part of the period is paid.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Proration {
    /// Eligible is eligible: the whole period is paid.
    #[default]
    None,
    /// By eligible days over the days of the period.
    Days,
    /// By eligible whole months over the months of the period.
    Months,
}

/// A complete standard: basis, period, floor, cap, proration and rounding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// How the amount is computed.
    pub basis: Basis,
    /// The period the amounts are stated for.
    pub per: Per,
    /// The least paid to anyone due more than zero, for the standard's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Limit>,
    /// The most paid, for the standard's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Limit>,
    /// Proration for part-period eligibility.
    #[serde(default)]
    pub proration: Proration,
    /// Rounding of the final amount, half-up: to the fen unless the policy says whole yuan.
    #[serde(default)]
    pub rounding: Rounding,
}

fn overflow(what: String) -> Error {
    Error::Amount {
        value: what,
        rule: AmountRule::Overflow,
    }
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b)
        .ok_or_else(|| overflow(format!("{a} × {b}")))
}

fn mul_div(a: Decimal, numerator: u32, denominator: u32) -> Result<Decimal> {
    if numerator == denominator {
        return Ok(a);
    }
    a.checked_mul(Decimal::from(numerator))
        .and_then(|x| x.checked_div(Decimal::from(denominator.max(1))))
        .ok_or_else(|| overflow(format!("{a} × {numerator}/{denominator}")))
}

fn round(exact: Decimal, rounding: Rounding) -> Result<Amount> {
    Amount::from_decimal_rounded(exact, rounding)
}

/// A non-negative decimal as `mantissa / 10^scale` in integers, for the usual
/// computation (a quantity × a rate, floor, cap, rounding) without decimal arithmetic.
#[derive(Debug, Clone, Copy)]
struct Scaled {
    mantissa: u64,
    scale: u32,
}

/// 10^n for n ≤ 19, the most a `u64` holds.
fn power_of_ten(n: u32) -> Option<u64> {
    const POWERS: [u64; 20] = {
        let mut powers = [1u64; 20];
        let mut n = 1;
        while n < powers.len() {
            powers[n] = powers[n - 1] * 10;
            n += 1;
        }
        powers
    };
    POWERS.get(n as usize).copied()
}

/// In 64 bits (single machine operations); anything larger takes the decimal path.
impl Scaled {
    fn of(value: Decimal) -> Option<Scaled> {
        Some(Scaled {
            mantissa: u64::try_from(value.mantissa()).ok()?,
            scale: value.scale(),
        })
    }

    fn times(self, other: Scaled) -> Option<Scaled> {
        Some(Scaled {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale: self.scale + other.scale,
        })
    }

    /// The mantissa at a larger scale.
    fn at(self, scale: u32) -> Option<u64> {
        self.mantissa
            .checked_mul(power_of_ten(scale.checked_sub(self.scale)?)?)
    }

    fn compare(self, other: Scaled) -> Option<std::cmp::Ordering> {
        if self.scale == other.scale {
            return Some(self.mantissa.cmp(&other.mantissa));
        }
        let scale = self.scale.max(other.scale);
        Some(self.at(scale)?.cmp(&other.at(scale)?))
    }

    /// Rounded half-up to `places` decimals, as a whole number of 10^-places.
    fn round(self, places: u32) -> Option<u64> {
        match self.scale.checked_sub(places) {
            None | Some(0) => self.at(places),
            Some(excess) => {
                let unit = power_of_ten(excess)?;
                let (whole, rest) = (self.mantissa / unit, self.mantissa % unit);
                Some(whole + u64::from(rest >= unit - rest))
            }
        }
    }
}

impl Standard {
    /// [`Standard::compute`] in integers for the usual case — a fixed or per-unit
    /// amount with floor and cap, for the standard's whole period — or `None` when
    /// the case needs the general computation (which also explains failures).
    pub(crate) fn compute_quickly(
        &self,
        facts: &BeneficiaryFacts,
        period: Period,
    ) -> Option<Amount> {
        let mut exact = match &self.basis {
            Basis::Fixed { amount } => Scaled::of(amount.as_decimal())?,
            Basis::PerUnit { quantity, rate, .. } => {
                Scaled::of(rate.as_decimal())?.times(Scaled::of(facts.quantity(quantity)?)?)?
            }
            _ => return None,
        };
        if let Some(of) = self.per.months() {
            let months = period.kind().months().map(u32::from)?;
            let partial = (self.proration == Proration::Months
                && facts.eligible_months.is_some_and(|m| m < months))
                || (self.proration == Proration::Days
                    && facts.eligible_days.is_some_and(|d| d < period.days()));
            if months != of || partial {
                return None;
            }
        }
        if exact.mantissa > 0 {
            if let Some(floor) = self.floor {
                let floor = Scaled::of(floor.amount.as_decimal())?;
                if exact.compare(floor)?.is_lt() {
                    exact = floor;
                }
            }
            if let Some(cap) = self.cap {
                let cap = Scaled::of(cap.amount.as_decimal())?;
                if exact.compare(cap)?.is_gt() {
                    exact = cap;
                }
            }
        }
        let units = exact.round(self.rounding.places())?;
        let fen = match self.rounding {
            Rounding::Fen => units,
            Rounding::Yuan => units.checked_mul(100)?,
        };
        Amount::from_fen(i64::try_from(fen).ok()?).ok()
    }

    /// Computes the amount for `period`, recording each step in `steps`.
    pub(crate) fn compute<L: StepLog>(
        &self,
        facts: &BeneficiaryFacts,
        period: Period,
        steps: &mut L,
    ) -> Result<Amount> {
        if !L::KEEPS_STEPS {
            if let Some(amount) = self.compute_quickly(facts, period) {
                return Ok(amount);
            }
        }
        let Some(mut exact) = self.base(facts, period, steps)? else {
            return Ok(Amount::ZERO);
        };
        if exact.is_sign_positive() && !exact.is_zero() {
            if let Some(floor) = self.floor.filter(|floor| exact < floor.amount.as_decimal()) {
                steps.push(Step::Floor {
                    before: exact,
                    floor,
                });
                exact = floor.amount.as_decimal();
            }
            if let Some(cap) = self.cap.filter(|cap| exact > cap.amount.as_decimal()) {
                steps.push(Step::Cap { before: exact, cap });
                exact = cap.amount.as_decimal();
            }
        }
        let Some(of) = self.per.months() else {
            let amount = round(exact, self.rounding)?;
            steps.push(Step::Total {
                exact,
                amount,
                rounding: self.rounding,
            });
            return Ok(amount);
        };
        let Some(months) = period.kind().months().map(u32::from) else {
            return Err(Error::Policy {
                source_name: "entitlement".to_owned(),
                path: "standard.per".to_owned(),
                rule: PolicyRule::DayPeriod { period },
            });
        };
        let eligible_months = facts
            .eligible_months
            .filter(|_| self.proration == Proration::Months);
        let eligible_days = facts
            .eligible_days
            .filter(|_| self.proration == Proration::Days);
        let partial = eligible_months.is_some_and(|m| m < months)
            || eligible_days.is_some_and(|d| d < period.days());
        if !partial && months < of {
            // Cumulative rounding within the standard's period, so the months of a year
            // add up exactly to the yearly amount.
            let start = (u32::from(u8::from(period.first_day().month())) - 1) % of;
            let end = start + months;
            let upto = round(mul_div(exact, end, of)?, self.rounding)?;
            let before = round(mul_div(exact, start, of)?, self.rounding)?;
            let amount = upto.checked_sub(before)?;
            steps.push(Step::Share {
                of,
                months,
                exact: mul_div(exact, months, of)?,
            });
            if start > 0 {
                steps.push(Step::Cumulative {
                    start,
                    end,
                    of,
                    upto,
                    before,
                    amount,
                });
            } else {
                steps.push(Step::Total {
                    exact: mul_div(exact, months, of)?,
                    amount,
                    rounding: self.rounding,
                });
            }
            return Ok(amount);
        }
        if months != of {
            exact = mul_div(exact, months, of)?;
            steps.push(Step::Share { of, months, exact });
        }
        if let Some(eligible) = eligible_months.filter(|&m| m < months) {
            exact = mul_div(exact, eligible, months)?;
            steps.push(Step::Prorate {
                eligible,
                total: months,
                by: Proration::Months,
                exact,
            });
        } else if let Some(eligible) = eligible_days.filter(|&d| d < period.days()) {
            exact = mul_div(exact, eligible, period.days())?;
            steps.push(Step::Prorate {
                eligible,
                total: period.days(),
                by: Proration::Days,
                exact,
            });
        }
        let amount = round(exact, self.rounding)?;
        steps.push(Step::Total {
            exact,
            amount,
            rounding: self.rounding,
        });
        Ok(amount)
    }

    /// The basis amount for the standard's period, or `None` (with a step saying why) if nothing is due.
    fn base<L: StepLog>(
        &self,
        facts: &BeneficiaryFacts,
        period: Period,
        steps: &mut L,
    ) -> Result<Option<Decimal>> {
        match &self.basis {
            Basis::Fixed { amount } => {
                steps.push(Step::Fixed { amount: *amount });
                Ok(Some(amount.as_decimal()))
            }
            Basis::PerUnit {
                quantity,
                unit,
                rate,
            } => {
                let Some(value) = facts.quantity(quantity) else {
                    steps.push(Step::Missing(Missing::Quantity));
                    return Ok(None);
                };
                if value.is_sign_negative() && !value.is_zero() {
                    return Err(Error::Amount {
                        value: format!("{quantity} = {value}"),
                        rule: AmountRule::WouldBeNegative,
                    });
                }
                let exact = mul(rate.as_decimal(), value)?;
                steps.push(Step::PerUnit {
                    quantity: value,
                    unit: *unit,
                    rate: *rate,
                    exact,
                });
                Ok(Some(exact))
            }
            Basis::AgeBands { on, bands } => {
                let date = on.date(period);
                let age = facts.age_on(date);
                let Some((band, found)) = bands
                    .iter()
                    .enumerate()
                    .find(|(_, band)| band.contains(age))
                else {
                    steps.push(Step::Missing(Missing::AgeBand { age, on: date }));
                    return Ok(None);
                };
                steps.push(Step::AgeBand {
                    age,
                    on: date,
                    band,
                    amount: found.amount,
                });
                Ok(Some(found.amount.as_decimal()))
            }
            Basis::Grades { tag, grades } => {
                let found = facts
                    .grade(tag)
                    .and_then(|grade| grades.iter().find(|g| g.grade == grade));
                let Some(found) = found else {
                    steps.push(Step::Missing(Missing::Grade));
                    return Ok(None);
                };
                steps.push(Step::Grade {
                    grade: found.grade,
                    amount: found.amount,
                });
                Ok(Some(found.amount.as_decimal()))
            }
            Basis::TopUp { standard, minimum } => {
                let Some(income) = facts.per_capita_income else {
                    steps.push(Step::Missing(Missing::Income));
                    return Ok(None);
                };
                let members = facts.household_members.max(1);
                let gap = standard.as_decimal() - income.as_decimal();
                let exact = if gap.is_sign_positive() {
                    mul(gap, Decimal::from(members))?
                } else {
                    Decimal::ZERO
                };
                steps.push(Step::TopUp {
                    standard: *standard,
                    income,
                    members,
                    exact,
                });
                if exact.is_zero() {
                    return Ok(Some(Decimal::ZERO));
                }
                if exact < minimum.as_decimal() {
                    steps.push(Step::Minimum {
                        before: exact,
                        minimum: *minimum,
                    });
                    return Ok(Some(minimum.as_decimal()));
                }
                Ok(Some(exact))
            }
        }
    }

    /// Checks the standard; on failure gives the path below `standard` and the rule.
    pub(crate) fn check(&self) -> std::result::Result<(), (String, PolicyRule)> {
        match &self.basis {
            Basis::PerUnit { quantity, .. } if quantity.trim().is_empty() => {
                return Err((
                    "basis.quantity".into(),
                    PolicyRule::EmptyName {
                        what: "quantity name",
                    },
                ));
            }
            Basis::AgeBands { bands, .. } => {
                if bands.is_empty() {
                    return Err((
                        "basis.bands".into(),
                        PolicyRule::EmptyList { what: "age bands" },
                    ));
                }
                for (i, band) in bands.iter().enumerate() {
                    if band.to.is_some_and(|to| to < band.from) {
                        return Err((
                            format!("basis.bands[{i}]"),
                            PolicyRule::Range {
                                what: "age band",
                                low: band.from.to_string(),
                                high: band.to.unwrap_or_default().to_string(),
                            },
                        ));
                    }
                    if let Some(other) = bands[..i]
                        .iter()
                        .find(|other| other.contains(band.from) || band.contains(other.from))
                    {
                        return Err((
                            format!("basis.bands[{i}]"),
                            PolicyRule::Overlapping {
                                what: "age band",
                                other: other.describe_en(),
                            },
                        ));
                    }
                }
            }
            Basis::Grades { tag, grades } => {
                if tag.trim().is_empty() {
                    return Err((
                        "basis.tag".into(),
                        PolicyRule::EmptyName { what: "grade tag" },
                    ));
                }
                if grades.is_empty() {
                    return Err((
                        "basis.grades".into(),
                        PolicyRule::EmptyList { what: "grades" },
                    ));
                }
                for (i, grade) in grades.iter().enumerate() {
                    if grades[..i].iter().any(|g| g.grade == grade.grade) {
                        return Err((
                            format!("basis.grades[{i}]"),
                            PolicyRule::Overlapping {
                                what: "grade",
                                other: format!("grade {}", grade.grade),
                            },
                        ));
                    }
                }
            }
            _ => {}
        }
        if let (Some(floor), Some(cap)) = (self.floor, self.cap) {
            if floor.amount > cap.amount {
                return Err((
                    "floor".into(),
                    PolicyRule::FloorAboveCap {
                        floor: floor.amount,
                        cap: cap.amount,
                    },
                ));
            }
        }
        if self.per == Per::Once && self.proration != Proration::None {
            return Err(("proration".into(), PolicyRule::ProrationOnce));
        }
        Ok(())
    }

    /// The standard in one line of Chinese, for the public list.
    pub fn describe_zh(&self) -> String {
        let per = self.per.suffix_zh();
        let mut text = match &self.basis {
            Basis::Fixed { amount } => format!("定额 {amount} 元{per}"),
            Basis::PerUnit { unit, rate, .. } => {
                format!("{}每{} {rate} 元{per}", unit.quantity_zh(), unit.name_zh())
            }
            Basis::AgeBands { bands, .. } => bands
                .iter()
                .map(|band| format!("{} {} 元{per}", band.describe_zh(), band.amount))
                .collect::<Vec<_>>()
                .join("，"),
            Basis::Grades { tag, grades } => grades
                .iter()
                .map(|g| format!("{tag} {} 级 {} 元{per}", g.grade, g.amount))
                .collect::<Vec<_>>()
                .join("，"),
            Basis::TopUp { standard, minimum } => {
                let mut text = format!("按保障标准 {standard} 元{per} 与人均收入之差乘以人数补差");
                if !minimum.is_zero() {
                    text.push_str(&format!("，最低 {minimum} 元"));
                }
                text
            }
        };
        if let Some(floor) = self.floor {
            text.push('；');
            text.push_str(&floor.describe_zh("保底"));
        }
        if let Some(cap) = self.cap {
            text.push('；');
            text.push_str(&cap.describe_zh("封顶"));
        }
        match self.proration {
            Proration::None => {}
            Proration::Days => text.push_str("；按享受天数折算"),
            Proration::Months => text.push_str("；按享受月数折算"),
        }
        if self.rounding == Rounding::Yuan {
            text.push_str("；四舍五入到元");
        }
        text
    }

    /// The standard in one line of English.
    pub fn describe_en(&self) -> String {
        let per = self.per.suffix_en();
        let mut text = match &self.basis {
            Basis::Fixed { amount } => format!("{amount} yuan{per}"),
            Basis::PerUnit { unit, rate, .. } => format!(
                "{rate} yuan per {} of {}{per}",
                unit.name_en(),
                unit.quantity_en()
            ),
            Basis::AgeBands { bands, .. } => bands
                .iter()
                .map(|band| format!("{} yuan{per} {}", band.amount, band.describe_en()))
                .collect::<Vec<_>>()
                .join(", "),
            Basis::Grades { tag, grades } => grades
                .iter()
                .map(|g| format!("{} yuan{per} for {tag} grade {}", g.amount, g.grade))
                .collect::<Vec<_>>()
                .join(", "),
            Basis::TopUp { standard, minimum } => {
                let mut text =
                    format!("top-up to {standard} yuan{per} per person, times household members");
                if !minimum.is_zero() {
                    text.push_str(&format!(", at least {minimum} yuan"));
                }
                text
            }
        };
        if let Some(floor) = self.floor {
            text.push_str("; ");
            text.push_str(&floor.describe_en("at least"));
        }
        if let Some(cap) = self.cap {
            text.push_str("; ");
            text.push_str(&cap.describe_en("at most"));
        }
        match self.proration {
            Proration::None => {}
            Proration::Days => text.push_str("; prorated by eligible days"),
            Proration::Months => text.push_str("; prorated by eligible months"),
        }
        if self.rounding == Rounding::Yuan {
            text.push_str("; rounded to whole yuan");
        }
        text
    }
}
