//! The register: beneficiaries, households, agent banks, agreements and accounts,
//! and the lookups rosters are built and validated with.

use std::collections::BTreeMap;

use time::Date;

use crate::{
    Account, AgencyAgreement, AgentBank, Beneficiary, Household, PaymentUnit, RegionCode,
    ResidentId, SubsidyProject,
};

/// What is wrong with a register change, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterRule {
    /// Placeholder until the register rules are written.
    #[error("{0}")]
    Other(String),
}

/// Everything a township and its departments know about who is paid and where to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Register {
    beneficiaries: BTreeMap<ResidentId, Beneficiary>,
    households: BTreeMap<String, Household>,
    banks: BTreeMap<String, AgentBank>,
    agreements: Vec<AgencyAgreement>,
    /// Accounts by number text; a person may hold several.
    accounts: BTreeMap<String, Account>,
}

impl Register {
    /// An empty register.
    pub fn new() -> Register {
        Register::default()
    }

    /// Adds or replaces a beneficiary. (Validation rules: issue 4, register helper.)
    pub fn upsert_beneficiary(&mut self, beneficiary: Beneficiary) {
        self.beneficiaries
            .insert(beneficiary.resident_id, beneficiary);
    }

    /// Adds or replaces a household.
    pub fn upsert_household(&mut self, household: Household) {
        self.households.insert(household.id.clone(), household);
    }

    /// Adds or replaces an agent bank.
    pub fn upsert_bank(&mut self, bank: AgentBank) {
        self.banks.insert(bank.code.clone(), bank);
    }

    /// Adds an agency agreement.
    pub fn add_agreement(&mut self, agreement: AgencyAgreement) {
        self.agreements.push(agreement);
    }

    /// Adds or replaces an account (keyed by its number).
    pub fn upsert_account(&mut self, account: Account) {
        self.accounts
            .insert(account.number.as_str().to_owned(), account);
    }

    /// The beneficiary with this ID number.
    pub fn beneficiary(&self, id: &ResidentId) -> Option<&Beneficiary> {
        self.beneficiaries.get(id)
    }

    /// Every beneficiary, in ID order.
    pub fn beneficiaries(&self) -> impl ExactSizeIterator<Item = &Beneficiary> + '_ {
        self.beneficiaries.values()
    }

    /// The household with this identifier.
    pub fn household(&self, id: &str) -> Option<&Household> {
        self.households.get(id)
    }

    /// The agent bank with this code.
    pub fn bank(&self, code: &str) -> Option<&AgentBank> {
        self.banks.get(code)
    }

    /// The account with this number.
    pub fn account(&self, number: &str) -> Option<&Account> {
        self.accounts.get(number)
    }

    /// Every account held by `holder`, in number order.
    pub fn accounts_of<'a>(
        &'a self,
        holder: &'a ResidentId,
    ) -> impl Iterator<Item = &'a Account> + 'a {
        self.accounts
            .values()
            .filter(move |account| account.holder == *holder)
    }

    /// Whether `bank_code` has an agency agreement covering `region` on `date`.
    pub fn bank_may_pay_in(&self, bank_code: &str, region: RegionCode, date: Date) -> bool {
        self.agreements
            .iter()
            .any(|agreement| agreement.bank_code == bank_code && agreement.covers(region, date))
    }

    /// Who receives `project`'s money for `beneficiary`: the person, or for a
    /// per-household project the household's head.
    pub fn payee(&self, beneficiary: &Beneficiary, project: &SubsidyProject) -> ResidentId {
        match project.payment_unit {
            PaymentUnit::Person => beneficiary.resident_id,
            PaymentUnit::Household => self
                .households
                .get(&beneficiary.household_id)
                .map_or(beneficiary.resident_id, |household| household.head),
        }
    }

    /// The account to pay `project` onto for `payee`: a payable account enrolled for the
    /// project, else a payable social security card, else any payable account.
    pub fn payment_account<'a>(
        &'a self,
        payee: &'a ResidentId,
        project: &str,
    ) -> Option<&'a Account> {
        let payable = || {
            self.accounts_of(payee)
                .filter(|account| account.is_payable())
        };
        payable()
            .find(|account| account.is_enrolled(project))
            .or_else(|| {
                payable().find(|account| account.kind() == crate::AccountKind::SocialSecurityCard)
            })
            .or_else(|| payable().next())
    }
}
