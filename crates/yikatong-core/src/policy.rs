//! Subsidy policies (补贴政策): one version of the rules of a project in a region,
//! with its document number (文号), validity, standard, eligibility and funding.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::{Policy, RegionCode};
//!
//! let policy = Policy::from_json("example", r#"{
//!     "project": "GLJT",
//!     "name": "高龄津贴",
//!     "document": "内民政发〔2023〕1号",
//!     "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//!     "level": "region",
//!     "scope": ["15"],
//!     "effective_from": "2023-01-01",
//!     "version": 1,
//!     "standard": {
//!         "basis": { "kind": "age_bands", "bands": [
//!             { "from": 80, "to": 89, "amount": "100.00" },
//!             { "from": 90, "amount": "300.00" }
//!         ] },
//!         "per": "month"
//!     },
//!     "eligibility": { "rule": "age", "min": 80 },
//!     "funding_shares": { "region": "50", "county": "50" }
//! }"#)?;
//! assert!(policy.covers(RegionCode::parse("150422100")?));
//! assert!(policy.in_force_on(date!(2026 - 11 - 26)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_decimal::Decimal;
use time::Date;

use crate::{
    Amount, Department, Eligibility, Error, FundingShares, GovernmentLevel, Period, RegionCode,
    Result, Standard,
};

time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

