//! `Register` and `Beneficiary`: who may be paid, in which household, onto which account.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use pyo3::prelude::*;
use rust_decimal::Decimal;
use time::Date;

use crate::account::AccountNumber;
use crate::amount::Amount;
use crate::convert::{CivilDate, DecimalArg};
use crate::credit_code::CreditCode;
use crate::error::CoreResult;
use crate::facts::{ResidentIdArg, quantity_map, tag_names};
use crate::region::{CodeArg, RegionCode};
use crate::resident_id::ResidentId;

/// The register (花名册) of a township and its departments: beneficiaries, households,
/// agent banks with their agency agreements, and accounts. Roster intake checks every
/// file line against it.
///
/// `Register()` is empty. `add_beneficiary`, `add_household`, `add_bank` and
/// `sign_agreement` check the change and raise `InvalidRegisterChange` naming what and
/// the rule, changing nothing; `add_account` loads an account as the bank has it.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Default)]
pub struct Register(RwLock<yikatong::Register>);

impl Register {
    // The core never panics while holding the lock and changes a register all or
    // nothing, so a poisoned lock still guards a whole register.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, yikatong::Register> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, yikatong::Register> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl From<yikatong::Register> for Register {
    fn from(register: yikatong::Register) -> Self {
        Self(RwLock::new(register))
    }
}

#[pymethods]
impl Register {
    /// An empty register.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Adds a person after checking them: a name, a household, a township or village
    /// (9 or 12 digits), a mobile phone if any, no negative quantity, no death before
    /// birth, not yet registered. Money (`per_capita_income`) is never a float.
    #[pyo3(signature = (
        *,
        resident_id,
        name,
        household_id,
        village,
        phone = None,
        tags = Vec::new(),
        quantities = HashMap::new(),
        per_capita_income = None,
        deceased_on = None,
    ))]
    #[allow(
        clippy::too_many_arguments,
        reason = "keyword arguments mirroring the fields"
    )]
    fn add_beneficiary(
        &self,
        resident_id: ResidentIdArg,
        name: &str,
        household_id: &str,
        village: CodeArg,
        phone: Option<String>,
        tags: Vec<String>,
        quantities: HashMap<String, DecimalArg>,
        per_capita_income: Option<&Bound<'_, PyAny>>,
        deceased_on: Option<CivilDate>,
    ) -> PyResult<()> {
        let mut person = yikatong::Beneficiary::new(resident_id.0, name, household_id, village.0);
        person.phone = phone;
        person.tags = tags.into_iter().collect();
        person.quantities = quantities
            .into_iter()
            .map(|(name, value)| (name, value.0))
            .collect();
        person.per_capita_income = per_capita_income
            .map(|income| Amount::from_python(income).map(|amount| amount.0))
            .transpose()?;
        person.deceased_on = deceased_on.map(|date| date.0);
        let result: CoreResult<()> = self.write().add_beneficiary(person).map_err(Into::into);
        Ok(result?)
    }

    /// Adds a household (户) with its head (户主) and members; every member must be
    /// registered in this household. The head is counted among the members.
    #[pyo3(signature = (*, household_id, head, members = Vec::new()))]
    fn add_household(
        &self,
        household_id: &str,
        head: ResidentIdArg,
        members: Vec<ResidentIdArg>,
    ) -> CoreResult<()> {
        let household =
            yikatong::Household::new(household_id, head.0, members.into_iter().map(|m| m.0));
        self.write().add_household(household)?;
        Ok(())
    }

    /// Adds an agent bank (代理银行) by its short code as files name it.
    #[pyo3(signature = (*, code, name, credit_code, issues_social_security_cards = false))]
    fn add_bank(
        &self,
        code: String,
        name: String,
        credit_code: CreditCode,
        issues_social_security_cards: bool,
    ) -> CoreResult<()> {
        self.write().add_bank(yikatong::AgentBank {
            code,
            name,
            credit_code: credit_code.0,
            issues_social_security_cards,
        })?;
        Ok(())
    }

    /// Records an agency agreement (代理协议): the bank may pay in the county (6 digits)
    /// from `valid_from` to `valid_to` (open-ended when `None`). A bank without one
    /// in the county cannot be paid through on a roster.
    #[pyo3(signature = (*, bank_code, county, valid_from, valid_to = None))]
    fn sign_agreement(
        &self,
        bank_code: String,
        county: CodeArg,
        valid_from: CivilDate,
        valid_to: Option<CivilDate>,
    ) -> CoreResult<()> {
        self.write().sign_agreement(yikatong::AgencyAgreement {
            bank_code,
            county: county.0,
            valid_from: valid_from.0,
            valid_to: valid_to.map(|date| date.0),
        })?;
        Ok(())
    }

    /// Loads an account as the bank has it (the holder, the holder's name at the bank,
    /// the bank's code, the number with its kind), replacing one with the same number.
    /// `verified`: the bank has confirmed it (only verified accounts are paid onto);
    /// `enrolments`: the project codes it is enrolled (签约) for.
    #[pyo3(signature = (*, holder, holder_name, bank_code, number, verified = false, enrolments = Vec::new()))]
    fn add_account(
        &self,
        holder: ResidentIdArg,
        holder_name: &str,
        bank_code: &str,
        number: AccountNumber,
        verified: bool,
        enrolments: Vec<String>,
    ) {
        let mut account = yikatong::Account::new(holder.0, holder_name, bank_code, number.0);
        if verified {
            account.status = yikatong::AccountStatus::Verified;
        }
        account.enrolments = enrolments.into_iter().collect();
        self.write().upsert_account(account);
    }

    /// The person with this ID number, or `None`.
    fn beneficiary(&self, resident_id: ResidentIdArg) -> Option<Beneficiary> {
        self.read()
            .beneficiary(&resident_id.0)
            .cloned()
            .map(Beneficiary)
    }

    /// The household head and members of a household, or `None`.
    fn household(&self, household_id: &str) -> Option<(ResidentId, Vec<ResidentId>)> {
        self.read().household(household_id).map(|household| {
            (
                ResidentId(household.head),
                household.members.iter().copied().map(ResidentId).collect(),
            )
        })
    }

    /// The account numbers a person holds, in number order.
    fn accounts_of(&self, resident_id: ResidentIdArg) -> Vec<AccountNumber> {
        let register = self.read();
        let mut numbers: Vec<AccountNumber> = register
            .accounts()
            .filter(|account| account.holder == resident_id.0)
            .map(|account| AccountNumber(account.number.clone()))
            .collect();
        numbers.sort();
        numbers
    }

    /// Whether the bank has an agreement covering `region` on `date`.
    fn bank_may_pay_in(&self, bank_code: &str, region: CodeArg, date: CivilDate) -> bool {
        self.read().bank_may_pay_in(bank_code, region.0, date.0)
    }

    /// How many households.
    #[getter]
    fn household_count(&self) -> usize {
        self.read().households().len()
    }

    /// How many accounts.
    #[getter]
    fn account_count(&self) -> usize {
        self.read().accounts().len()
    }

    /// How many beneficiaries.
    fn __len__(&self) -> usize {
        self.read().beneficiaries().len()
    }

    fn __contains__(&self, resident_id: ResidentIdArg) -> bool {
        self.read().beneficiary(&resident_id.0).is_some()
    }

    fn __repr__(&self) -> String {
        let register = self.read();
        format!(
            "<Register with {} beneficiaries, {} households, {} banks, {} agreements and {} accounts>",
            register.beneficiaries().len(),
            register.households().len(),
            register.banks().len(),
            register.agreements().len(),
            register.accounts().len()
        )
    }
}

