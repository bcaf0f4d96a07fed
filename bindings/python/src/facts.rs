//! `BeneficiaryFacts`.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rust_decimal::Decimal;

use crate::amount::Amount;
use crate::convert::{DecimalArg, type_name};
use crate::error::PyYikatongError;
use crate::region::{CodeArg, RegionCode};
use crate::resident_id::ResidentId;

/// A resident ID argument: a `ResidentId` or a `str` (validated as `ResidentId(text)` is).
pub(crate) struct ResidentIdArg(pub(crate) yikatong::ResidentId);

impl<'a, 'py> FromPyObject<'a, 'py> for ResidentIdArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(id) = obj.cast::<ResidentId>() {
            return Ok(Self(id.get().0));
        }
        if let Ok(text) = obj.cast::<PyString>() {
            let id = yikatong::ResidentId::parse(&text.to_cow()?).map_err(PyYikatongError)?;
            return Ok(Self(id));
        }
        Err(PyTypeError::new_err(format!(
            "expected a ResidentId or str for a resident ID number, got {}",
            type_name(&obj)
        )))
    }
}

/// The facts about one beneficiary (or, for a per-household subsidy, about the
/// household, keyed by its head) that a policy is applied to.
///
/// Built with keyword arguments: `resident_id` (a `ResidentId` or `str`) and `region`
/// (a region code) are required; `per_capita_income` is money (`str`, `Decimal`, `int`
/// or `Amount`, never a float) and `quantities` maps names such as "grassland_mu" to a
/// `Decimal`, `int` or `str`. `eligible_days` / `eligible_months` of `None` mean the
/// whole period.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeneficiaryFacts(pub(crate) yikatong::BeneficiaryFacts);

#[pymethods]
impl BeneficiaryFacts {
    #[new]
    #[pyo3(signature = (
        *,
        resident_id,
        region,
        household_id = None,
        household_members = 1,
        per_capita_income = None,
        tags = Vec::new(),
        quantities = HashMap::new(),
        eligible_days = None,
        eligible_months = None,
    ))]
    #[allow(
        clippy::too_many_arguments,
        reason = "keyword arguments mirroring the fields"
    )]
    fn new(
        resident_id: ResidentIdArg,
        region: CodeArg,
        household_id: Option<String>,
        household_members: u32,
        per_capita_income: Option<&Bound<'_, PyAny>>,
        tags: Vec<String>,
        quantities: HashMap<String, DecimalArg>,
        eligible_days: Option<u32>,
        eligible_months: Option<u32>,
    ) -> PyResult<Self> {
        let mut facts = yikatong::BeneficiaryFacts::new(resident_id.0, region.0);
        facts.household_id = household_id.map(Into::into);
        facts.household_members = household_members;
        facts.per_capita_income = per_capita_income
            .map(|income| Amount::from_python(income).map(|amount| amount.0))
            .transpose()?;
        facts.tags = tags.into_iter().collect();
        facts.quantities = quantities
            .into_iter()
            .map(|(name, value)| (name, value.0))
            .collect();
        facts.eligible_days = eligible_days;
        facts.eligible_months = eligible_months;
        Ok(Self(facts))
    }

    /// The beneficiary (or household head).
    #[getter]
    fn resident_id(&self) -> ResidentId {
        ResidentId(self.0.resident_id)
    }

    /// Where the beneficiary is registered: usually a village or township code.
    #[getter]
    fn region(&self) -> RegionCode {
        RegionCode(self.0.region)
    }

    /// The household (户) the beneficiary belongs to, if known.
    #[getter]
    fn household_id(&self) -> Option<&str> {
        self.0.household_id.as_deref()
    }

    /// Number of household members counted by the policy.
    #[getter]
    fn household_members(&self) -> u32 {
        self.0.household_members
    }

    /// Per-capita household income for the standard's period, if assessed, as a
    /// `Decimal` with two decimals.
    #[getter]
    fn per_capita_income(&self) -> Option<Decimal> {
        self.0.per_capita_income.map(|amount| amount.as_decimal())
    }

    /// The tags present, in order, e.g. "rural_hukou", "disability:2".
    #[getter]
    fn tags(&self) -> Vec<String> {
        tag_names(&self.0.tags)
    }

    /// The quantities by name, e.g. {"grassland_mu": Decimal("1200")}.
    #[getter]
    fn quantities(&self) -> HashMap<String, Decimal> {
        quantity_map(&self.0.quantities)
    }

    /// Days of the period the beneficiary was eligible; `None` means all of them.
    #[getter]
    fn eligible_days(&self) -> Option<u32> {
        self.0.eligible_days
    }

    /// Whole months of the period the beneficiary was eligible; `None` means all of them.
    #[getter]
    fn eligible_months(&self) -> Option<u32> {
        self.0.eligible_months
    }

    /// Whether the tag is present.
    fn has_tag(&self, tag: &str) -> bool {
        self.0.has_tag(tag)
    }

    fn __repr__(&self) -> String {
        format!(
            "BeneficiaryFacts(resident_id='{}', region='{}')",
            self.0.resident_id.masked(),
            self.0.region
        )
    }
}

/// Tags as Python strings, in order.
pub(crate) fn tag_names(tags: &yikatong::Tags) -> Vec<String> {
    tags.iter().map(ToString::to_string).collect()
}

/// Quantities as a Python dict of `Decimal`s.
pub(crate) fn quantity_map(quantities: &yikatong::Quantities) -> HashMap<String, Decimal> {
    quantities
        .iter()
        .map(|(name, value)| (name.to_string(), *value))
        .collect()
}
