//! The policy catalogue (政策清单): the projects and all versions of their
//! policies, with effective dating, change history and the public export.
//!
//! Catalogue JSON is one object with `projects` and `policies` (either may be
//! left out, so a file can hold one project and its versions). Reading rejects
//! unknown fields, wrong types, funding shares that do not add up to 100%,
//! negative amounts, empty scopes and overlapping versions, naming the JSON path
//! of the problem.
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::{entitle, BeneficiaryFacts, Period, PolicyCatalog, RegionCode, ResidentId};
//!
//! let catalog = PolicyCatalog::from_json("高龄津贴.json", r#"{
//!   "projects": [{
//!     "code": "GLJT", "name": "高龄津贴", "name_en": "Old-age allowance",
//!     "category": "people",
//!     "department": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//!     "payment_unit": "person", "cycle": "monthly",
//!     "deadline": { "working_day": 10 }
//!   }],
//!   "policies": [{
//!     "project": "GLJT", "name": "高龄津贴", "document": "内民政发〔2023〕1号",
//!     "issuer": { "name": "内蒙古自治区民政厅", "credit_code": "111500000116068813" },
//!     "level": "region", "scope": ["15"],
//!     "effective_from": "2023-01-01", "version": 1,
//!     "standard": { "per": "month", "basis": { "kind": "age_bands", "bands": [
//!         { "from": 80, "to": 89, "amount": "100.00" },
//!         { "from": 90, "to": 99, "amount": "300.00" },
//!         { "from": 100, "amount": "800.00" } ] } },
//!     "eligibility": { "rule": "age", "min": 80 },
//!     "funding_shares": { "region": "50", "county": "50" },
//!     "illustrative": true
//!   }]
//! }"#)?;
//!
//! let town = RegionCode::parse("150422100")?;
//! let policy = catalog.policy_for("GLJT", town, date!(2026 - 11 - 01)).ok_or("no policy")?;
//! let elder = BeneficiaryFacts::new(ResidentId::parse("110105194012310024")?, town);
//! let due = entitle(policy, &elder, Period::month(2026, 11)?)?;
//! assert_eq!(due.amount().to_string(), "100.00");
//! assert_eq!(
//!     due.explanation_zh(),
//!     "依据内民政发〔2023〕1号（高龄津贴，第 1 版），2026-11 期：2026-11-01 时年满 85 周岁，标准 100.00 元/月；应发 100.00 元"
//! );
//! // The list published to the public, in a stable order.
//! assert!(catalog.to_csv()?.contains("内民政发〔2023〕1号"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use time::Date;

use crate::{
    BeneficiaryFacts, Entitlement, Error, Period, Policy, PolicyRule, RegionCode, Result,
    SubsidyProject, entitle,
};

/// Reads JSON into `T`, naming the JSON path of any structural problem.
pub(crate) fn parse_json<T: DeserializeOwned>(source_name: &str, text: &str) -> Result<T> {
    let fail = |path: String, message: String| Error::Policy {
        source_name: source_name.to_owned(),
        path,
        rule: PolicyRule::Structure { message },
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| fail(error.path().to_string(), error.inner().to_string()))?;
    deserializer
        .end()
        .map_err(|error| fail(".".to_owned(), error.to_string()))?;
    Ok(value)
}

/// The catalogue as a JSON document: projects and policies.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDocument {
    /// A remark on the whole document, e.g. where its figures come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The projects.
    #[serde(default)]
    pub projects: Vec<SubsidyProject>,
    /// The policy versions.
    #[serde(default)]
    pub policies: Vec<Policy>,
}

/// What kind of change a history record is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// The first version for the project and region.
    Introduced,
    /// A new version replacing an earlier one.
    Revised {
        /// The version replaced.
        previous_version: u32,
        /// Its document number.
        previous_document: String,
        /// The fields that changed, by their JSON names.
        changed: Vec<&'static str>,
    },
    /// A version was given an end date.
    Ended {
        /// Its last day in force.
        #[serde(with = "crate::policy::iso_date")]
        effective_to: Date,
    },
}

/// One entry of the change history: what changed, from when, by which document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangeRecord {
    /// The date the change takes effect.
    #[serde(with = "crate::policy::iso_date")]
    pub effective: Date,
    /// The project.
    pub project: String,
    /// The document that made the change.
    pub document: String,
    /// The version concerned.
    pub version: u32,
    /// What changed.
    pub change: ChangeKind,
}