/// What is wrong with a policy catalogue, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyRule {
    /// The JSON does not have the expected shape (syntax, unknown field, wrong type, bad value).
    #[error("{message}")]
    Structure {
        /// The parser's description, which names what was expected.
        message: String,
    },
    /// Funding shares that do not add up to 100 percent.
    #[error("the funding shares add up to {total}%; they must add up to exactly 100%")]
    SharesNotHundred {
        /// What they add up to.
        total: Decimal,
    },
    /// A negative funding share.
    #[error("the {} share is {percent}%; a share must be zero or more", level.name_en())]
    NegativeShare {
        /// The level with the negative share.
        level: GovernmentLevel,
        /// The share as given.
        percent: Decimal,
    },
    /// A list that must not be empty is empty.
    #[error("no {what} are given; give at least one")]
    EmptyList {
        /// What the list holds, e.g. "regions".
        what: &'static str,
    },
    /// A name that must not be blank is blank.
    #[error("the {what} is blank; write a name")]
    EmptyName {
        /// What is named, e.g. "tag".
        what: &'static str,
    },
    /// A range whose low end is above its high end.
    #[error(
        "the {what} range runs from {low} down to {high}; the low end must not be above the high end"
    )]
    Range {
        /// What the range is of.
        what: &'static str,
        /// Low end as given.
        low: String,
        /// High end as given.
        high: String,
    },
    /// Two entries that cover the same case.
    #[error("this {what} overlaps {other}; each case must be covered once")]
    Overlapping {
        /// What overlaps, e.g. "age band".
        what: &'static str,
        /// The earlier entry it overlaps.
        other: String,
    },
    /// A floor above the cap.
    #[error(
        "the floor {floor} yuan is above the cap {cap} yuan; the floor must not exceed the cap"
    )]
    FloorAboveCap {
        /// The floor.
        floor: Amount,
        /// The cap.
        cap: Amount,
    },
    /// Proration on a one-off standard.
    #[error(
        "a one-off standard (\"per\": \"once\") cannot be prorated; set \"proration\" to \"none\""
    )]
    ProrationOnce,
    /// An end date before the start date.
    #[error(
        "effective_to {to} is before effective_from {from}; the policy must be in force at least one day"
    )]
    EffectiveRange {
        /// Start date.
        from: Date,
        /// End date.
        to: Date,
    },
    /// A deadline on working day 0 or past the last working day a month can have.
    #[error("working day {found} does not exist; count working days of the month from 1 to 23")]
    WorkingDay {
        /// The working day as given.
        found: u32,
    },
    /// A public-notice period of zero working days.
    #[error("the public notice must last at least 1 working day (the usual length is 7)")]
    NoPublicity,
    /// A policy for a project that is not in the catalogue.
    #[error(
        "there is no project {code:?} in the catalogue; add the project first or correct the code"
    )]
    UnknownProject {
        /// The code as given.
        code: String,
    },
    /// A project code given twice.
    #[error("project {code:?} is already in the catalogue; project codes must be unique")]
    DuplicateProject {
        /// The code.
        code: String,
    },
    /// A policy whose validity overlaps another version for the same project and region.
    #[error(
        "overlaps version {version} ({document}, in force {from} to {}) for the same project and region; \
         end that version the day before this one starts, or narrow the region scope",
        to.map_or_else(|| "open-ended".to_owned(), |to| to.to_string())
    )]
    Overlap {
        /// Document number of the other version.
        document: String,
        /// Its version number.
        version: u32,
        /// Its start date.
        from: Date,
        /// Its end date, if any.
        to: Option<Date>,
    },
    /// A version number not above the version in force before it.
    #[error(
        "version {version} takes effect after version {previous}; a later version needs a higher number"
    )]
    VersionOrder {
        /// This version.
        version: u32,
        /// The version before it.
        previous: u32,
    },
    /// An entitlement asked for a single day under a periodic standard.
    #[error(
        "period {period} is a single day; compute a periodic standard for a month, quarter, half-year or year"
    )]
    DayPeriod {
        /// The period asked for.
        period: Period,
    },
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One version of a subsidy policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Code of the [`SubsidyProject`](crate::SubsidyProject) the policy belongs to.
    pub project: String,
    /// Name as published, e.g. 草原生态保护补助奖励（禁牧补助）.
    pub name: String,
    /// Document number (文号), e.g. 内财农〔2021〕780号.
    pub document: String,
    /// The department that issued the document.
    pub issuer: Department,
    /// The level of government that issued it.
    pub level: GovernmentLevel,
    /// The regions (subtrees) where it applies; at least one.
    pub scope: Vec<RegionCode>,
    /// First day in force.
    #[serde(with = "iso_date")]
    pub effective_from: Date,
    /// Last day in force, if an end is set.
    #[serde(
        default,
        with = "iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub effective_to: Option<Date>,
    /// Version number, rising with each change for the same project and region.
    pub version: u32,
    /// How much is paid.
    pub standard: Standard,
    /// Who is eligible (besides being within `scope`).
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Percent paid by each level of government; adds up to 100.
    pub funding_shares: FundingShares,
    /// Whether the figures are illustrative rather than taken from the published document.
    #[serde(default, skip_serializing_if = "is_false")]
    pub illustrative: bool,
    /// A remark for the public list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Policy {
    /// Reads and checks one policy from JSON; errors name the JSON path of the problem.
    pub fn from_json(source_name: &str, text: &str) -> Result<Policy> {
        let policy: Policy = crate::catalog::parse_json(source_name, text)?;
        policy.validate().map_err(|(path, rule)| Error::Policy {
            source_name: source_name.to_owned(),
            path,
            rule,
        })?;
        Ok(policy)
    }

    /// Whether the policy is in force on `date`.
    pub fn in_force_on(&self, date: Date) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }

    /// Whether the policy is in force on any day of `period`.
    pub fn in_force_during(&self, period: Period) -> bool {
        // The first day settles most cases without working out the last.
        (self.effective_from <= period.first_day() || self.effective_from <= period.last_day())
            && self.effective_to.is_none_or(|to| period.first_day() <= to)
    }

    /// Whether `region` lies within the policy's scope.
    pub fn covers(&self, region: RegionCode) -> bool {
        self.scope.iter().any(|scope| region.is_within(*scope))
    }

    /// Whether the two policies' scopes share any region.
    pub fn scope_overlaps(&self, other: &Policy) -> bool {
        self.scope.iter().any(|a| {
            other
                .scope
                .iter()
                .any(|b| a.is_within(*b) || b.is_within(*a))
        })
    }

    /// Whether the two policies are in force on a common day.
    pub fn dates_overlap(&self, other: &Policy) -> bool {
        self.effective_to
            .is_none_or(|to| other.effective_from <= to)
            && other
                .effective_to
                .is_none_or(|to| self.effective_from <= to)
    }

    /// Checks the policy on its own; on failure gives the JSON path below the
    /// policy (e.g. `funding_shares`) and the rule.
    pub fn validate(&self) -> std::result::Result<(), (String, PolicyRule)> {
        for (field, value) in [
            ("project", &self.project),
            ("name", &self.name),
            ("document", &self.document),
        ] {
            if value.trim().is_empty() {
                return Err((field.to_owned(), PolicyRule::EmptyName { what: field }));
            }
        }
        if self.scope.is_empty() {
            return Err((
                "scope".to_owned(),
                PolicyRule::EmptyList {
                    what: "regions in the scope",
                },
            ));
        }
        if let Some(to) = self.effective_to.filter(|to| *to < self.effective_from) {
            return Err((
                "effective_to".to_owned(),
                PolicyRule::EffectiveRange {
                    from: self.effective_from,
                    to,
                },
            ));
        }
        self.standard
            .check()
            .map_err(|(path, rule)| (format!("standard.{path}"), rule))?;
        self.eligibility.validate().map_err(|(path, rule)| {
            (
                format!("eligibility.{path}")
                    .trim_end_matches('.')
                    .to_owned(),
                rule,
            )
        })?;
        self.funding_shares
            .check()
            .map_err(|rule| ("funding_shares".to_owned(), rule))?;
        Ok(())
    }

    /// The fields that differ from `previous`, by their JSON names (for the change history).
    pub fn changed_fields(&self, previous: &Policy) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let pairs: [(&'static str, bool); 8] = [
            ("name", self.name != previous.name),
            ("issuer", self.issuer != previous.issuer),
            ("level", self.level != previous.level),
            ("scope", self.scope != previous.scope),
            ("standard", self.standard != previous.standard),
            ("eligibility", self.eligibility != previous.eligibility),
            (
                "funding_shares",
                self.funding_shares != previous.funding_shares,
            ),
            ("note", self.note != previous.note),
        ];
        for (name, differs) in pairs {
            if differs {
                changed.push(name);
            }
        }
        changed
    }
}
