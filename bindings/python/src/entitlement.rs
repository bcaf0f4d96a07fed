//! `Entitlement` and `Outcome`.

use std::sync::Arc;

use pyo3::prelude::*;
use rust_decimal::Decimal;

use crate::error::YikatongError;
use crate::period::Period;
use crate::policy::{Policy, language};

/// Whether and why a beneficiary is entitled.
#[pyclass(module = "yikatong._native", frozen, eq, hash, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Eligible; the amount follows from the standard (it may be zero when a fact is missing).
    Entitled,
    /// The policy is not in force on any day of the period.
    NotInForce,
    /// The beneficiary's region is outside the policy's scope.
    OutOfScope,
    /// An eligibility rule failed.
    NotEligible,
}

impl Outcome {
    /// The Python spelling, as in `repr()`; also what pickling stores.
    fn python_name(self) -> &'static str {
        match self {
            Outcome::Entitled => "Outcome.Entitled",
            Outcome::NotInForce => "Outcome.NotInForce",
            Outcome::OutOfScope => "Outcome.OutOfScope",
            Outcome::NotEligible => "Outcome.NotEligible",
        }
    }
}

#[pymethods]
impl Outcome {
    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// What one beneficiary is due under one policy version for one period, and why.
///
/// `amount` is a `decimal.Decimal` with two decimals (zero when nothing is due);
/// `explanation("zh")` / `explanation("en")` cite the document and give each step.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct Entitlement {
    policy: Arc<yikatong::Policy>,
    period: yikatong::Period,
    amount: yikatong::Amount,
    outcome: Outcome,
    // Rendered at once: the core's entitlement borrows the policy and the facts.
    explanation_zh: String,
    explanation_en: String,
}

impl Entitlement {
    /// Keeps what Python needs of a core entitlement computed under `policy`.
    pub(crate) fn new(
        policy: Arc<yikatong::Policy>,
        entitlement: &yikatong::Entitlement<'_>,
    ) -> PyResult<Self> {
        use yikatong::Outcome as O;
        let outcome = match entitlement.outcome() {
            O::Entitled => Outcome::Entitled,
            O::NotInForce => Outcome::NotInForce,
            O::OutOfScope { .. } => Outcome::OutOfScope,
            O::NotEligible(_) => Outcome::NotEligible,
            // The core's enum is non-exhaustive: say so rather than guess.
            other => {
                return Err(YikatongError::new_err(format!(
                    "an outcome this version of the binding does not know: {other:?}"
                )));
            }
        };
        Ok(Self {
            policy,
            period: entitlement.period(),
            amount: entitlement.amount(),
            outcome,
            explanation_zh: entitlement.explanation_zh(),
            explanation_en: entitlement.explanation_en(),
        })
    }
}

#[pymethods]
impl Entitlement {
    /// The amount due in yuan, a `decimal.Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.amount.as_decimal()
    }

    /// Whether the beneficiary met all conditions (the amount may still be zero when a
    /// fact the standard needs is missing).
    #[getter]
    fn entitled(&self) -> bool {
        self.outcome == Outcome::Entitled
    }

    /// Whether and why the beneficiary is entitled.
    #[getter]
    fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The policy version applied.
    #[getter]
    fn policy(&self) -> Policy {
        Policy(Arc::clone(&self.policy))
    }

    /// The version number of the policy applied.
    #[getter]
    fn version(&self) -> u32 {
        self.policy.version
    }

    /// The period computed.
    #[getter]
    fn period(&self) -> Period {
        Period(self.period)
    }

    /// The explanation, step by step, citing the document: `language` is "zh" (for the
    /// citizen) or "en".
    #[pyo3(signature = (language = "zh"))]
    fn explanation(&self, language: &str) -> PyResult<String> {
        Ok(match self::language(language)? {
            yikatong::Language::Zh => self.explanation_zh.clone(),
            yikatong::Language::En => self.explanation_en.clone(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<Entitlement {} {} for {} under {} version {}: {} yuan>",
            self.outcome.python_name(),
            self.policy.project,
            self.period,
            self.policy.document,
            self.policy.version,
            self.amount
        )
    }
}