/// All projects and policy versions, kept free of overlaps and in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyCatalog {
    projects: BTreeMap<String, SubsidyProject>,
    policies: Vec<Policy>,
    history: Vec<ChangeRecord>,
}

fn policy_key(policy: &Policy) -> (&str, Option<&RegionCode>, Date, u32) {
    (
        policy.project.as_str(),
        policy.scope.first(),
        policy.effective_from,
        policy.version,
    )
}

impl PolicyCatalog {
    /// An empty catalogue.
    pub fn new() -> PolicyCatalog {
        PolicyCatalog::default()
    }

    /// Reads a catalogue from JSON text; `source_name` (e.g. the file name) is used in errors.
    pub fn from_json(source_name: &str, text: &str) -> Result<PolicyCatalog> {
        let mut catalog = PolicyCatalog::new();
        catalog.load_json(source_name, text)?;
        Ok(catalog)
    }

    /// Adds the projects and policies of a JSON document: all of them or, on the
    /// first problem, none.
    pub fn load_json(&mut self, source_name: &str, text: &str) -> Result<()> {
        let document: CatalogDocument = parse_json(source_name, text)?;
        self.add_document(source_name, document)
    }

    /// Adds a document's projects, then its policies in order of effective date:
    /// all of them or, on the first problem, none.
    pub fn add_document(&mut self, source_name: &str, document: CatalogDocument) -> Result<()> {
        let mut next = self.clone();
        let fail = |path: String, rule| Error::Policy {
            source_name: source_name.to_owned(),
            path,
            rule,
        };
        let codes: Vec<String> = document.projects.iter().map(|p| p.code.clone()).collect();
        for (i, project) in document.projects.into_iter().enumerate() {
            for (j, code) in project.excludes.iter().enumerate() {
                if !next.projects.contains_key(code) && !codes.contains(code) {
                    return Err(fail(
                        format!("projects[{i}].excludes[{j}]"),
                        PolicyRule::UnknownProject { code: code.clone() },
                    ));
                }
            }
            next.insert_project(project)
                .map_err(|(path, rule)| fail(format!("projects[{i}].{path}"), rule))?;
        }
        let mut policies: Vec<(usize, Policy)> =
            document.policies.into_iter().enumerate().collect();
        policies.sort_by(|(_, a), (_, b)| policy_key(a).cmp(&policy_key(b)));
        for (i, policy) in policies {
            next.insert_policy(policy)
                .map_err(|(path, rule)| fail(format!("policies[{i}].{path}"), rule))?;
        }
        *self = next;
        Ok(())
    }

    /// Adds a project.
    pub fn add_project(&mut self, project: SubsidyProject) -> Result<()> {
        let code = project.code.clone();
        self.insert_project(project)
            .map_err(|(path, rule)| Error::Policy {
                source_name: code,
                path,
                rule,
            })
    }

    /// Adds a policy version; it must not overlap another version for the same
    /// project and region, and a later version must have a higher number.
    pub fn add_policy(&mut self, policy: Policy) -> Result<()> {
        let document = policy.document.clone();
        self.insert_policy(policy)
            .map_err(|(path, rule)| Error::Policy {
                source_name: document,
                path,
                rule,
            })
    }

    /// Adds a new version that replaces the open-ended version in force when it
    /// starts: that version is ended the day before (recorded in the history),
    /// then the new one is added as by [`PolicyCatalog::add_policy`]. All or nothing.
    pub fn add_version(&mut self, policy: Policy) -> Result<()> {
        let mut next = self.clone();
        let start = policy.effective_from;
        if let Some(previous) = start.previous_day() {
            let mut ended = Vec::new();
            for old in next.policies.iter_mut().filter(|old| {
                old.project == policy.project
                    && old.scope_overlaps(&policy)
                    && old.effective_to.is_none()
                    && old.effective_from < start
            }) {
                old.effective_to = Some(previous);
                ended.push(ChangeRecord {
                    effective: previous,
                    project: old.project.clone(),
                    document: policy.document.clone(),
                    version: old.version,
                    change: ChangeKind::Ended {
                        effective_to: previous,
                    },
                });
            }
            next.history.extend(ended);
        }
        next.add_policy(policy)?;
        *self = next;
        Ok(())
    }

