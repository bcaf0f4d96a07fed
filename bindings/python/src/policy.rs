//! `Policy`, `GovernmentLevel` and the `language` argument of the descriptions.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use time::Date;

use crate::convert::{CivilDate, mirror_enum};
use crate::entitlement::Entitlement;
use crate::error::CoreResult;
use crate::facts::BeneficiaryFacts;
use crate::period::Period;
use crate::project::Department;
use crate::region::{CodeArg, RegionCode};

mirror_enum! {
    /// A level of government: who issues a policy and who pays a share of it.
    pub enum GovernmentLevel mirrors yikatong::GovernmentLevel {
        /// The central government (中央).
        Central,
        /// The province or autonomous region (自治区/省).
        Region,
        /// The prefecture or league (盟市).
        Prefecture,
        /// The county or banner (旗县).
        County,
    }
}

#[pymethods]
impl GovernmentLevel {
    /// The Chinese name, as in Inner Mongolia: 中央, 自治区, 盟市, 旗县.
    fn name_zh(&self) -> &'static str {
        yikatong::GovernmentLevel::from(*self).name_zh()
    }

    /// The English name as in the JSON: "central", "region", "prefecture", "county".
    fn name_en(&self) -> &'static str {
        yikatong::GovernmentLevel::from(*self).name_en()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// Reads the `language` argument of an explanation or description: "zh" or "en".
pub(crate) fn language(text: &str) -> PyResult<yikatong::Language> {
    match text {
        "zh" => Ok(yikatong::Language::Zh),
        "en" => Ok(yikatong::Language::En),
        _ => Err(PyValueError::new_err(format!(
            "language {text:?} is not supported: pass \"zh\" (Chinese) or \"en\" (English)"
        ))),
    }
}

/// One version of a subsidy policy: its document, scope, dates, standard, eligibility
/// and funding shares.
///
/// Got from a `PolicyCatalog`, or read with `Policy.from_json` (then added to a
/// catalogue with `add_policy` or `add_version`). Shared, never copied: a catalogue
/// hands out the same version to every caller.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct Policy(pub(crate) Arc<yikatong::Policy>);

impl Policy {
    pub(crate) fn new(policy: yikatong::Policy) -> Self {
        Self(Arc::new(policy))
    }
}

#[pymethods]
impl Policy {
    /// Reads and checks one policy version from JSON; raises `InvalidPolicy` naming the
    /// JSON path of the problem. `source_name` (e.g. the file name) is used in errors.
    #[staticmethod]
    fn from_json(source_name: &str, text: &str) -> CoreResult<Self> {
        Ok(Self::new(yikatong::Policy::from_json(source_name, text)?))
    }

    /// Code of the project the policy belongs to, e.g. "GLJT".
    #[getter]
    fn project(&self) -> &str {
        &self.0.project
    }

    /// Name as published, e.g. 高龄津贴.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// Document number (文号), e.g. 内民政发〔2022〕37号.
    #[getter]
    fn document(&self) -> &str {
        &self.0.document
    }

    /// The department that issued the document.
    #[getter]
    fn issuer(&self) -> Department {
        Department(self.0.issuer.clone())
    }

    /// The level of government that issued it.
    #[getter]
    fn level(&self) -> GovernmentLevel {
        self.0.level.into()
    }

    /// The regions (subtrees) where it applies.
    #[getter]
    fn scope(&self) -> Vec<RegionCode> {
        self.0.scope.iter().copied().map(RegionCode).collect()
    }

    /// First day in force.
    #[getter]
    fn effective_from(&self) -> Date {
        self.0.effective_from
    }

    /// Last day in force, or `None` while no end is set.
    #[getter]
    fn effective_to(&self) -> Option<Date> {
        self.0.effective_to
    }

    /// Version number, rising with each change for the same project and region.
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }

    /// Percent paid by each level of government; adds up to 100.
    #[getter]
    fn funding_shares<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let shares = PyDict::new(py);
        for (level, percent) in self.0.funding_shares.iter() {
            shares.set_item(GovernmentLevel::from(level), percent)?;
        }
        Ok(shares)
    }

    /// Whether the figures are illustrative rather than taken from the published document.
    #[getter]
    fn illustrative(&self) -> bool {
        self.0.illustrative
    }

    /// A remark for the public list, if any.
    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// How much is paid, in words: `language` is "zh" or "en".
    #[pyo3(signature = (language = "zh"))]
    fn describe_standard(&self, language: &str) -> PyResult<String> {
        Ok(match self::language(language)? {
            yikatong::Language::Zh => self.0.standard.describe_zh(),
            yikatong::Language::En => self.0.standard.describe_en(),
        })
    }

    /// Who is eligible, in words: `language` is "zh" or "en".
    #[pyo3(signature = (language = "zh"))]
    fn describe_eligibility(&self, language: &str) -> PyResult<String> {
        Ok(match self::language(language)? {
            yikatong::Language::Zh => self.0.eligibility.describe_zh(),
            yikatong::Language::En => self.0.eligibility.describe_en(),
        })
    }

    /// Who pays which share, in words: `language` is "zh" or "en".
    #[pyo3(signature = (language = "zh"))]
    fn describe_funding(&self, language: &str) -> PyResult<String> {
        Ok(match self::language(language)? {
            yikatong::Language::Zh => self.0.funding_shares.describe_zh(),
            yikatong::Language::En => self.0.funding_shares.describe_en(),
        })
    }

    /// Whether the policy is in force on `date`.
    fn in_force_on(&self, date: CivilDate) -> bool {
        self.0.in_force_on(date.0)
    }

    /// Whether the policy is in force on any day of `period`.
    fn in_force_during(&self, period: Period) -> bool {
        self.0.in_force_during(period.0)
    }

    /// Whether `region` lies within the policy's scope.
    fn covers(&self, region: CodeArg) -> bool {
        self.0.covers(region.0)
    }

    /// What `facts` are due under this version for `period`, and why. Nothing is due
    /// (with the reason in the explanation) when the version is not in force during the
    /// period, the region is outside its scope or an eligibility rule fails.
    fn entitle(&self, facts: &BeneficiaryFacts, period: Period) -> PyResult<Entitlement> {
        let entitlement = yikatong::entitle(&self.0, &facts.0, period.0)
            .map_err(crate::error::PyYikatongError)?;
        Entitlement::new(Arc::clone(&self.0), &entitlement)
    }

    fn __repr__(&self) -> String {
        let to = self
            .0
            .effective_to
            .map_or_else(|| "open-ended".to_owned(), |to| to.to_string());
        format!(
            "<Policy {} version {} ({}), {} to {}>",
            self.0.project, self.0.version, self.0.document, self.0.effective_from, to
        )
    }
}