/// One person of the register, as registered (read only).
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary(yikatong::Beneficiary);

#[pymethods]
impl Beneficiary {
    /// The resident ID number.
    #[getter]
    fn resident_id(&self) -> ResidentId {
        ResidentId(self.0.resident_id)
    }

    /// The registered name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The household.
    #[getter]
    fn household_id(&self) -> &str {
        &self.0.household_id
    }

    /// The village or township where the person is registered.
    #[getter]
    fn village(&self) -> RegionCode {
        RegionCode(self.0.village)
    }

    /// The mobile phone, if any (never published).
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The tags, in order.
    #[getter]
    fn tags(&self) -> Vec<String> {
        tag_names(&self.0.tags)
    }

    /// The quantities by name.
    #[getter]
    fn quantities(&self) -> HashMap<String, Decimal> {
        quantity_map(&self.0.quantities)
    }

    /// Per-capita household income, if assessed.
    #[getter]
    fn per_capita_income(&self) -> Option<Decimal> {
        self.0.per_capita_income.map(|amount| amount.as_decimal())
    }

    /// The date of death civil affairs reported, if any.
    #[getter]
    fn deceased_on(&self) -> Option<Date> {
        self.0.deceased_on
    }

    fn __repr__(&self) -> String {
        format!(
            "Beneficiary(resident_id='{}', household_id='{}', village='{}')",
            self.0.resident_id.masked(),
            self.0.household_id,
            self.0.village
        )
    }
}