    fn insert_project(
        &mut self,
        project: SubsidyProject,
    ) -> std::result::Result<(), (String, PolicyRule)> {
        if project.code.trim().is_empty() {
            return Err((
                "code".into(),
                PolicyRule::EmptyName {
                    what: "project code",
                },
            ));
        }
        if project.name.trim().is_empty() {
            return Err((
                "name".into(),
                PolicyRule::EmptyName {
                    what: "project name",
                },
            ));
        }
        if !(1..=23).contains(&project.deadline.working_day) {
            return Err((
                "deadline.working_day".into(),
                PolicyRule::WorkingDay {
                    found: project.deadline.working_day,
                },
            ));
        }
        if project.publicity_working_days == 0 {
            return Err(("publicity_working_days".into(), PolicyRule::NoPublicity));
        }
        if self.projects.contains_key(&project.code) {
            return Err((
                "code".into(),
                PolicyRule::DuplicateProject { code: project.code },
            ));
        }
        self.projects.insert(project.code.clone(), project);
        Ok(())
    }

    fn insert_policy(&mut self, policy: Policy) -> std::result::Result<(), (String, PolicyRule)> {
        policy.validate()?;
        if !self.projects.contains_key(&policy.project) {
            return Err((
                "project".into(),
                PolicyRule::UnknownProject {
                    code: policy.project.clone(),
                },
            ));
        }
        let mut previous: Option<&Policy> = None;
        for other in self
            .policies
            .iter()
            .filter(|other| other.project == policy.project && other.scope_overlaps(&policy))
        {
            if other.dates_overlap(&policy) {
                return Err((
                    "effective_from".into(),
                    PolicyRule::Overlap {
                        document: other.document.clone(),
                        version: other.version,
                        from: other.effective_from,
                        to: other.effective_to,
                    },
                ));
            }
            let (earlier, later) = if other.effective_from < policy.effective_from {
                (other, &policy)
            } else {
                (&policy, other)
            };
            if later.version <= earlier.version {
                return Err((
                    "version".into(),
                    PolicyRule::VersionOrder {
                        version: later.version,
                        previous: earlier.version,
                    },
                ));
            }
            if other.effective_from < policy.effective_from
                && previous.is_none_or(|p| p.effective_from < other.effective_from)
            {
                previous = Some(other);
            }
        }
        let change = match previous {
            None => ChangeKind::Introduced,
            Some(previous) => ChangeKind::Revised {
                previous_version: previous.version,
                previous_document: previous.document.clone(),
                changed: policy.changed_fields(previous),
            },
        };
        self.history.push(ChangeRecord {
            effective: policy.effective_from,
            project: policy.project.clone(),
            document: policy.document.clone(),
            version: policy.version,
            change,
        });
        self.history.sort_by(|a, b| {
            (a.effective, &a.project, a.version).cmp(&(b.effective, &b.project, b.version))
        });
        let at = self
            .policies
            .partition_point(|p| policy_key(p) <= policy_key(&policy));
        self.policies.insert(at, policy);
        Ok(())
    }

    /// The project with this code.
    pub fn project(&self, code: &str) -> Option<&SubsidyProject> {
        self.projects.get(code)
    }

