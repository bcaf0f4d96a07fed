//! `SubsidyProject`, `Department`, `ProjectCategory`, `PaymentUnit` and `Cycle`.

use pyo3::prelude::*;

use crate::convert::mirror_enum;
use crate::credit_code::CreditCode;
use crate::period::PeriodKind;

mirror_enum! {
    /// The two families of subsidies in the one-card system.
    pub enum ProjectCategory mirrors yikatong::ProjectCategory {
        /// 惠民: subsidies for residents (elderly, disabled, low income, …).
        People,
        /// 惠农: subsidies for farmers and herders (land, grassland, machinery, …).
        Agriculture,
    }
}

#[pymethods]
impl ProjectCategory {
    /// The Chinese name: 惠民 or 惠农.
    fn name_zh(&self) -> &'static str {
        yikatong::ProjectCategory::from(*self).name_zh()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

mirror_enum! {
    /// Who a line of the roster pays.
    pub enum PaymentUnit mirrors yikatong::PaymentUnit {
        /// Each eligible person is paid.
        Person,
        /// Each eligible household is paid, to its head (户主).
        Household,
    }
}

#[pymethods]
impl PaymentUnit {
    /// The Chinese counter: 人 or 户.
    fn name_zh(&self) -> &'static str {
        yikatong::PaymentUnit::from(*self).name_zh()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

mirror_enum! {
    /// How often a project pays (发放周期).
    pub enum Cycle mirrors yikatong::Cycle {
        /// Every month.
        Monthly,
        /// Every quarter.
        Quarterly,
        /// Every half-year.
        HalfYearly,
        /// Once a year.
        Yearly,
        /// Once per event, paid for the year it falls in.
        OneOff,
    }
}

#[pymethods]
impl Cycle {
    /// The kind of period one payment covers; a one-off is booked to a year.
    fn period_kind(&self) -> PeriodKind {
        yikatong::Cycle::from(*self).period_kind().into()
    }

    /// The Chinese name, e.g. 按月.
    fn name_zh(&self) -> &'static str {
        yikatong::Cycle::from(*self).name_zh()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// A government department, named and identified by its unified social credit code.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department(pub(crate) yikatong::Department);

#[pymethods]
impl Department {
    /// Full name, e.g. 内蒙古自治区民政厅.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// Unified social credit code (统一社会信用代码).
    #[getter]
    fn credit_code(&self) -> CreditCode {
        CreditCode(self.0.credit_code)
    }

    fn __repr__(&self) -> String {
        format!(
            "Department('{}', '{}')",
            self.0.name,
            self.0.credit_code.as_str()
        )
    }
}

/// A subsidy project (补贴项目), such as 高龄津贴: it owns the payment cycle, the
/// deadline and the public-notice length; its `Policy` versions say who gets how much.
/// Got from a `PolicyCatalog`, not built by hand.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyProject(pub(crate) yikatong::SubsidyProject);

#[pymethods]
impl SubsidyProject {
    /// Short code, unique in a catalogue, e.g. "GLJT".
    #[getter]
    fn code(&self) -> &str {
        &self.0.code
    }

    /// Chinese name as published.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// English name.
    #[getter]
    fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// 惠民 or 惠农.
    #[getter]
    fn category(&self) -> ProjectCategory {
        self.0.category.into()
    }

    /// The competent department (业务主管部门).
    #[getter]
    fn department(&self) -> Department {
        Department(self.0.department.clone())
    }

    /// Whether each person or each household (its head) is paid.
    #[getter]
    fn payment_unit(&self) -> PaymentUnit {
        self.0.payment_unit.into()
    }

    /// How often the project pays.
    #[getter]
    fn cycle(&self) -> Cycle {
        self.0.cycle.into()
    }

    /// When each period's payment is due, in Chinese, e.g. 每期首月第10个工作日前.
    #[getter]
    fn deadline(&self) -> String {
        self.0.deadline.describe_zh()
    }

    /// Length of the public notice (公示期) in working days.
    #[getter]
    fn publicity_working_days(&self) -> u32 {
        self.0.publicity_working_days
    }

    /// Codes of projects that cannot be received for the same period with this one.
    #[getter]
    fn excludes(&self) -> Vec<String> {
        self.0.excludes.clone()
    }

    /// A remark for the public list, if any.
    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    fn __repr__(&self) -> String {
        format!("SubsidyProject('{}', '{}')", self.0.code, self.0.name)
    }
}