    /// All projects, by code.
    pub fn projects(&self) -> impl ExactSizeIterator<Item = &SubsidyProject> + '_ {
        self.projects.values()
    }

    /// All policy versions, by project, region, effective date and version.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// All versions for one project, oldest first.
    pub fn versions<'a>(&'a self, project: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies.iter().filter(move |p| p.project == project)
    }

    /// The policies in force for `region` on `date`: those whose scope contains it.
    pub fn in_force(&self, region: RegionCode, date: Date) -> impl Iterator<Item = &Policy> + '_ {
        self.policies
            .iter()
            .filter(move |p| p.in_force_on(date) && p.covers(region))
    }

    /// The one version of `project` in force for `region` on `date`, if any
    /// (versions never overlap, so there is at most one).
    pub fn policy_for(&self, project: &str, region: RegionCode, date: Date) -> Option<&Policy> {
        self.policies
            .iter()
            .find(|p| p.project == project && p.in_force_on(date) && p.covers(region))
    }

    /// The version of `project` a roster for `period` in `region` is computed under:
    /// the one in force when the period starts, else the one it ends under.
    pub fn policy_for_period(
        &self,
        project: &str,
        region: RegionCode,
        period: Period,
    ) -> Option<&Policy> {
        self.policy_for(project, region, period.first_day())
            .or_else(|| self.policy_for(project, region, period.last_day()))
    }

    /// What `facts` are due from `project` for `period`, under the version of
    /// [`PolicyCatalog::policy_for_period`]. With no such version, the nearest one
    /// covering the region is applied (the outcome: not in force), else one in
    /// force during the period elsewhere (out of scope), else the project's first,
    /// so that the outcome says why nothing is due and cites a document.
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with [`PolicyRule::UnknownProject`] for a project the
    /// catalogue does not have, or with no version; as [`entitle`] otherwise.
    pub fn entitle(
        &self,
        project: &str,
        facts: &BeneficiaryFacts,
        period: Period,
    ) -> Result<Entitlement<'_>> {
        let unknown = |rule| Error::Policy {
            source_name: "policy catalogue".to_owned(),
            path: format!("project {project}"),
            rule,
        };
        if self.project(project).is_none() {
            return Err(unknown(PolicyRule::UnknownProject {
                code: project.to_owned(),
            }));
        }
        let region = facts.region;
        let versions = || self.policies.iter().filter(|p| p.project == project);
        let covering = || versions().filter(|p| p.covers(region));
        let policy = self
            .policy_for_period(project, region, period)
            .or_else(|| {
                covering()
                    .filter(|p| p.effective_from <= period.last_day())
                    .max_by_key(|p| p.effective_from)
            })
            .or_else(|| covering().min_by_key(|p| p.effective_from))
            .or_else(|| {
                versions()
                    .find(|p| p.in_force_on(period.first_day()) || p.in_force_on(period.last_day()))
            })
            .or_else(|| versions().next())
            .ok_or_else(|| {
                unknown(PolicyRule::EmptyList {
                    what: "policy versions",
                })
            })?;
        entitle(policy, facts, period)
    }

    /// The change history, by effective date.
    pub fn history(&self) -> &[ChangeRecord] {
        &self.history
    }

    /// The catalogue as a document, in the stable order (projects by code, policies by
    /// project, region, effective date and version).
    pub fn to_document(&self) -> CatalogDocument {
        CatalogDocument {
            note: None,
            projects: self.projects.values().cloned().collect(),
            policies: self.policies.clone(),
        }
    }

    /// The catalogue as pretty-printed JSON, in the stable order; reading it back gives the same catalogue.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(&self.to_document()).map_err(|error| Error::Policy {
            source_name: "catalogue export".to_owned(),
            path: ".".to_owned(),
            rule: PolicyRule::Structure {
                message: error.to_string(),
            },
        })
    }

    /// The public policy list (政策清单) as CSV with a Chinese header, one line per
    /// policy version in the stable order.
    pub fn to_csv(&self) -> Result<String> {
        let fail = |message: String| Error::Policy {
            source_name: "catalogue export".to_owned(),
            path: ".".to_owned(),
            rule: PolicyRule::Structure { message },
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record([
                "项目编码",
                "项目名称",
                "类别",
                "主管部门",
                "主管部门统一社会信用代码",
                "发放对象",
                "发放周期",
                "政策名称",
                "文号",
                "发文单位",
                "层级",
                "实施范围",
                "生效日期",
                "截止日期",
                "版本",
                "补贴标准",
                "补贴条件",
                "资金分担",
                "备注",
            ])
            .map_err(|e| fail(e.to_string()))?;
        for policy in &self.policies {
            let project = self.projects.get(&policy.project);
            let scope = policy
                .scope
                .iter()
                .map(|code| code.to_short_string())
                .collect::<Vec<_>>()
                .join(";");
            let mut note = policy.note.clone().unwrap_or_default();
            if policy.illustrative {
                if !note.is_empty() {
                    note.push('；');
                }
                note.push_str("示例数据，非正式文件数额");
            }
            writer
                .write_record([
                    policy.project.as_str(),
                    project.map_or("", |p| p.name.as_str()),
                    project.map_or("", |p| p.category.name_zh()),
                    project.map_or("", |p| p.department.name.as_str()),
                    project.map_or("", |p| p.department.credit_code.as_str()),
                    project.map_or("", |p| p.payment_unit.name_zh()),
                    project.map_or("", |p| p.cycle.name_zh()),
                    policy.name.as_str(),
                    policy.document.as_str(),
                    policy.issuer.name.as_str(),
                    policy.level.name_zh(),
                    scope.as_str(),
                    policy.effective_from.to_string().as_str(),
                    policy
                        .effective_to
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                        .as_str(),
                    policy.version.to_string().as_str(),
                    policy.standard.describe_zh().as_str(),
                    policy.eligibility.describe_zh().as_str(),
                    policy.funding_shares.describe_zh().as_str(),
                    note.as_str(),
                ])
                .map_err(|e| fail(e.to_string()))?;
        }
        let bytes = writer.into_inner().map_err(|e| fail(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::{Basis, Per, Proration, Standard};
    use crate::{
        Amount, CreditCode, Department, Eligibility, FundingShares, GovernmentLevel, Rounding,
    };
    use proptest::prelude::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn project() -> std::result::Result<SubsidyProject, Box<dyn std::error::Error>> {
        Ok(serde_json::from_str(
            r#"{"code":"P","name":"示例","name_en":"Example","category":"people",
            "department":{"name":"民政厅","credit_code":"111500000116068826"},
            "payment_unit":"person","cycle":"monthly","deadline":{"working_day":10}}"#,
        )?)
    }

    fn policy(version: u32, from: Date, amount: Amount, shares: FundingShares) -> Result<Policy> {
        Ok(Policy {
            project: "P".into(),
            name: "示例".into(),
            document: format!("示〔2026〕{version}号"),
            issuer: Department {
                name: "民政厅".into(),
                credit_code: CreditCode::parse("111500000116068826")?,
            },
            level: GovernmentLevel::Region,
            scope: vec![RegionCode::parse("15")?],
            effective_from: from,
            effective_to: None,
            version,
            standard: Standard {
                basis: Basis::Fixed { amount },
                per: Per::Month,
                floor: None,
                cap: None,
                proration: Proration::None,
                rounding: Rounding::Fen,
            },
            eligibility: Eligibility::Age {
                min: Some(60),
                max: None,
                on: crate::AgeOn::PeriodStart,
            },
            funding_shares: shares,
            illustrative: false,
            note: None,
        })
    }

    #[test]
    fn entitle_picks_the_version_of_the_period_or_says_why_nothing_is_due() -> TestResult {
        let mut catalog = PolicyCatalog::new();
        catalog.add_project(project()?)?;
        let shares = FundingShares::all(GovernmentLevel::Region);
        catalog.add_policy(policy(
            1,
            date!(2024 - 01 - 01),
            Amount::parse("100")?,
            shares.clone(),
        )?)?;
        // Version 2 from the middle of March 2025.
        catalog.add_version(policy(
            2,
            date!(2025 - 03 - 15),
            Amount::parse("120")?,
            shares,
        )?)?;
        let town = RegionCode::parse("150422100")?;
        let facts = BeneficiaryFacts::new(crate::ResidentId::parse("11010519491231002X")?, town);
        let amount =
            |period: &str| -> std::result::Result<(u32, String), Box<dyn std::error::Error>> {
                let entitlement = catalog.entitle("P", &facts, Period::parse(period)?)?;
                Ok((entitlement.version(), entitlement.amount().to_string()))
            };
        // A month is computed under the version in force when it starts.
        assert_eq!(amount("2025-02")?, (1, "100.00".to_owned()));
        assert_eq!(amount("2025-03")?, (1, "100.00".to_owned()));
        assert_eq!(amount("2025-04")?, (2, "120.00".to_owned()));
        assert_eq!(
            catalog
                .policy_for_period("P", town, Period::parse("2025-03")?)
                .map(|p| p.version),
            Some(1)
        );
        // Before any version: the first one, saying it was not in force.
        let early = catalog.entitle("P", &facts, Period::parse("2023-06")?)?;
        assert_eq!(early.version(), 1);
        assert!(!early.is_entitled());
        assert!(matches!(early.outcome(), crate::Outcome::NotInForce));
        // Out of scope: the nearest version, saying so.
        let beijing = BeneficiaryFacts::new(facts.resident_id, RegionCode::parse("110105")?);
        let outside = catalog.entitle("P", &beijing, Period::parse("2025-04")?)?;
        assert!(matches!(
            outside.outcome(),
            crate::Outcome::OutOfScope { .. }
        ));
        // An unknown project.
        assert!(matches!(
            catalog.entitle("Q", &facts, Period::parse("2025-04")?),
            Err(Error::Policy {
                rule: PolicyRule::UnknownProject { .. },
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn new_versions_end_the_previous_one_and_are_recorded() -> TestResult {
        let mut catalog = PolicyCatalog::new();
        catalog.add_project(project()?)?;
        let shares = FundingShares::all(GovernmentLevel::Region);
        catalog.add_policy(policy(
            1,
            date!(2024 - 01 - 01),
            Amount::parse("100")?,
            shares.clone(),
        )?)?;
        // Adding an overlapping version plainly is refused and changes nothing.
        let second = policy(2, date!(2025 - 01 - 01), Amount::parse("120")?, shares)?;
        assert!(catalog.add_policy(second.clone()).is_err());
        assert_eq!(catalog.policies().len(), 1);
        catalog.add_version(second)?;
        let town = RegionCode::parse("150422100")?;
        assert_eq!(
            catalog
                .policy_for("P", town, date!(2024 - 12 - 31))
                .map(|p| p.version),
            Some(1)
        );
        assert_eq!(
            catalog
                .policy_for("P", town, date!(2025 - 01 - 01))
                .map(|p| p.version),
            Some(2)
        );
        let kinds: Vec<&ChangeKind> = catalog.history().iter().map(|r| &r.change).collect();
        assert_eq!(kinds.len(), 3);
        assert_eq!(kinds[0], &ChangeKind::Introduced);
        assert_eq!(
            kinds[1],
            &ChangeKind::Ended {
                effective_to: date!(2024 - 12 - 31)
            }
        );
        assert!(
            matches!(kinds[2], ChangeKind::Revised { previous_version: 1, changed, .. } if changed == &["standard"])
        );
        // A lower version number after a higher one is refused.
        let late = policy(
            1,
            date!(2027 - 01 - 01),
            Amount::parse("1")?,
            FundingShares::all(GovernmentLevel::Region),
        )?;
        assert!(matches!(
            catalog.add_version(late),
            Err(Error::Policy {
                rule: PolicyRule::VersionOrder { .. },
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn unknown_projects_and_duplicates_are_refused() -> TestResult {
        let mut catalog = PolicyCatalog::new();
        let orphan = policy(
            1,
            date!(2024 - 01 - 01),
            Amount::parse("1")?,
            FundingShares::all(GovernmentLevel::Region),
        )?;
        assert!(matches!(
            catalog.add_policy(orphan),
            Err(Error::Policy {
                rule: PolicyRule::UnknownProject { .. },
                ..
            })
        ));
        catalog.add_project(project()?)?;
        assert!(catalog.add_project(project()?).is_err());
        let error =
            PolicyCatalog::from_json("x.json", r#"{"projects": [], "policies": [], "extra": 1}"#)
                .err();
        assert!(
            matches!(error, Some(Error::Policy { ref path, .. }) if path == "extra" || path == ".")
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn export_then_import_round_trips(
            fen in proptest::collection::vec(0i64..100_000_000, 1..5),
            shares in any::<FundingShares>(),
        ) {
            let mut catalog = PolicyCatalog::new();
            catalog.add_project(project().map_err(|e| TestCaseError::fail(e.to_string()))?)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (i, fen) in fen.iter().enumerate() {
                let from = Date::from_calendar_date(2020 + i as i32, time::Month::January, 1)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let amount = Amount::from_fen(*fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let next = policy(i as u32 + 1, from, amount, shares.clone())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                catalog.add_version(next).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            let json = catalog.to_json().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let again = PolicyCatalog::from_json("export", &json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again.to_document(), catalog.to_document());
            prop_assert_eq!(again.to_csv().ok(), catalog.to_csv().ok());
        }
    }
}
