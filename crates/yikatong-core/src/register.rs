//! The register: beneficiaries, households, agent banks, agreements and accounts,
//! and the lookups rosters are built and validated with.
//!
//! Two ways in:
//!
//! - **Checked changes** a clerk makes: [`Register::add_beneficiary`],
//!   [`Register::add_household`], [`Register::add_bank`], [`Register::sign_agreement`]
//!   (and their `update_*` twins), and the account operations of the regulation as
//!   [`AccountCommand`]s decided by [`Register::decide_account`] into
//!   [`AccountEvent`]s and applied by [`Register::apply_account`]. A refused change is
//!   an [`Error::Register`] naming the subject and the [`RegisterRule`], and changes
//!   nothing.
//! - **Loading** data that was checked before (a snapshot, a trusted system):
//!   the `upsert_*` methods and [`Register::add_agreement`] store what they are given
//!   without checks.
//!
//! Existing social security cards come in bulk from the HR department's file with
//! [`Register::plan_card_import`].
//!
//! ```
//! use time::macros::date;
//! use yikatong_core::register::SocialSecurityCardRecord;
//! use yikatong_core::{AgentBank, Beneficiary, CreditCode, RegionCode, Register, ResidentId};
//!
//! let mut register = Register::new();
//! register.add_bank(AgentBank {
//!     code: "NXS".into(),
//!     name: "内蒙古农村信用社联合社".into(),
//!     credit_code: CreditCode::parse("91350100M000100Y43")?,
//!     issues_social_security_cards: true,
//! })?;
//! let id = ResidentId::parse("11010519491231002X")?;
//! register.add_beneficiary(Beneficiary::new(id, "张三", "H1", RegionCode::parse("150422100")?))?;
//!
//! let records = [
//!     SocialSecurityCardRecord {
//!         line: 2,
//!         resident_id: "11010519491231002X".into(),
//!         name: "张三".into(),
//!         card_number: "6228480000000000018".into(),
//!         bank_code: "NXS".into(),
//!     },
//!     SocialSecurityCardRecord {
//!         line: 3,
//!         resident_id: "110105194912310021".into(),
//!         name: "李四".into(),
//!         card_number: "4111111111111111".into(),
//!         bank_code: "NXS".into(),
//!     },
//! ];
//! let report = register.plan_card_import(&records, date!(2026 - 03 - 01));
//! assert_eq!((report.created, report.rejected), (1, 1));
//! assert!(report.problems[0].to_string().starts_with("line 3, ID number (身份证号)"));
//! for event in &report.events {
//!     register.apply_account(event);
//! }
//! assert_eq!(register.accounts_of(&id).count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use compact_str::CompactString;
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::Hash;

use time::Date;

/// A hash map for IDs and account numbers. foldhash, not SipHash: a million-line roster
/// makes several lookups per line into maps of a million keys, and a cheap hash lets
/// the CPU overlap their cache misses (measured: ~5× faster lookups at that size).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use crate::bank_account::{
    AccountChange, AccountChangeKind, AccountCommand, AccountEvent, AccountSource, CloseReason,
    VerificationResult, mask_text, number_key,
};
use crate::beneficiary::same_name;
use crate::{
    Account, AccountKind, AccountNumber, AccountRule, AccountStatus, AgencyAgreement, AgentBank,
    Beneficiary, Error, Household, PaymentUnit, RegionCode, RegionLevel, ResidentId,
    ResidentIdRule, Result, SubsidyProject,
};

/// What is wrong with a register change, and what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterRule {
    /// A field that must be filled in is blank.
    #[error("the {field} is blank; fill it in")]
    Blank {
        /// The field, e.g. "name".
        field: &'static str,
    },
    /// Adding something the register already has.
    #[error("is already in the register; change it with the update operation instead")]
    AlreadyRegistered,
    /// Updating or naming something the register does not have.
    #[error("is not in the register; add it first or correct the identifier")]
    NotRegistered,
    /// A self-query whose ID number and name match no registered person (the same
    /// answer for an unknown number and a wrong name, so nobody learns who is
    /// registered).
    #[error("matches no registered person; check the number and the name against the ID card")]
    NoMatchingPerson,
    /// A beneficiary's place that is not a township or village.
    #[error(
        "the place {code} is a {level}; a beneficiary is registered in a township \
         (苏木乡镇) or village (嘎查村), so give the 9- or 12-digit code"
    )]
    PlaceLevel {
        /// The code given.
        code: RegionCode,
        /// Its level.
        level: RegionLevel,
    },
    /// An agreement's county that is not at county level.
    #[error(
        "the region {code} is a {level}; an agency agreement covers one county (旗县), \
         so give the county's 6-digit code"
    )]
    CountyLevel {
        /// The code given.
        code: RegionCode,
        /// Its level.
        level: RegionLevel,
    },
    /// A phone number that is not a mainland mobile number.
    #[error("the phone number {value:?} is not a mobile number: 11 digits starting with 1")]
    Phone {
        /// The text given.
        value: String,
    },
    /// A negative quantity such as an area.
    #[error("the quantity {name} is {value}; a quantity must be zero or more")]
    NegativeQuantity {
        /// The quantity's name.
        name: String,
        /// The value given.
        value: rust_decimal::Decimal,
    },
    /// A date of death before the birth date in the ID number.
    #[error("the date of death {died} is before the birth date {born} in the ID number")]
    DeathBeforeBirth {
        /// The date of death given.
        died: Date,
        /// The birth date read from the ID number.
        born: Date,
    },
    /// A household whose head is not listed among its members.
    #[error("the head of household {head} is not among its members; list the head as a member")]
    HeadNotMember {
        /// The head's masked ID number.
        head: String,
    },
    /// A person listed twice in one household.
    #[error("{member} is listed twice among the members; list each person once")]
    DuplicateMember {
        /// The member's masked ID number.
        member: String,
    },
    /// A household member who is not a registered beneficiary.
    #[error("member {member} is not in the register; register the person first")]
    UnknownMember {
        /// The member's masked ID number.
        member: String,
    },
    /// A household member whose registration names another household.
    #[error(
        "member {member} is registered in household {registered:?}; \
         correct the person's household first"
    )]
    MemberOfOtherHousehold {
        /// The member's masked ID number.
        member: String,
        /// The household the person is registered in.
        registered: String,
    },
    /// A bank code that is not in the register.
    #[error(
        "no agent bank with code {code:?} is in the register; add the bank first or correct the code"
    )]
    UnknownBank {
        /// The code given.
        code: String,
    },
    /// An agreement that ends before it starts.
    #[error(
        "the agreement ends on {to}, before it starts on {from}; the end must not be before the start"
    )]
    EndsBeforeStart {
        /// First day of validity.
        from: Date,
        /// Last day of validity.
        to: Date,
    },
    /// An agreement overlapping one the bank already has in the same county.
    #[error(
        "the bank already has an agreement in this county from {from}{}; \
         end that one first, or start this one after it",
        .to.map_or(String::new(), |to| format!(" to {to}"))
    )]
    AgreementOverlap {
        /// First day of the existing agreement.
        from: Date,
        /// Last day of the existing agreement, if it has one.
        to: Option<Date>,
    },
    /// An account holder who is not a registered beneficiary.
    #[error("the holder {holder} is not in the register; register the person first")]
    UnknownHolder {
        /// The holder's masked ID number.
        holder: String,
    },
    /// An account name that differs from the registered name.
    #[error(
        "the name on the account {given:?} differs from the registered name {registered:?}; \
         an account must be in the beneficiary's own name"
    )]
    HolderName {
        /// The name on the account.
        given: String,
        /// The name in the register.
        registered: String,
    },
    /// An account for someone who has died.
    #[error("the holder died on {died}; no account is registered for a deceased person")]
    HolderDeceased {
        /// The date of death.
        died: Date,
    },
    /// An account number held by another person.
    #[error(
        "is already registered to another person ({holder}); \
         one account number belongs to one person"
    )]
    NumberTaken {
        /// The other holder's masked ID number.
        holder: String,
    },
    /// An account number the same person already has.
    #[error("is already registered to this person and is {status}")]
    NumberRegistered {
        /// Its status.
        status: AccountStatus,
    },
    /// An account number that is not in the register.
    #[error("no account with this number is in the register; check the number")]
    UnknownAccount,
    /// An operation the account's status does not allow.
    #[error("{}", state_message(.action, .status))]
    AccountState {
        /// What was asked, e.g. "enrol".
        action: &'static str,
        /// The account's status.
        status: AccountStatus,
    },
    /// A change to the number the account already has.
    #[error("the new number is the account's own number; a change needs a different account")]
    SameNumber,
    /// A bank correction to the bank the account already has.
    #[error("the account is already at bank {code:?}")]
    SameBank {
        /// The bank code.
        code: String,
    },
    /// An enrolment the account already has.
    #[error("is already enrolled (签约) for project {project:?}")]
    AlreadyEnrolled {
        /// The project code.
        project: String,
    },
    /// A withdrawal from a project the account is not enrolled for.
    #[error("is not enrolled (签约) for project {project:?}, so it cannot be withdrawn (解约)")]
    NotEnrolled {
        /// The project code.
        project: String,
    },
    /// An enrolment while another account of the same person is enrolled for the project.
    #[error(
        "the holder's account {other} is already enrolled for project {project:?}; \
         withdraw (解约) that one first — one account per person and project"
    )]
    EnrolledElsewhere {
        /// The project code.
        project: String,
        /// The other account's masked number.
        other: String,
    },
    /// A change dated before the account's latest recorded change.
    #[error(
        "is dated {on}, before the account's last recorded change on {last}; \
         changes are recorded in date order"
    )]
    BeforeLastChange {
        /// The date of the new change.
        on: Date,
        /// The date of the latest change recorded.
        last: Date,
    },
}

fn state_message(action: &str, status: &AccountStatus) -> String {
    let hint = match status {
        AccountStatus::Closed => {
            "; a closed account (注销) is final: register a new account instead"
        }
        AccountStatus::Rejected { .. } => "; the bank must confirm the account first",
        AccountStatus::Unverified | AccountStatus::Verified => "",
    };
    format!("cannot {action} an account that is {status}{hint}")
}

fn beneficiary_subject(id: &ResidentId) -> String {
    format!("beneficiary {}", id.masked())
}

fn account_subject(number_text: &str) -> String {
    format!("account {}", mask_text(number_text))
}

fn refuse(subject: String, rule: RegisterRule) -> Error {
    Error::Register { subject, rule }
}

/// Refuses adding what is already registered (`must_exist` false) or replacing what
/// is not (`must_exist` true).
fn expect_registered(
    known: bool,
    must_exist: bool,
    subject: impl FnOnce() -> String,
) -> Result<()> {
    match (known, must_exist) {
        (true, false) => Err(refuse(subject(), RegisterRule::AlreadyRegistered)),
        (false, true) => Err(refuse(subject(), RegisterRule::NotRegistered)),
        _ => Ok(()),
    }
}

fn is_mobile_phone(text: &str) -> bool {
    text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit())
}

/// Everything a township and its departments know about who is paid and where to.
///
/// Serialized, it is the beneficiaries, households, banks, agreements and accounts;
/// the index of accounts by holder is rebuilt on reading.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "RegisterFields")]
pub struct Register {
    beneficiaries: Keyed<ResidentId, Beneficiary>,
    households: Keyed<CompactString, Household>,
    banks: BTreeMap<String, AgentBank>,
    agreements: Vec<AgencyAgreement>,
    /// Accounts by number text; a person may hold several.
    accounts: Keyed<CompactString, Account>,
    /// Account numbers by holder, so a person's accounts are found without a scan.
    #[serde(skip)]
    holders: FastMap<ResidentId, BTreeSet<CompactString>>,
    /// Per beneficiary, by position: where its household and latest account are.
    #[serde(skip)]
    links: Links,
}

/// Where a beneficiary's household and latest account are among the register's
/// entries. Roster intake reads them by position, in file order, instead of by hash
/// lookups that miss the cache once the register holds a million people. A hint
/// only: every use checks the key and falls back to the lookup, so a stale or
/// missing link costs time, never correctness.
#[derive(Clone, Default)]
struct Links(Vec<Link>);

#[derive(Clone, Copy)]
struct Link {
    household: u32,
    account: u32,
}

/// No link.
const UNLINKED: u32 = u32::MAX;

impl Links {
    fn at(&mut self, slot: usize) -> Option<&mut Link> {
        if self.0.len() <= slot {
            self.0.resize(
                slot + 1,
                Link {
                    household: UNLINKED,
                    account: UNLINKED,
                },
            );
        }
        self.0.get_mut(slot)
    }

    fn get(&self, slot: usize) -> Option<Link> {
        self.0.get(slot).copied()
    }
}

/// Links are derived from the entries, so they never make registers differ.
impl PartialEq for Links {
    fn eq(&self, _: &Links) -> bool {
        true
    }
}

impl Eq for Links {}

impl fmt::Debug for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Links({})", self.0.len())
    }
}

fn position_u32(position: Option<usize>) -> u32 {
    position
        .and_then(|position| u32::try_from(position).ok())
        .unwrap_or(UNLINKED)
}

/// The serialized form of a [`Register`].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFields {
    #[serde(default)]
    beneficiaries: BTreeMap<ResidentId, Beneficiary>,
    #[serde(default)]
    households: BTreeMap<CompactString, Household>,
    #[serde(default)]
    banks: BTreeMap<String, AgentBank>,
    #[serde(default)]
    agreements: Vec<AgencyAgreement>,
    #[serde(default)]
    accounts: BTreeMap<String, Account>,
}

impl From<RegisterFields> for Register {
    fn from(fields: RegisterFields) -> Register {
        let mut register = Register {
            beneficiaries: Keyed::from(fields.beneficiaries),
            households: Keyed::from(fields.households),
            banks: fields.banks,
            agreements: fields.agreements,
            accounts: Keyed::default(),
            holders: FastMap::default(),
            links: Links::default(),
        };
        for account in fields.accounts.into_values() {
            register.upsert_account(account);
        }
        for slot in 0..register.beneficiaries.entries.len() {
            register.link_beneficiary(slot);
        }
        register
    }
}

impl Register {
    /// An empty register.
    pub fn new() -> Register {
        Register::default()
    }

    // ----- loading (unchecked) -----

    /// Adds or replaces a beneficiary **without checks**, for loading data that was
    /// checked before. A clerk's change goes through [`Register::add_beneficiary`] or
    /// [`Register::update_beneficiary`].
    pub fn upsert_beneficiary(&mut self, beneficiary: Beneficiary) {
        let (slot, _) = self
            .beneficiaries
            .insert(beneficiary.resident_id, beneficiary);
        self.link_beneficiary(slot);
    }

    /// Links the beneficiary at `slot` to its household and one of its accounts.
    fn link_beneficiary(&mut self, slot: usize) {
        let Some((id, person)) = self.beneficiaries.entries.get(slot) else {
            return;
        };
        let household = position_u32(self.households.position(person.household_id.as_str()));
        let account = position_u32(
            self.holders
                .get(id)
                .and_then(|keys| keys.last())
                .and_then(|key| self.accounts.position(key.as_str())),
        );
        if let Some(link) = self.links.at(slot) {
            *link = Link { household, account };
        }
    }

    /// Adds or replaces a household **without checks** (see [`Register::add_household`]).
    pub fn upsert_household(&mut self, household: Household) {
        let (position, _) = self.households.insert(household.id.clone(), household);
        let Some((id, household)) = self.households.entries.get(position) else {
            return;
        };
        // Link the members who name this household (disjoint fields, no copy).
        for member in &household.members {
            let Some(slot) = self.beneficiaries.position(member) else {
                continue;
            };
            let names_it = self
                .beneficiaries
                .entries
                .get(slot)
                .is_some_and(|(_, person)| person.household_id == *id);
            if let Some(link) = self.links.at(slot).filter(|_| names_it) {
                link.household = position_u32(Some(position));
            }
        }
    }

    /// Adds or replaces an agent bank **without checks** (see [`Register::add_bank`]).
    pub fn upsert_bank(&mut self, bank: AgentBank) {
        self.banks.insert(bank.code.clone(), bank);
    }

    /// Adds an agency agreement **without checks** (see [`Register::sign_agreement`]).
    pub fn add_agreement(&mut self, agreement: AgencyAgreement) {
        self.agreements.push(agreement);
    }

    /// Adds or replaces an account (keyed by its number) **without checks** and without
    /// recording history; new accounts go through [`AccountCommand::Open`].
    pub fn upsert_account(&mut self, account: Account) {
        let key = CompactString::from(account.number.as_str());
        let holder = account.holder;
        self.index_add(holder, key.clone());
        let (position, previous) = self.accounts.insert(key.clone(), account);
        if let Some(previous) = previous {
            self.reindex_if_moved(&previous, &key);
        }
        if let Some(slot) = self.beneficiaries.position(&holder) {
            if let Some(link) = self.links.at(slot) {
                link.account = position_u32(Some(position));
            }
        }
    }

    fn index_add(&mut self, holder: ResidentId, key: CompactString) {
        self.holders.entry(holder).or_default().insert(key);
    }

    /// After `key` was replaced, drops the index entry of the previous holder if the
    /// holder changed.
    fn reindex_if_moved(&mut self, previous: &Account, key: &str) {
        let still_held = self
            .accounts
            .get(key)
            .is_some_and(|account| account.holder == previous.holder);
        if still_held {
            return;
        }
        if let Some(keys) = self.holders.get_mut(&previous.holder) {
            keys.remove(key);
            if keys.is_empty() {
                self.holders.remove(&previous.holder);
            }
        }
    }

    // ----- checked changes -----

    /// Checks a beneficiary on its own: a name, a household, a township or village, a
    /// mobile phone if any, quantities not negative, no death before birth.
    pub fn check_beneficiary(beneficiary: &Beneficiary) -> Result<()> {
        let fail = |rule| Err(refuse(beneficiary_subject(&beneficiary.resident_id), rule));
        if beneficiary.name.trim().is_empty() {
            return fail(RegisterRule::Blank { field: "name" });
        }
        if beneficiary.household_id.trim().is_empty() {
            return fail(RegisterRule::Blank {
                field: "household identifier",
            });
        }
        let level = beneficiary.village.level();
        if level < RegionLevel::Township {
            return fail(RegisterRule::PlaceLevel {
                code: beneficiary.village,
                level,
            });
        }
        if let Some(phone) = beneficiary.phone.as_ref().filter(|p| !is_mobile_phone(p)) {
            return fail(RegisterRule::Phone {
                value: phone.clone(),
            });
        }
        if let Some((name, value)) = beneficiary
            .quantities
            .iter()
            .find(|(_, value)| value.is_sign_negative() && !value.is_zero())
        {
            return fail(RegisterRule::NegativeQuantity {
                name: name.to_string(),
                value: *value,
            });
        }
        let born = beneficiary.resident_id.birth_date();
        if let Some(died) = beneficiary.deceased_on.filter(|died| *died < born) {
            return fail(RegisterRule::DeathBeforeBirth { died, born });
        }
        Ok(())
    }

    /// Adds a new beneficiary after [`Register::check_beneficiary`]; refused if the ID
    /// number is already registered.
    pub fn add_beneficiary(&mut self, beneficiary: Beneficiary) -> Result<()> {
        Register::check_beneficiary(&beneficiary)?;
        let known = self.beneficiaries.contains_key(&beneficiary.resident_id);
        expect_registered(known, false, || {
            beneficiary_subject(&beneficiary.resident_id)
        })?;
        self.upsert_beneficiary(beneficiary);
        Ok(())
    }

    /// Replaces a registered beneficiary after [`Register::check_beneficiary`].
    pub fn update_beneficiary(&mut self, beneficiary: Beneficiary) -> Result<()> {
        Register::check_beneficiary(&beneficiary)?;
        let known = self.beneficiaries.contains_key(&beneficiary.resident_id);
        expect_registered(known, true, || {
            beneficiary_subject(&beneficiary.resident_id)
        })?;
        self.upsert_beneficiary(beneficiary);
        Ok(())
    }

    /// Checks a household against the register: an identifier, the head among the
    /// members, each member once, registered, and registered in this household.
    pub fn check_household(&self, household: &Household) -> Result<()> {
        let fail = |rule| Err(refuse(format!("household {:?}", household.id), rule));
        if household.id.trim().is_empty() {
            return fail(RegisterRule::Blank {
                field: "household identifier",
            });
        }
        if !household.members.contains(&household.head) {
            return fail(RegisterRule::HeadNotMember {
                head: household.head.masked(),
            });
        }
        let mut seen = BTreeSet::new();
        for member in &household.members {
            if !seen.insert(member) {
                return fail(RegisterRule::DuplicateMember {
                    member: member.masked(),
                });
            }
            match self.beneficiaries.get(member) {
                None => {
                    return fail(RegisterRule::UnknownMember {
                        member: member.masked(),
                    });
                }
                Some(person) if person.household_id != household.id => {
                    return fail(RegisterRule::MemberOfOtherHousehold {
                        member: member.masked(),
                        registered: person.household_id.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Adds a new household after [`Register::check_household`].
    pub fn add_household(&mut self, household: Household) -> Result<()> {
        self.check_household(&household)?;
        let known = self.households.contains_key(&household.id);
        expect_registered(known, false, || format!("household {:?}", household.id))?;
        self.upsert_household(household);
        Ok(())
    }

    /// Replaces a registered household after [`Register::check_household`].
    pub fn update_household(&mut self, household: Household) -> Result<()> {
        self.check_household(&household)?;
        let known = self.households.contains_key(&household.id);
        expect_registered(known, true, || format!("household {:?}", household.id))?;
        self.upsert_household(household);
        Ok(())
    }

    fn check_bank(bank: &AgentBank) -> Result<()> {
        let fail = |rule| Err(refuse(format!("bank {:?}", bank.code), rule));
        if bank.code.trim().is_empty() {
            return fail(RegisterRule::Blank { field: "bank code" });
        }
        if bank.name.trim().is_empty() {
            return fail(RegisterRule::Blank { field: "bank name" });
        }
        Ok(())
    }

    /// Adds a new agent bank: code and name filled in, code not yet registered.
    pub fn add_bank(&mut self, bank: AgentBank) -> Result<()> {
        Register::check_bank(&bank)?;
        let known = self.banks.contains_key(&bank.code);
        expect_registered(known, false, || format!("bank {:?}", bank.code))?;
        self.upsert_bank(bank);
        Ok(())
    }

    /// Replaces a registered agent bank (name, credit code, card issuing).
    pub fn update_bank(&mut self, bank: AgentBank) -> Result<()> {
        Register::check_bank(&bank)?;
        let known = self.banks.contains_key(&bank.code);
        expect_registered(known, true, || format!("bank {:?}", bank.code))?;
        self.upsert_bank(bank);
        Ok(())
    }

    /// Records an agency agreement (签订代理协议) after checking it: the bank is
    /// registered, the region is a county, the end is not before the start, and it does
    /// not overlap another agreement of the same bank in the same county.
    ///
    /// A city without counties (不设区的地级市, e.g. 东莞市) has no county-level code,
    /// so an agreement for it cannot be recorded this way; load it with
    /// [`Register::add_agreement`].
    pub fn sign_agreement(&mut self, agreement: AgencyAgreement) -> Result<()> {
        let fail = |rule| {
            Err(refuse(
                format!(
                    "agreement of bank {:?} in {}",
                    agreement.bank_code, agreement.county
                ),
                rule,
            ))
        };
        if !self.banks.contains_key(&agreement.bank_code) {
            return fail(RegisterRule::UnknownBank {
                code: agreement.bank_code.clone(),
            });
        }
        let level = agreement.county.level();
        if level != RegionLevel::County {
            return fail(RegisterRule::CountyLevel {
                code: agreement.county,
                level,
            });
        }
        if let Some(to) = agreement.valid_to.filter(|to| *to < agreement.valid_from) {
            return fail(RegisterRule::EndsBeforeStart {
                from: agreement.valid_from,
                to,
            });
        }
        if let Some(existing) = self.agreements.iter().find(|existing| {
            existing.bank_code == agreement.bank_code
                && existing.county == agreement.county
                && existing.overlaps(&agreement)
        }) {
            return fail(RegisterRule::AgreementOverlap {
                from: existing.valid_from,
                to: existing.valid_to,
            });
        }
        self.add_agreement(agreement);
        Ok(())
    }

    // ----- reading -----

    /// The beneficiary with this ID number.
    pub fn beneficiary(&self, id: &ResidentId) -> Option<&Beneficiary> {
        self.beneficiaries.get(id)
    }

    /// The beneficiary with this ID number and its position (for the linked lookups
    /// below and for tables indexed by person).
    pub(crate) fn beneficiary_slot(&self, id: &ResidentId) -> Option<(usize, &Beneficiary)> {
        let slot = self.beneficiaries.position(id)?;
        let (_, person) = self.beneficiaries.entries.get(slot)?;
        Some((slot, person))
    }

    /// The position of the beneficiary with this ID number, checking `guess` first: reading a file in
    /// register order, the next position is a cheap, in-order read where a hash
    /// lookup in a large register misses the cache.
    pub(crate) fn beneficiary_position_near(&self, id: &ResidentId, guess: usize) -> Option<usize> {
        match self.beneficiaries.entries.get(guess) {
            Some((known, _)) if known == id => Some(guess),
            _ => self.beneficiaries.position(id),
        }
    }

    /// The beneficiary at a position from [`Register::beneficiary_slot`].
    pub(crate) fn beneficiary_at(&self, slot: usize) -> Option<&Beneficiary> {
        self.beneficiaries
            .entries
            .get(slot)
            .map(|(_, person)| person)
    }

    /// Reads the memory that checking a roster line about the beneficiary at `slot`
    /// reads (the person, the linked household and account, and their texts) and
    /// returns a number made from it, so the reads are not optimised away. Done for
    /// many lines before checking them, their cache misses overlap.
    pub(crate) fn touch(&self, slot: usize) -> usize {
        fn first(text: &str) -> usize {
            text.as_bytes().first().map_or(0, |byte| usize::from(*byte))
        }
        let Some((_, person)) = self.beneficiaries.entries.get(slot) else {
            return 0;
        };
        let mut sum = first(&person.name)
            + first(&person.household_id)
            + person.tags.first().map_or(0, |tag| first(tag))
            + person
                .quantities
                .keys()
                .next()
                .map_or(0, |name| first(name));
        let Some(link) = self.links.get(slot) else {
            return sum;
        };
        // A line needs the household's head and size, not its member list.
        if let Some((id, household)) = self.households.entries.get(link.household as usize) {
            sum += first(id) + household.members.len();
        }
        if let Some((key, account)) = self.accounts.entries.get(link.account as usize) {
            sum += first(key)
                + first(account.number.as_str())
                + first(&account.holder_name)
                + first(&account.bank_code)
                + account.enrolments.len();
        }
        sum
    }

    /// How many beneficiaries there are: positions run below this.
    pub(crate) fn beneficiary_slots(&self) -> usize {
        self.beneficiaries.entries.len()
    }

    /// [`Register::household`] of the beneficiary at `slot`, through its link.
    pub(crate) fn linked_household(&self, slot: usize, person: &Beneficiary) -> Option<&Household> {
        let linked = self.links.get(slot).and_then(|link| {
            let (id, household) = self.households.entries.get(link.household as usize)?;
            (*id == person.household_id).then_some(household)
        });
        linked.or_else(|| self.household(&person.household_id))
    }

    /// [`Register::account`], trying first the account linked to the beneficiary at
    /// `slot` (the one a roster line usually names).
    pub(crate) fn linked_account(&self, slot: Option<usize>, number: &str) -> Option<&Account> {
        let linked = slot.and_then(|slot| self.links.get(slot)).and_then(|link| {
            let (key, account) = self.accounts.entries.get(link.account as usize)?;
            (key == number).then_some(account)
        });
        linked.or_else(|| self.account(number))
    }

    /// Every beneficiary, in ID order.
    pub fn beneficiaries(&self) -> impl ExactSizeIterator<Item = &Beneficiary> + '_ {
        self.beneficiaries.values()
    }

    /// The household with this identifier.
    pub fn household(&self, id: &str) -> Option<&Household> {
        self.households.get(id)
    }

    /// Every household, in identifier order.
    pub fn households(&self) -> impl ExactSizeIterator<Item = &Household> + '_ {
        self.households.values()
    }

    /// The agent bank with this code.
    pub fn bank(&self, code: &str) -> Option<&AgentBank> {
        self.banks.get(code)
    }

    /// Every agent bank, in code order.
    pub fn banks(&self) -> impl ExactSizeIterator<Item = &AgentBank> + '_ {
        self.banks.values()
    }

    /// Every agency agreement, in the order recorded.
    pub fn agreements(&self) -> &[AgencyAgreement] {
        &self.agreements
    }

    /// The account with this number (digits only).
    pub fn account(&self, number: &str) -> Option<&Account> {
        self.accounts.get(number)
    }

    /// Every account, in number order.
    pub fn accounts(&self) -> impl ExactSizeIterator<Item = &Account> + '_ {
        self.accounts.values()
    }

    /// Every account held by `holder`, in number order.
    pub fn accounts_of<'a>(
        &'a self,
        holder: &'a ResidentId,
    ) -> impl Iterator<Item = &'a Account> + 'a {
        self.holders
            .get(holder)
            .into_iter()
            .flatten()
            .filter_map(|key| self.accounts.get(key.as_str()))
    }

    /// Whether `bank_code` has an agency agreement covering `region` on `date`.
    pub fn bank_may_pay_in(&self, bank_code: &str, region: RegionCode, date: Date) -> bool {
        self.agreements
            .iter()
            .any(|agreement| agreement.bank_code == bank_code && agreement.covers(region, date))
    }

    /// Whether the account's bank may pay subsidies onto it for someone in `region` on
    /// `date` ([`Register::bank_may_pay`] for its bank and kind).
    ///
    /// This says nothing about the account's own status; check
    /// [`Account::is_payable`] as well.
    pub fn may_pay_onto(&self, account: &Account, region: RegionCode, date: Date) -> bool {
        self.bank_may_pay(&account.bank_code, account.kind(), region, date)
    }

    /// Whether `bank_code` may pay onto an account of `kind` for someone in `region` on
    /// `date`: it has an agency agreement covering the region that day, or the account
    /// is a social security card and the bank issues them — a card-issuing bank is an
    /// agent bank for the cards it issued, wherever the holder lives, without a separate
    /// agreement.
    pub fn bank_may_pay(
        &self,
        bank_code: &str,
        kind: AccountKind,
        region: RegionCode,
        date: Date,
    ) -> bool {
        self.bank_may_pay_in(bank_code, region, date)
            || (kind == AccountKind::SocialSecurityCard
                && self
                    .bank(bank_code)
                    .is_some_and(|bank| bank.issues_social_security_cards))
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
            .or_else(|| payable().find(|account| account.kind() == AccountKind::SocialSecurityCard))
            .or_else(|| payable().next())
    }

    // ----- account operations -----

    /// Decides what `command` does on `on`, without changing anything: the events to
    /// apply with [`Register::apply_account`], or the rule that refuses it.
    ///
    /// Refused: an unknown account or bank; a holder who is not registered, has died,
    /// or whose registered name differs; a number already registered (to anyone);
    /// any operation on a closed account (closing twice included); enrolling a
    /// rejected account, enrolling twice, or while another of the holder's open
    /// accounts is enrolled for the project; withdrawing from a project not enrolled;
    /// a rejection without the bank's reason; a change dated before the account's
    /// latest recorded change.
    ///
    /// Allowed on purpose: verifying a verified or rejected account again (banks
    /// re-verify, and a rejected account may be put right), and enrolling an unverified
    /// one (it is paid once verified).
    pub fn decide_account(&self, command: AccountCommand, on: Date) -> Result<Vec<AccountEvent>> {
        let action = command.action();
        match command {
            AccountCommand::Open {
                holder,
                holder_name,
                bank_code,
                number,
            } => {
                let subject = account_subject(number.as_str());
                self.check_free_number(&number, holder, &subject)?;
                let holder_name = self.check_holder(holder, &holder_name, on, &subject)?;
                self.check_known_bank(&bank_code, &subject)?;
                Ok(vec![AccountEvent::Opened {
                    number,
                    holder,
                    holder_name,
                    bank_code,
                    enrolments: BTreeSet::new(),
                    source: AccountSource::Registered,
                    replaces: None,
                    on,
                }])
            }
            AccountCommand::Verify { number, result } => {
                let (account, subject) = self.open_account(&number, action, on)?;
                let number = account.number.clone();
                Ok(vec![match result {
                    VerificationResult::Confirmed => AccountEvent::Verified { number, on },
                    VerificationResult::Rejected { reason } => {
                        let reason = reason.trim().to_owned();
                        if reason.is_empty() {
                            return Err(refuse(
                                subject,
                                RegisterRule::Blank {
                                    field: "bank's reason for the rejection",
                                },
                            ));
                        }
                        AccountEvent::Rejected { number, reason, on }
                    }
                }])
            }
            AccountCommand::Change {
                number,
                new_number,
                bank_code,
            } => {
                let (old, subject) = self.open_account(&number, action, on)?;
                if new_number.as_str() == old.number.as_str() {
                    return Err(refuse(subject, RegisterRule::SameNumber));
                }
                let new_subject = account_subject(new_number.as_str());
                self.check_free_number(&new_number, old.holder, &new_subject)?;
                self.check_known_bank(&bank_code, &new_subject)?;
                Ok(replacement(
                    &[old],
                    new_number,
                    old.holder_name.to_string(),
                    bank_code,
                    AccountSource::Registered,
                    on,
                ))
            }
            AccountCommand::CorrectBank { number, bank_code } => {
                let (account, subject) = self.open_account(&number, action, on)?;
                self.check_known_bank(&bank_code, &subject)?;
                if account.bank_code == bank_code {
                    return Err(refuse(subject, RegisterRule::SameBank { code: bank_code }));
                }
                Ok(vec![AccountEvent::BankChanged {
                    number: account.number.clone(),
                    from: account.bank_code.to_string(),
                    to: bank_code,
                    on,
                }])
            }
            AccountCommand::Close { number } => {
                let (account, _) = self.open_account(&number, action, on)?;
                Ok(vec![AccountEvent::Closed {
                    number: account.number.clone(),
                    reason: CloseReason::Closed,
                    on,
                }])
            }
            AccountCommand::Enrol { number, project } => {
                let (account, subject) = self.open_account(&number, action, on)?;
                if let AccountStatus::Rejected { .. } = account.status {
                    return Err(refuse(
                        subject,
                        RegisterRule::AccountState {
                            action,
                            status: account.status.clone(),
                        },
                    ));
                }
                let project = project.trim().to_owned();
                if project.is_empty() {
                    return Err(refuse(subject, RegisterRule::Blank { field: "project" }));
                }
                if account.is_enrolled(&project) {
                    return Err(refuse(subject, RegisterRule::AlreadyEnrolled { project }));
                }
                if let Some(other) = self
                    .accounts_of(&account.holder)
                    .find(|other| !other.is_closed() && other.is_enrolled(&project))
                {
                    return Err(refuse(
                        subject,
                        RegisterRule::EnrolledElsewhere {
                            project,
                            other: other.number.masked(),
                        },
                    ));
                }
                Ok(vec![AccountEvent::Enrolled {
                    number: account.number.clone(),
                    project,
                    on,
                }])
            }
            AccountCommand::Withdraw { number, project } => {
                let (account, subject) = self.open_account(&number, action, on)?;
                let project = project.trim().to_owned();
                if !account.is_enrolled(&project) {
                    return Err(refuse(subject, RegisterRule::NotEnrolled { project }));
                }
                Ok(vec![AccountEvent::Withdrawn {
                    number: account.number.clone(),
                    project,
                    on,
                }])
            }
        }
    }

    /// Applies an event decided by [`Register::decide_account`] (or planned by
    /// [`Register::plan_card_import`]), adding one entry to the account's history.
    /// Events are trusted: one naming an account that is not in the register is
    /// ignored, as it cannot come from a decision on this register.
    pub fn apply_account(&mut self, event: &AccountEvent) {
        let on = event.on();
        if let AccountEvent::Opened {
            number,
            holder,
            holder_name,
            bank_code,
            enrolments,
            source,
            replaces,
            ..
        } = event
        {
            let mut account = Account::new(
                *holder,
                holder_name.clone(),
                bank_code.clone(),
                number.clone(),
            );
            account.enrolments = enrolments.clone();
            account.history.push(AccountChange {
                on,
                what: AccountChangeKind::Opened {
                    source: source.clone(),
                    replaces: replaces.clone(),
                },
            });
            self.upsert_account(account);
            return;
        }
        let Some(account) = self.accounts.get_mut(event.number().as_str()) else {
            return;
        };
        let what = match event {
            AccountEvent::Opened { .. } => return,
            AccountEvent::Verified { .. } => {
                account.status = AccountStatus::Verified;
                AccountChangeKind::Verified
            }
            AccountEvent::Rejected { reason, .. } => {
                account.status = AccountStatus::Rejected {
                    reason: reason.clone(),
                };
                AccountChangeKind::Rejected {
                    reason: reason.clone(),
                }
            }
            AccountEvent::BankChanged { from, to, .. } => {
                account.bank_code = CompactString::from(to.as_str());
                account.status = AccountStatus::Unverified;
                AccountChangeKind::BankChanged {
                    from: from.clone(),
                    to: to.clone(),
                }
            }
            AccountEvent::Closed { reason, .. } => {
                account.status = AccountStatus::Closed;
                AccountChangeKind::Closed {
                    reason: reason.clone(),
                }
            }
            AccountEvent::Enrolled { project, .. } => {
                account.enrolments.insert(project.clone());
                AccountChangeKind::Enrolled {
                    project: project.clone(),
                }
            }
            AccountEvent::Withdrawn { project, .. } => {
                account.enrolments.remove(project);
                AccountChangeKind::Withdrawn {
                    project: project.clone(),
                }
            }
        };
        account.history.push(AccountChange { on, what });
    }

    /// Decides `command` and applies its events; returns the events (to persist). A
    /// refused command changes nothing.
    pub fn execute_account(
        &mut self,
        command: AccountCommand,
        on: Date,
    ) -> Result<Vec<AccountEvent>> {
        let events = self.decide_account(command, on)?;
        for event in &events {
            self.apply_account(event);
        }
        Ok(events)
    }

    /// The registered, not closed account named by `number`, checked to take a change
    /// on `on`; with the subject for messages.
    fn open_account(
        &self,
        number: &str,
        action: &'static str,
        on: Date,
    ) -> Result<(&Account, String)> {
        let key = number_key(number);
        let subject = account_subject(&key);
        let Some(account) = self.accounts.get(key.as_str()) else {
            return Err(refuse(subject, RegisterRule::UnknownAccount));
        };
        if account.is_closed() {
            return Err(refuse(
                subject,
                RegisterRule::AccountState {
                    action,
                    status: account.status.clone(),
                },
            ));
        }
        if let Some(last) = account.last_changed().filter(|last| on < *last) {
            return Err(refuse(subject, RegisterRule::BeforeLastChange { on, last }));
        }
        Ok((account, subject))
    }

    /// Refuses a number already in the register.
    fn check_free_number(
        &self,
        number: &AccountNumber,
        holder: ResidentId,
        subject: &str,
    ) -> Result<()> {
        match self.accounts.get(number.as_str()) {
            None => Ok(()),
            Some(existing) if existing.holder == holder => Err(refuse(
                subject.to_owned(),
                RegisterRule::NumberRegistered {
                    status: existing.status.clone(),
                },
            )),
            Some(existing) => Err(refuse(
                subject.to_owned(),
                RegisterRule::NumberTaken {
                    holder: existing.holder.masked(),
                },
            )),
        }
    }

    /// Checks that `holder` is registered, alive on `on` and named `name`; returns the
    /// name trimmed.
    fn check_holder(
        &self,
        holder: ResidentId,
        name: &str,
        on: Date,
        subject: &str,
    ) -> Result<String> {
        let fail = |rule| Err(refuse(subject.to_owned(), rule));
        let Some(person) = self.beneficiaries.get(&holder) else {
            return fail(RegisterRule::UnknownHolder {
                holder: holder.masked(),
            });
        };
        let name = name.trim();
        if name.is_empty() {
            return fail(RegisterRule::Blank {
                field: "holder name",
            });
        }
        if !same_name(name, &person.name) {
            return fail(RegisterRule::HolderName {
                given: name.to_owned(),
                registered: person.name.to_string(),
            });
        }
        if let Some(died) = person.deceased_on.filter(|died| *died <= on) {
            return fail(RegisterRule::HolderDeceased { died });
        }
        Ok(name.to_owned())
    }

    fn check_known_bank(&self, code: &str, subject: &str) -> Result<()> {
        if self.banks.contains_key(code) {
            Ok(())
        } else {
            Err(refuse(
                subject.to_owned(),
                RegisterRule::UnknownBank {
                    code: code.to_owned(),
                },
            ))
        }
    }
}

/// The events of replacing `old` accounts (all the same holder's, first one named as
/// replaced) by a new one: each old one closed as replaced, then the new one opened
/// with their enrolments.
fn replacement(
    old: &[&Account],
    new_number: AccountNumber,
    holder_name: String,
    bank_code: String,
    source: AccountSource,
    on: Date,
) -> Vec<AccountEvent> {
    let mut events: Vec<AccountEvent> = old
        .iter()
        .map(|account| AccountEvent::Closed {
            number: account.number.clone(),
            reason: CloseReason::Replaced {
                by: new_number.clone(),
            },
            on,
        })
        .collect();
    let Some(first) = old.first() else {
        return events;
    };
    events.push(AccountEvent::Opened {
        number: new_number,
        holder: first.holder,
        holder_name,
        bank_code,
        enrolments: old
            .iter()
            .flat_map(|account| account.enrolments.iter().cloned())
            .collect(),
        source,
        replaces: Some(first.number.clone()),
        on,
    });
    events
}

// ----- social security card import -----

/// One line of the HR department's social security card file (人社部门社保卡信息).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialSecurityCardRecord {
    /// One-based line number in the file, for the report.
    pub line: u64,
    /// The card holder's resident ID number, as written.
    pub resident_id: String,
    /// The card holder's name, as written.
    pub name: String,
    /// The card's bank account number, as written.
    pub card_number: String,
    /// The issuing bank's code.
    pub bank_code: String,
}

/// A field of a [`SocialSecurityCardRecord`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CardField {
    /// The resident ID number (身份证号).
    ResidentId,
    /// The name (姓名).
    Name,
    /// The card number (社保卡号).
    CardNumber,
    /// The issuing bank's code (发卡银行).
    BankCode,
}

impl fmt::Display for CardField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CardField::ResidentId => "ID number (身份证号)",
            CardField::Name => "name (姓名)",
            CardField::CardNumber => "card number (社保卡号)",
            CardField::BankCode => "bank code (发卡银行)",
        })
    }
}

/// Why a line of the card file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardImportRule {
    /// The ID number is not a valid resident ID number.
    #[error("{rule}")]
    ResidentId {
        /// The rule it broke.
        rule: ResidentIdRule,
    },
    /// The card number is not a valid card number.
    #[error("{rule}")]
    CardNumber {
        /// The rule it broke.
        rule: AccountRule,
    },
    /// The bank code is not in the register.
    #[error("no agent bank with this code is in the register; add the bank or correct the code")]
    UnknownBank,
    /// The ID number is valid but the person is not in the register.
    #[error(
        "no beneficiary with this ID number is in the register; \
         register the person first, or the card is not needed here"
    )]
    UnknownResident,
    /// The name on the card is not the registered name.
    #[error(
        "the registered name is {registered:?}; a card in another name is not linked — \
         check with the HR department which name is right"
    )]
    NameMismatch {
        /// The name in the register.
        registered: String,
    },
    /// The card number is registered to another person.
    #[error("the card is already registered to another person ({holder}); it is not moved")]
    HeldByOther {
        /// The other holder's masked ID number.
        holder: String,
    },
    /// The card is registered to this person but closed.
    #[error(
        "the card is closed (注销) in the register; a closed account is never reopened — \
         ask the HR department whether the card is still valid"
    )]
    ClosedCard,
    /// The person has died.
    #[error("the person died on {died}; no card is linked for a deceased person")]
    Deceased {
        /// The date of death.
        died: Date,
    },
    /// The person already has an accepted line in this file.
    #[error(
        "the same person is already on line {first_line} of this file; keep one card per person"
    )]
    DuplicatePerson {
        /// The line accepted first.
        first_line: u64,
    },
    /// The card already has an accepted line in this file.
    #[error("the same card is already on line {first_line} of this file")]
    DuplicateCard {
        /// The line accepted first.
        first_line: u64,
    },
    /// Another register rule refused the change.
    #[error("{rule}")]
    Refused {
        /// The rule.
        rule: RegisterRule,
    },
}

/// A rejected line of the card file: where, which field, the value as given, and why.
///
/// The value is the text as given, unmasked, so the clerk can find and fix it: the
/// report is an internal working document, not a public output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardImportProblem {
    /// The line in the file.
    pub line: u64,
    /// The field at fault.
    pub field: CardField,
    /// Its value as given.
    pub value: String,
    /// What is wrong.
    pub rule: CardImportRule,
}

impl fmt::Display for CardImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, {} {:?}: {}",
            self.line, self.field, self.value, self.rule
        )
    }
}

/// The outcome of planning a card import: counts per line, the problems of rejected
/// lines, and the events to apply for the accepted ones.
///
/// `created + updated + unchanged + rejected` is the number of records; every rejected
/// line has at least one problem and every problem names a rejected line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardImportReport {
    /// Lines whose card was registered for a person who had none.
    pub created: usize,
    /// Lines that corrected a card's bank or replaced a person's previous card.
    pub updated: usize,
    /// Lines the register already agreed with.
    pub unchanged: usize,
    /// Lines rejected, each with its problems.
    pub rejected: usize,
    /// Every problem, in line order.
    pub problems: Vec<CardImportProblem>,
    /// The events for the accepted lines, to apply with [`Register::apply_account`].
    pub events: Vec<AccountEvent>,
}

impl CardImportReport {
    /// Whether every line was accepted.
    pub fn is_clean(&self) -> bool {
        self.rejected == 0
    }
}

/// What a valid line does to the register.
enum CardOutcome {
    Created(Vec<AccountEvent>),
    Updated(Vec<AccountEvent>),
    Unchanged,
}

impl Register {
    /// Plans the import of the HR department's social security cards, dated `on`,
    /// without changing anything; apply the report's events with
    /// [`Register::apply_account`].
    ///
    /// Each line is matched to a beneficiary by ID number. A card the person does not
    /// yet have is registered (*created*); if the person has other open social security
    /// cards, those are closed as replaced by it (*updated*: the card was reissued,
    /// 补换卡), and the new card keeps their enrolments; a card the person has at
    /// another bank gets its bank corrected (*updated*); a card already registered as
    /// given is *unchanged*. Rejected, with a problem per fault: an invalid ID number,
    /// card number or an unknown bank (all three are checked); a person not in the
    /// register, a different name, a deceased person, a card registered to someone
    /// else or closed, and a person or card already accepted on an earlier line.
    ///
    /// Imported and corrected cards are **unverified**: the HR file shows that a card
    /// was issued, not that its bank account is active and in the holder's name, which
    /// is what the agent bank's verification confirms before anything is paid onto it.
    ///
    /// Events exist only for accepted lines and each line's events depend only on the
    /// register as it was (duplicates within the file are rejected), so applying all
    /// of them is the whole import, and applying none leaves the register as it was.
    pub fn plan_card_import(
        &self,
        records: &[SocialSecurityCardRecord],
        on: Date,
    ) -> CardImportReport {
        let mut report = CardImportReport::default();
        let mut people: HashMap<ResidentId, u64> = HashMap::new();
        let mut cards: HashMap<String, u64> = HashMap::new();
        for record in records {
            match self.plan_card(record, on, &people, &cards) {
                Ok((id, number, outcome)) => {
                    people.insert(id, record.line);
                    cards.insert(number, record.line);
                    match outcome {
                        CardOutcome::Created(events) => {
                            report.created += 1;
                            report.events.extend(events);
                        }
                        CardOutcome::Updated(events) => {
                            report.updated += 1;
                            report.events.extend(events);
                        }
                        CardOutcome::Unchanged => report.unchanged += 1,
                    }
                }
                Err(problems) => {
                    report.rejected += 1;
                    report.problems.extend(problems);
                }
            }
        }
        report
    }

    /// Plans one line: the person, the card key and the outcome, or its problems.
    fn plan_card(
        &self,
        record: &SocialSecurityCardRecord,
        on: Date,
        people: &HashMap<ResidentId, u64>,
        cards: &HashMap<String, u64>,
    ) -> std::result::Result<(ResidentId, String, CardOutcome), Vec<CardImportProblem>> {
        let problem = |field, value: &str, rule| CardImportProblem {
            line: record.line,
            field,
            value: value.to_owned(),
            rule,
        };
        let one = |field, value: &str, rule| Err(vec![problem(field, value, rule)]);
        let mut problems = Vec::new();

        let id = ResidentId::parse_as_of(&record.resident_id, on);
        if let Err(Error::ResidentId { rule, .. }) = &id {
            problems.push(problem(
                CardField::ResidentId,
                &record.resident_id,
                CardImportRule::ResidentId { rule: rule.clone() },
            ));
        }
        let number = AccountNumber::parse(&record.card_number, AccountKind::SocialSecurityCard);
        if let Err(Error::AccountNumber { rule, .. }) = &number {
            problems.push(problem(
                CardField::CardNumber,
                &record.card_number,
                CardImportRule::CardNumber { rule: rule.clone() },
            ));
        }
        let bank_code = record.bank_code.trim();
        if !self.banks.contains_key(bank_code) {
            problems.push(problem(
                CardField::BankCode,
                &record.bank_code,
                CardImportRule::UnknownBank,
            ));
        }
        let (Ok(id), Ok(number)) = (id, number) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }

        let Some(person) = self.beneficiaries.get(&id) else {
            return one(
                CardField::ResidentId,
                &record.resident_id,
                CardImportRule::UnknownResident,
            );
        };
        if !same_name(&record.name, &person.name) {
            return one(
                CardField::Name,
                &record.name,
                CardImportRule::NameMismatch {
                    registered: person.name.to_string(),
                },
            );
        }
        if let Some(died) = person.deceased_on.filter(|died| *died <= on) {
            return one(
                CardField::ResidentId,
                &record.resident_id,
                CardImportRule::Deceased { died },
            );
        }
        let key = number.as_str().to_owned();
        let existing = self.accounts.get(key.as_str());
        if let Some(existing) = existing {
            if existing.holder != id {
                return one(
                    CardField::CardNumber,
                    &record.card_number,
                    CardImportRule::HeldByOther {
                        holder: existing.holder.masked(),
                    },
                );
            }
            if existing.is_closed() {
                return one(
                    CardField::CardNumber,
                    &record.card_number,
                    CardImportRule::ClosedCard,
                );
            }
        }
        if let Some(&first_line) = people.get(&id) {
            return one(
                CardField::ResidentId,
                &record.resident_id,
                CardImportRule::DuplicatePerson { first_line },
            );
        }
        if let Some(&first_line) = cards.get(&key) {
            return one(
                CardField::CardNumber,
                &record.card_number,
                CardImportRule::DuplicateCard { first_line },
            );
        }
        // Each line is dated `on`; a card whose history already has a later change
        // cannot take this one.
        let too_early = |accounts: &[&Account]| {
            accounts
                .iter()
                .filter_map(|account| account.last_changed())
                .max()
                .filter(|last| on < *last)
                .map(|last| {
                    vec![problem(
                        CardField::CardNumber,
                        &record.card_number,
                        CardImportRule::Refused {
                            rule: RegisterRule::BeforeLastChange { on, last },
                        },
                    )]
                })
        };

        let outcome = match existing {
            Some(existing) if existing.bank_code == bank_code => CardOutcome::Unchanged,
            Some(existing) => {
                if let Some(problems) = too_early(&[existing]) {
                    return Err(problems);
                }
                CardOutcome::Updated(vec![AccountEvent::BankChanged {
                    number: existing.number.clone(),
                    from: existing.bank_code.to_string(),
                    to: bank_code.to_owned(),
                    on,
                }])
            }
            None => {
                let previous: Vec<&Account> = self
                    .accounts_of(&id)
                    .filter(|account| {
                        account.kind() == AccountKind::SocialSecurityCard && !account.is_closed()
                    })
                    .collect();
                if let Some(problems) = too_early(&previous) {
                    return Err(problems);
                }
                let source = AccountSource::CardImport { line: record.line };
                let holder_name = record.name.trim().to_owned();
                if previous.is_empty() {
                    CardOutcome::Created(vec![AccountEvent::Opened {
                        number,
                        holder: id,
                        holder_name,
                        bank_code: bank_code.to_owned(),
                        enrolments: BTreeSet::new(),
                        source,
                        replaces: None,
                        on,
                    }])
                } else {
                    CardOutcome::Updated(replacement(
                        &previous,
                        number,
                        holder_name,
                        bank_code.to_owned(),
                        source,
                        on,
                    ))
                }
            }
        };
        Ok((id, key, outcome))
    }
}

/// A map looked up by hashing (a register holds a million people, and a roster
/// looks each one up) that still iterates and serializes in key order.
///
/// Values are kept in the order they were added, which is usually the order files
/// list them in: a roster read in register order then reads memory in order.
#[derive(Clone)]
struct Keyed<K, V> {
    /// Position in `entries` by key.
    index: FastMap<K, usize>,
    /// The entries, in the order first added.
    entries: Vec<(K, V)>,
    /// Position in `entries` by key, in key order.
    order: BTreeMap<K, usize>,
}

impl<K, V> Default for Keyed<K, V> {
    fn default() -> Self {
        Keyed {
            index: FastMap::default(),
            entries: Vec::new(),
            order: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Hash + Clone, V> Keyed<K, V> {
    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get(key).copied()
    }

    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let position = self.position(key)?;
        self.entries.get(position).map(|(_, value)| value)
    }

    fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let position = self.position(key)?;
        self.entries.get_mut(position).map(|(_, value)| value)
    }

    fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    /// Adds or replaces; the entry's position and the replaced value, if any.
    fn insert(&mut self, key: K, value: V) -> (usize, Option<V>) {
        if let Some(position) = self.position(&key) {
            if let Some(slot) = self.entries.get_mut(position) {
                return (position, Some(std::mem::replace(&mut slot.1, value)));
            }
        }
        let position = self.entries.len();
        self.index.insert(key.clone(), position);
        self.order.insert(key.clone(), position);
        self.entries.push((key, value));
        (position, None)
    }

    /// The entries, in key order.
    fn iter(&self) -> InOrder<'_, K, V> {
        InOrder {
            order: self.order.values(),
            entries: &self.entries,
        }
    }

    /// The values, in key order.
    fn values(&self) -> impl ExactSizeIterator<Item = &V> + '_ {
        self.iter().map(|(_, value)| value)
    }
}

impl<K: Ord + Hash + Clone, V> From<BTreeMap<K, V>> for Keyed<K, V> {
    fn from(entries: BTreeMap<K, V>) -> Self {
        let mut keyed = Keyed::default();
        keyed.index.reserve(entries.len());
        keyed.entries.reserve(entries.len());
        for (key, value) in entries {
            keyed.insert(key, value);
        }
        keyed
    }
}

impl<K: Ord + Hash + Clone, V: PartialEq> PartialEq for Keyed<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .iter()
                .all(|(key, value)| other.get(key) == Some(value))
    }
}

impl<K: Ord + Hash + Clone, V: Eq> Eq for Keyed<K, V> {}

impl<K: Ord + Hash + Clone + fmt::Debug, V: fmt::Debug> fmt::Debug for Keyed<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord + Hash + Clone + serde::Serialize, V: serde::Serialize> serde::Serialize
    for Keyed<K, V>
{
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// The entries of a [`Keyed`] map in key order.
struct InOrder<'m, K, V> {
    order: std::collections::btree_map::Values<'m, K, usize>,
    entries: &'m [(K, V)],
}

impl<'m, K, V> Iterator for InOrder<'m, K, V> {
    type Item = (&'m K, &'m V);

    fn next(&mut self) -> Option<Self::Item> {
        // Every position in the order is in `entries`; skipping is only a safe fallback.
        for position in self.order.by_ref() {
            if let Some((key, value)) = self.entries.get(*position) {
                return Some((key, value));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.order.size_hint()
    }
}

impl<K, V> ExactSizeIterator for InOrder<'_, K, V> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CreditCode;
    use proptest::prelude::*;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const DAY: Date = date!(2026 - 03 - 02);

    /// A valid ID number in 巴林左旗 born 1960-01-01 with sequence `n`.
    fn id(n: u32) -> ResidentId {
        let first17 = format!("15042219600101{n:03}");
        let check = ResidentId::check_character(first17.as_bytes()).unwrap_or('0');
        ResidentId::parse_as_of(&format!("{first17}{check}"), DAY).unwrap_or_else(|_| {
            // Unreachable with a correct check character; keep the tests total.
            ResidentId::parse_as_of("11010519491231002X", DAY).unwrap_or_else(|_| unreachable!())
        })
    }

    /// A Luhn-valid 19-digit card number ending in `n` (before the check digit).
    fn card(n: u32) -> String {
        let body = format!("622848000{n:09}");
        let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
        // The check digit is the first position, so the body's last digit is doubled.
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 0 {
                    let twice = d * 2;
                    if twice > 9 { twice - 9 } else { twice }
                } else {
                    d
                }
            })
            .sum();
        format!("{body}{}", (10 - sum % 10) % 10)
    }

    fn number(n: u32, kind: AccountKind) -> AccountNumber {
        AccountNumber::parse(&card(n), kind).unwrap_or_else(|_| unreachable!())
    }

    fn rule_of<T: fmt::Debug>(result: Result<T>) -> Option<RegisterRule> {
        match result {
            Err(Error::Register { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    fn bank(
        code: &str,
        issues: bool,
    ) -> std::result::Result<AgentBank, Box<dyn std::error::Error>> {
        Ok(AgentBank {
            code: code.into(),
            name: format!("{code} 银行"),
            credit_code: CreditCode::parse("91350100M000100Y43")?,
            issues_social_security_cards: issues,
        })
    }

    fn village() -> RegionCode {
        RegionCode::from_u64(150_422_100_001).unwrap_or_else(|_| unreachable!())
    }

    fn county() -> RegionCode {
        RegionCode::from_u64(150_422_000_000).unwrap_or_else(|_| unreachable!())
    }

    /// Banks NXS (issues social security cards) and ABC (with an agreement in 150422
    /// from 2020); 张三 and 李四 in household H1, 王五 in H2.
    fn fixture() -> std::result::Result<Register, Box<dyn std::error::Error>> {
        let mut register = Register::new();
        register.add_bank(bank("NXS", true)?)?;
        register.add_bank(bank("ABC", false)?)?;
        register.sign_agreement(AgencyAgreement {
            bank_code: "ABC".into(),
            county: county(),
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        })?;
        register.add_beneficiary(Beneficiary::new(id(1), "张三", "H1", village()))?;
        register.add_beneficiary(Beneficiary::new(id(2), "李四", "H1", village()))?;
        register.add_beneficiary(Beneficiary::new(id(3), "王五", "H2", village()))?;
        register.add_household(Household::new("H1", id(1), [id(2)]))?;
        register.add_household(Household::new("H2", id(3), []))?;
        Ok(register)
    }

    fn open(holder: u32, name: &str, bank: &str, n: u32, kind: AccountKind) -> AccountCommand {
        AccountCommand::Open {
            holder: id(holder),
            holder_name: name.into(),
            bank_code: bank.into(),
            number: number(n, kind),
        }
    }

    fn verify(n: u32) -> AccountCommand {
        AccountCommand::Verify {
            number: card(n),
            result: VerificationResult::Confirmed,
        }
    }

    fn status(register: &Register, n: u32) -> Option<AccountStatus> {
        register.account(&card(n)).map(|a| a.status.clone())
    }

    // ----- register changes -----

    #[test]
    fn beneficiary_rules() -> TestResult {
        let mut register = fixture()?;
        let base = Beneficiary::new(id(9), "赵六", "H3", village());
        let with = |change: &dyn Fn(&mut Beneficiary)| {
            let mut b = base.clone();
            change(&mut b);
            Register::check_beneficiary(&b)
        };
        assert_eq!(
            rule_of(with(&|b| b.name = "  ".into())),
            Some(RegisterRule::Blank { field: "name" })
        );
        assert_eq!(
            rule_of(with(&|b| b.household_id = CompactString::default())),
            Some(RegisterRule::Blank {
                field: "household identifier"
            })
        );
        assert_eq!(
            rule_of(with(&|b| b.village = county())),
            Some(RegisterRule::PlaceLevel {
                code: county(),
                level: RegionLevel::County
            })
        );
        assert_eq!(
            rule_of(with(&|b| b.phone = Some("0476-1234567".into()))),
            Some(RegisterRule::Phone {
                value: "0476-1234567".into()
            })
        );
        assert!(with(&|b| b.phone = Some("13912345678".into())).is_ok());
        assert_eq!(
            rule_of(with(&|b| {
                b.quantities
                    .insert("farmland_mu", rust_decimal::Decimal::new(-5, 1));
            })),
            Some(RegisterRule::NegativeQuantity {
                name: "farmland_mu".into(),
                value: rust_decimal::Decimal::new(-5, 1)
            })
        );
        assert_eq!(
            rule_of(with(&|b| b.deceased_on = Some(date!(1959 - 12 - 31)))),
            Some(RegisterRule::DeathBeforeBirth {
                died: date!(1959 - 12 - 31),
                born: date!(1960 - 01 - 01)
            })
        );
        let message = with(&|b| b.village = county())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "beneficiary {}: the place 150422000000 is a county; a beneficiary \
                 is registered in a township (苏木乡镇) or village (嘎查村), so give the 9- or \
                 12-digit code",
                id(9).masked()
            )
        );

        let before = register.clone();
        assert_eq!(
            rule_of(register.add_beneficiary(Beneficiary::new(id(1), "张三", "H1", village()))),
            Some(RegisterRule::AlreadyRegistered)
        );
        assert_eq!(
            rule_of(register.update_beneficiary(base.clone())),
            Some(RegisterRule::NotRegistered)
        );
        assert_eq!(register, before);
        register.add_beneficiary(base.clone())?;
        let mut renamed = base;
        renamed.name = "赵六六".into();
        register.update_beneficiary(renamed)?;
        assert_eq!(
            register.beneficiary(&id(9)).map(|b| b.name.as_str()),
            Some("赵六六")
        );
        Ok(())
    }

    #[test]
    fn household_rules() -> TestResult {
        let mut register = fixture()?;
        let before = register.clone();
        let bad = |head, members: Vec<ResidentId>| Household {
            id: "H1".into(),
            head,
            members,
        };
        assert_eq!(
            rule_of(register.update_household(bad(id(1), vec![id(2)]))),
            Some(RegisterRule::HeadNotMember {
                head: id(1).masked()
            })
        );
        assert_eq!(
            rule_of(register.update_household(bad(id(1), vec![id(1), id(2), id(1)]))),
            Some(RegisterRule::DuplicateMember {
                member: id(1).masked()
            })
        );
        assert_eq!(
            rule_of(register.update_household(bad(id(1), vec![id(1), id(7)]))),
            Some(RegisterRule::UnknownMember {
                member: id(7).masked()
            })
        );
        assert_eq!(
            rule_of(register.update_household(bad(id(1), vec![id(1), id(3)]))),
            Some(RegisterRule::MemberOfOtherHousehold {
                member: id(3).masked(),
                registered: "H2".into()
            })
        );
        assert_eq!(
            rule_of(register.add_household(Household::new("H2", id(3), []))),
            Some(RegisterRule::AlreadyRegistered)
        );
        assert_eq!(
            rule_of(register.add_household(Household::new(" ", id(3), []))),
            Some(RegisterRule::Blank {
                field: "household identifier"
            })
        );
        assert_eq!(register, before);
        register.update_household(bad(id(2), vec![id(1), id(2)]))?;
        assert_eq!(register.household("H1").map(|h| h.head), Some(id(2)));
        Ok(())
    }

    #[test]
    fn bank_and_agreement_rules() -> TestResult {
        let mut register = fixture()?;
        let before = register.clone();
        let mut blank = bank(" ", false)?;
        assert_eq!(
            rule_of(register.add_bank(blank.clone())),
            Some(RegisterRule::Blank { field: "bank code" })
        );
        blank.code = "XYZ".into();
        blank.name = String::new();
        assert_eq!(
            rule_of(register.add_bank(blank)),
            Some(RegisterRule::Blank { field: "bank name" })
        );
        assert_eq!(
            rule_of(register.add_bank(bank("NXS", false)?)),
            Some(RegisterRule::AlreadyRegistered)
        );
        assert_eq!(
            rule_of(register.update_bank(bank("XYZ", false)?)),
            Some(RegisterRule::NotRegistered)
        );
        let agreement =
            |code: &str, county: RegionCode, from: Date, to: Option<Date>| AgencyAgreement {
                bank_code: code.into(),
                county,
                valid_from: from,
                valid_to: to,
            };
        assert_eq!(
            rule_of(register.sign_agreement(agreement("XYZ", county(), DAY, None))),
            Some(RegisterRule::UnknownBank { code: "XYZ".into() })
        );
        assert_eq!(
            rule_of(register.sign_agreement(agreement("NXS", village(), DAY, None))),
            Some(RegisterRule::CountyLevel {
                code: village(),
                level: RegionLevel::Village
            })
        );
        let message = register
            .sign_agreement(agreement("NXS", county(), DAY, Some(date!(2026 - 03 - 01))))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            "agreement of bank \"NXS\" in 150422000000: the agreement ends on 2026-03-01, \
             before it starts on 2026-03-02; the end must not be before the start"
        );
        assert_eq!(
            rule_of(register.sign_agreement(agreement("ABC", county(), DAY, None))),
            Some(RegisterRule::AgreementOverlap {
                from: date!(2020 - 01 - 01),
                to: None
            })
        );
        assert_eq!(register, before);

        // A one-day agreement, and one after it, are fine.
        register.sign_agreement(agreement("NXS", county(), DAY, Some(DAY)))?;
        register.sign_agreement(agreement("NXS", county(), date!(2026 - 03 - 03), None))?;
        assert_eq!(register.agreements().len(), 3);
        assert!(register.bank_may_pay_in("ABC", village(), DAY));
        assert!(!register.bank_may_pay_in("ABC", village(), date!(2019 - 12 - 31)));
        let elsewhere = RegionCode::from_u64(150_423_000_000)?;
        assert!(!register.bank_may_pay_in("ABC", elsewhere, DAY));
        Ok(())
    }

    // ----- account operations -----

    #[test]
    fn open_and_verify() -> TestResult {
        let mut register = fixture()?;
        let events = register.execute_account(
            open(1, " 张三 ", "NXS", 1, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        assert_eq!(events.len(), 1);
        let account = register.account(&card(1)).ok_or("missing")?;
        assert_eq!(account.status, AccountStatus::Unverified);
        assert_eq!(account.holder_name, "张三");
        assert_eq!(
            account.history,
            vec![AccountChange {
                on: DAY,
                what: AccountChangeKind::Opened {
                    source: AccountSource::Registered,
                    replaces: None
                }
            }]
        );
        register.execute_account(verify(1), date!(2026 - 03 - 03))?;
        assert_eq!(status(&register, 1), Some(AccountStatus::Verified));
        // A later rejection (e.g. the account was frozen) and a new confirmation.
        register.execute_account(
            AccountCommand::Verify {
                number: card(1),
                result: VerificationResult::Rejected {
                    reason: "账户冻结".into(),
                },
            },
            date!(2026 - 04 - 01),
        )?;
        assert_eq!(
            status(&register, 1),
            Some(AccountStatus::Rejected {
                reason: "账户冻结".into()
            })
        );
        register.execute_account(verify(1), date!(2026 - 04 - 02))?;
        assert_eq!(status(&register, 1), Some(AccountStatus::Verified));
        assert_eq!(register.account(&card(1)).map(|a| a.history.len()), Some(4));
        Ok(())
    }

    #[test]
    fn open_refusals() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(open(1, "张三", "NXS", 1, AccountKind::BankCard), DAY)?;
        let mut dead = Beneficiary::new(id(4), "钱七", "H4", village());
        dead.deceased_on = Some(date!(2026 - 01 - 10));
        register.add_beneficiary(dead)?;
        let before = register.clone();
        let cases = [
            (
                open(7, "孙八", "NXS", 2, AccountKind::BankCard),
                RegisterRule::UnknownHolder {
                    holder: id(7).masked(),
                },
            ),
            (
                open(2, "李 四", "NXS", 1, AccountKind::BankCard),
                RegisterRule::NumberTaken {
                    holder: id(1).masked(),
                },
            ),
            (
                open(1, "张三", "NXS", 1, AccountKind::BankCard),
                RegisterRule::NumberRegistered {
                    status: AccountStatus::Unverified,
                },
            ),
            (
                open(2, "李斯", "NXS", 2, AccountKind::BankCard),
                RegisterRule::HolderName {
                    given: "李斯".into(),
                    registered: "李四".into(),
                },
            ),
            (
                open(2, " ", "NXS", 2, AccountKind::BankCard),
                RegisterRule::Blank {
                    field: "holder name",
                },
            ),
            (
                open(4, "钱七", "NXS", 2, AccountKind::BankCard),
                RegisterRule::HolderDeceased {
                    died: date!(2026 - 01 - 10),
                },
            ),
            (
                open(2, "李四", "XYZ", 2, AccountKind::BankCard),
                RegisterRule::UnknownBank { code: "XYZ".into() },
            ),
        ];
        for (command, rule) in cases {
            assert_eq!(rule_of(register.execute_account(command, DAY)), Some(rule));
            assert_eq!(register, before);
        }
        let message = register
            .execute_account(open(2, "李四", "NXS", 1, AccountKind::BankCard), DAY)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "account ***************{}: is already registered to another person \
                 ({}); one account number belongs to one person",
                &card(1)[15..],
                id(1).masked()
            )
        );
        // Mongolian names written with different middle dots are the same name.
        register.add_beneficiary(Beneficiary::new(id(5), "巴特尔·朝鲁", "H5", village()))?;
        register.execute_account(open(5, "巴特尔•朝鲁", "NXS", 5, AccountKind::BankCard), DAY)?;
        Ok(())
    }

    #[test]
    fn illegal_transitions_name_account_and_state() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(open(1, "张三", "NXS", 1, AccountKind::BankCard), DAY)?;
        register.execute_account(AccountCommand::Close { number: card(1) }, DAY)?;
        let before = register.clone();
        let message = register
            .execute_account(verify(1), DAY)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "account ***************{}: cannot verify an account that is closed (已注销); \
                 a closed account (注销) is final: register a new account instead",
                &card(1)[15..]
            )
        );
        for command in [
            AccountCommand::Close { number: card(1) },
            AccountCommand::Enrol {
                number: card(1),
                project: "GDLB".into(),
            },
            AccountCommand::Withdraw {
                number: card(1),
                project: "GDLB".into(),
            },
            AccountCommand::CorrectBank {
                number: card(1),
                bank_code: "ABC".into(),
            },
            AccountCommand::Change {
                number: card(1),
                new_number: number(2, AccountKind::BankCard),
                bank_code: "NXS".into(),
            },
        ] {
            let action = command.action();
            assert_eq!(
                rule_of(register.execute_account(command, DAY)),
                Some(RegisterRule::AccountState {
                    action,
                    status: AccountStatus::Closed
                })
            );
        }
        assert_eq!(
            rule_of(register.execute_account(verify(99), DAY)),
            Some(RegisterRule::UnknownAccount)
        );
        assert_eq!(register, before);
        Ok(())
    }

    #[test]
    fn enrol_and_withdraw() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(open(1, "张三", "NXS", 1, AccountKind::BankCard), DAY)?;
        register.execute_account(open(1, "张三", "ABC", 2, AccountKind::Passbook), DAY)?;
        let enrol = |n, project: &str| AccountCommand::Enrol {
            number: card(n),
            project: project.into(),
        };
        // An unverified account may be enrolled; it is paid once verified.
        register.execute_account(enrol(1, " GDLB "), DAY)?;
        assert!(
            register
                .account(&card(1))
                .is_some_and(|a| a.is_enrolled("GDLB"))
        );
        assert_eq!(register.payment_account(&id(1), "GDLB"), None);
        register.execute_account(verify(1), DAY)?;
        register.execute_account(verify(2), DAY)?;
        assert_eq!(
            register
                .payment_account(&id(1), "GDLB")
                .map(|a| a.number.as_str()),
            Some(card(1).as_str())
        );
        let before = register.clone();
        assert_eq!(
            rule_of(register.execute_account(enrol(1, "GDLB"), DAY)),
            Some(RegisterRule::AlreadyEnrolled {
                project: "GDLB".into()
            })
        );
        assert_eq!(
            rule_of(register.execute_account(enrol(2, "GDLB"), DAY)),
            Some(RegisterRule::EnrolledElsewhere {
                project: "GDLB".into(),
                other: number(1, AccountKind::BankCard).masked()
            })
        );
        assert_eq!(
            rule_of(register.execute_account(enrol(2, ""), DAY)),
            Some(RegisterRule::Blank { field: "project" })
        );
        assert_eq!(
            rule_of(register.execute_account(
                AccountCommand::Withdraw {
                    number: card(2),
                    project: "GDLB".into()
                },
                DAY
            )),
            Some(RegisterRule::NotEnrolled {
                project: "GDLB".into()
            })
        );
        assert_eq!(
            rule_of(register.execute_account(enrol(1, "GLJT"), date!(2026 - 03 - 01))),
            Some(RegisterRule::BeforeLastChange {
                on: date!(2026 - 03 - 01),
                last: DAY
            })
        );
        assert_eq!(register, before);

        register.execute_account(
            AccountCommand::Withdraw {
                number: card(1),
                project: "GDLB".into(),
            },
            DAY,
        )?;
        register.execute_account(enrol(2, "GDLB"), DAY)?;
        assert_eq!(
            register
                .payment_account(&id(1), "GDLB")
                .map(|a| a.number.as_str()),
            Some(card(2).as_str())
        );

        // A rejected account cannot be enrolled.
        register.execute_account(
            AccountCommand::Verify {
                number: card(1),
                result: VerificationResult::Rejected {
                    reason: "户名不符".into(),
                },
            },
            DAY,
        )?;
        let message = register
            .execute_account(enrol(1, "GLJT"), DAY)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.ends_with(
                "cannot enrol an account that is rejected by the bank (验证未通过: 户名不符); \
                 the bank must confirm the account first"
            ),
            "{message}"
        );
        assert_eq!(
            rule_of(register.execute_account(
                AccountCommand::Verify {
                    number: card(1),
                    result: VerificationResult::Rejected { reason: " ".into() },
                },
                DAY
            )),
            Some(RegisterRule::Blank {
                field: "bank's reason for the rejection"
            })
        );
        Ok(())
    }

    #[test]
    fn change_closes_old_and_opens_new_with_history() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(open(1, "张三", "ABC", 1, AccountKind::BankCard), DAY)?;
        register.execute_account(verify(1), DAY)?;
        register.execute_account(
            AccountCommand::Enrol {
                number: card(1),
                project: "GDLB".into(),
            },
            DAY,
        )?;
        let later = date!(2026 - 05 - 01);
        let before = register.clone();
        assert_eq!(
            rule_of(register.execute_account(
                AccountCommand::Change {
                    number: card(1),
                    new_number: number(1, AccountKind::SocialSecurityCard),
                    bank_code: "NXS".into(),
                },
                later
            )),
            Some(RegisterRule::SameNumber)
        );
        register.execute_account(open(3, "王五", "NXS", 3, AccountKind::BankCard), DAY)?;
        let with_other = register.clone();
        assert_eq!(
            rule_of(register.execute_account(
                AccountCommand::Change {
                    number: card(1),
                    new_number: number(3, AccountKind::BankCard),
                    bank_code: "NXS".into(),
                },
                later
            )),
            Some(RegisterRule::NumberTaken {
                holder: id(3).masked()
            })
        );
        assert_eq!(register, with_other);
        register = before;

        let events = register.execute_account(
            AccountCommand::Change {
                number: card(1),
                new_number: number(2, AccountKind::SocialSecurityCard),
                bank_code: "NXS".into(),
            },
            later,
        )?;
        assert_eq!(events.len(), 2);
        let old = register.account(&card(1)).ok_or("old")?;
        assert_eq!(old.status, AccountStatus::Closed);
        assert_eq!(
            old.history.last(),
            Some(&AccountChange {
                on: later,
                what: AccountChangeKind::Closed {
                    reason: CloseReason::Replaced {
                        by: number(2, AccountKind::SocialSecurityCard)
                    }
                }
            })
        );
        assert_eq!(old.history.len(), 4);
        let new = register.account(&card(2)).ok_or("new")?;
        assert_eq!(new.status, AccountStatus::Unverified);
        assert_eq!(new.holder, id(1));
        assert_eq!(new.bank_code, "NXS");
        assert!(new.is_enrolled("GDLB"));
        assert_eq!(
            new.history,
            vec![AccountChange {
                on: later,
                what: AccountChangeKind::Opened {
                    source: AccountSource::Registered,
                    replaces: Some(number(1, AccountKind::BankCard))
                }
            }]
        );
        assert_eq!(register.accounts_of(&id(1)).count(), 2);
        // Nothing payable until the bank verifies the new account.
        assert_eq!(register.payment_account(&id(1), "GDLB"), None);
        Ok(())
    }

    #[test]
    fn bank_correction_needs_new_verification() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(open(2, "李四", "ABC", 4, AccountKind::BankCard), DAY)?;
        register.execute_account(verify(4), DAY)?;
        assert_eq!(
            rule_of(register.execute_account(
                AccountCommand::CorrectBank {
                    number: card(4),
                    bank_code: "ABC".into()
                },
                DAY
            )),
            Some(RegisterRule::SameBank { code: "ABC".into() })
        );
        register.execute_account(
            AccountCommand::CorrectBank {
                number: card(4),
                bank_code: "NXS".into(),
            },
            DAY,
        )?;
        let account = register.account(&card(4)).ok_or("missing")?;
        assert_eq!(account.bank_code, "NXS");
        assert_eq!(account.status, AccountStatus::Unverified);
        assert_eq!(
            account.history.last().map(|c| &c.what),
            Some(&AccountChangeKind::BankChanged {
                from: "ABC".into(),
                to: "NXS".into()
            })
        );
        Ok(())
    }

    #[test]
    fn card_issuing_banks_may_pay_onto_their_cards() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(
            open(1, "张三", "NXS", 1, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        register.execute_account(open(1, "张三", "NXS", 2, AccountKind::BankCard), DAY)?;
        register.execute_account(open(2, "李四", "ABC", 3, AccountKind::BankCard), DAY)?;
        let account = |n| register.account(&card(n)).ok_or("missing");
        let elsewhere = RegionCode::from_u64(110_105_000_000)?;
        // NXS has no agreement but issues social security cards.
        assert!(register.may_pay_onto(account(1)?, elsewhere, DAY));
        assert!(!register.may_pay_onto(account(2)?, village(), DAY));
        // ABC pays by agreement in its county only, and only while it is valid.
        assert!(register.may_pay_onto(account(3)?, village(), DAY));
        assert!(!register.may_pay_onto(account(3)?, elsewhere, DAY));
        assert!(!register.may_pay_onto(account(3)?, village(), date!(2019 - 06 - 01)));
        Ok(())
    }

    #[test]
    fn lookups_by_hash_still_list_and_serialize_in_key_order() -> TestResult {
        let person = |n: u32| Beneficiary::new(id(n), "张三", format!("H{n}"), village());
        let mut forward = Register::new();
        let mut backward = Register::new();
        for n in [1, 2, 3] {
            forward.upsert_beneficiary(person(n));
        }
        for n in [3, 1, 2, 3] {
            backward.upsert_beneficiary(person(n));
        }
        let mut changed = person(2);
        changed.phone = Some("13800000000".to_owned());
        backward.upsert_beneficiary(changed);
        assert_ne!(backward, forward);
        backward.upsert_beneficiary(person(2));
        assert_eq!(backward, forward);
        let listed: Vec<ResidentId> = backward
            .beneficiaries()
            .map(|person| person.resident_id)
            .collect();
        assert_eq!(listed, [id(1), id(2), id(3)]);
        assert_eq!(backward.beneficiaries().len(), 3);
        assert_eq!(
            serde_json::to_string(&backward)?,
            serde_json::to_string(&forward)?
        );
        assert_eq!(
            backward
                .beneficiary(&id(3))
                .map(|p| p.household_id.as_str()),
            Some("H3")
        );
        Ok(())
    }

    #[test]
    fn serde_round_trip_rebuilds_the_holder_index() -> TestResult {
        let mut register = fixture()?;
        register.execute_account(
            open(1, "张三", "NXS", 1, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        register.execute_account(open(2, "李四", "ABC", 2, AccountKind::BankCard), DAY)?;
        let json = serde_json::to_string(&register)?;
        assert!(!json.contains("holders"), "{json}");
        assert!(json.contains(r#""valid_from":"2020-01-01""#), "{json}");
        let back: Register = serde_json::from_str(&json)?;
        assert_eq!(back, register);
        assert_eq!(back.accounts_of(&id(2)).count(), 1);
        // Loading an account onto another holder moves it in the index.
        let mut moved = register.account(&card(2)).cloned().ok_or("missing")?;
        moved.holder = id(3);
        let mut register = back;
        register.upsert_account(moved);
        assert_eq!(register.accounts_of(&id(2)).count(), 0);
        assert_eq!(register.accounts_of(&id(3)).count(), 1);
        let again: Register = serde_json::from_str(&serde_json::to_string(&register)?)?;
        assert_eq!(again, register);
        Ok(())
    }

    // ----- card import -----

    fn record(
        line: u64,
        id_text: &str,
        name: &str,
        card_number: &str,
        bank: &str,
    ) -> SocialSecurityCardRecord {
        SocialSecurityCardRecord {
            line,
            resident_id: id_text.into(),
            name: name.into(),
            card_number: card_number.into(),
            bank_code: bank.into(),
        }
    }

    #[test]
    fn card_import_known_values() -> TestResult {
        let mut register = fixture()?;
        // 张三 has an old card at NXS enrolled for GDLB; 李四 has card 2 at ABC; 王五 has a
        // closed card 3.
        register.execute_account(
            open(1, "张三", "NXS", 1, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        register.execute_account(
            AccountCommand::Enrol {
                number: card(1),
                project: "GDLB".into(),
            },
            DAY,
        )?;
        register.execute_account(
            open(2, "李四", "ABC", 2, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        register.execute_account(
            open(3, "王五", "NXS", 3, AccountKind::SocialSecurityCard),
            DAY,
        )?;
        register.execute_account(AccountCommand::Close { number: card(3) }, DAY)?;
        register.add_beneficiary(Beneficiary::new(id(6), "周九", "H6", village()))?;
        register.add_beneficiary(Beneficiary::new(id(8), "吴十", "H8", village()))?;
        register.execute_account(
            open(8, "吴十", "NXS", 8, AccountKind::SocialSecurityCard),
            DAY,
        )?;

        let on = date!(2026 - 04 - 01);
        let s = |n: u32| id(n).as_str().to_owned();
        let records = [
            record(2, &s(1), "张三", &card(11), "NXS"), // updated: reissued card
            record(3, &s(2), "李四", &card(2), "NXS"),  // updated: bank corrected
            record(4, &s(8), "吴十", &card(8), "NXS"),  // unchanged
            record(5, &s(6), "周九", &card(6), "NXS"),  // created
            record(6, "15042219600101007X", "某", &card(7), "NXS"), // invalid ID
            record(7, &s(7), "孙八", &card(7), "NXS"),  // unknown ID
            record(8, &s(3), "王伍", &card(13), "NXS"), // name mismatch
            record(9, &s(3), "王五", &card(2), "NXS"),  // card held by 李四
            record(10, &s(3), "王五", "6228480000000000019", "NXS"), // invalid card number
            record(11, &s(3), "王五", &card(13), "ICBC"), // unknown bank
            record(12, &s(3), "王五", &card(3), "NXS"), // closed card
            record(13, &s(6), "周九", &card(16), "NXS"), // person twice
            record(14, &s(3), "王五", &card(6), "NXS"), // card twice
            record(15, "bad", "", "x", "?"),            // three faults
        ];
        let report = register.plan_card_import(&records, on);
        assert_eq!(
            (
                report.created,
                report.updated,
                report.unchanged,
                report.rejected
            ),
            (1, 2, 1, 10)
        );
        let rules: Vec<(u64, CardField)> =
            report.problems.iter().map(|p| (p.line, p.field)).collect();
        assert_eq!(
            rules,
            vec![
                (6, CardField::ResidentId),
                (7, CardField::ResidentId),
                (8, CardField::Name),
                (9, CardField::CardNumber),
                (10, CardField::CardNumber),
                (11, CardField::BankCode),
                (12, CardField::CardNumber),
                (13, CardField::ResidentId),
                (14, CardField::CardNumber),
                (15, CardField::ResidentId),
                (15, CardField::CardNumber),
                (15, CardField::BankCode),
            ]
        );
        let rule_at = |line| {
            report
                .problems
                .iter()
                .find(|p| p.line == line)
                .map(|p| p.rule.clone())
        };
        assert!(matches!(
            rule_at(6),
            Some(CardImportRule::ResidentId {
                rule: ResidentIdRule::CheckCharacter { .. }
            })
        ));
        assert_eq!(rule_at(7), Some(CardImportRule::UnknownResident));
        assert_eq!(
            rule_at(8),
            Some(CardImportRule::NameMismatch {
                registered: "王五".into()
            })
        );
        assert_eq!(
            rule_at(9),
            Some(CardImportRule::HeldByOther {
                holder: id(2).masked()
            })
        );
        assert_eq!(
            rule_at(10),
            Some(CardImportRule::CardNumber {
                rule: AccountRule::Luhn
            })
        );
        assert_eq!(rule_at(11), Some(CardImportRule::UnknownBank));
        assert_eq!(rule_at(12), Some(CardImportRule::ClosedCard));
        assert_eq!(
            rule_at(13),
            Some(CardImportRule::DuplicatePerson { first_line: 5 })
        );
        assert_eq!(
            rule_at(14),
            Some(CardImportRule::DuplicateCard { first_line: 5 })
        );
        assert_eq!(
            report.problems[2].to_string(),
            "line 8, name (姓名) \"王伍\": the registered name is \"王五\"; a card in another \
             name is not linked — check with the HR department which name is right"
        );

        // Nothing changed by planning; applying does the whole import.
        let planned = register.clone();
        let again = register.plan_card_import(&records, on);
        assert_eq!(again, report);
        assert_eq!(register, planned);
        for event in &report.events {
            register.apply_account(event);
        }
        let old = register.account(&card(1)).ok_or("old")?;
        assert_eq!(old.status, AccountStatus::Closed);
        let new = register.account(&card(11)).ok_or("new")?;
        assert_eq!(new.status, AccountStatus::Unverified);
        assert!(new.is_enrolled("GDLB"));
        assert_eq!(
            new.history.first().map(|c| &c.what),
            Some(&AccountChangeKind::Opened {
                source: AccountSource::CardImport { line: 2 },
                replaces: Some(number(1, AccountKind::SocialSecurityCard))
            })
        );
        assert_eq!(
            register.account(&card(2)).map(|a| a.bank_code.as_str()),
            Some("NXS")
        );
        assert_eq!(
            register.account(&card(6)).map(|a| (a.holder, a.kind())),
            Some((id(6), AccountKind::SocialSecurityCard))
        );
        // Importing the same file again creates and updates nothing.
        let rerun = register.plan_card_import(&records, on);
        assert_eq!((rerun.created, rerun.updated, rerun.unchanged), (0, 0, 4));
        assert!(rerun.events.is_empty());
        Ok(())
    }

    #[test]
    fn card_import_of_a_deceased_person_is_rejected() -> TestResult {
        let mut register = fixture()?;
        let mut dead = Beneficiary::new(id(4), "钱七", "H4", village());
        dead.deceased_on = Some(date!(2026 - 01 - 10));
        register.add_beneficiary(dead)?;
        let report =
            register.plan_card_import(&[record(2, id(4).as_str(), "钱七", &card(4), "NXS")], DAY);
        assert_eq!(report.rejected, 1);
        assert_eq!(
            report.problems.first().map(|p| p.rule.clone()),
            Some(CardImportRule::Deceased {
                died: date!(2026 - 01 - 10)
            })
        );
        Ok(())
    }

    // ----- properties -----

    /// A command over small pools: holders 1–4 (4 is unknown), numbers 1–6, banks
    /// NXS, ABC and an unknown one, two projects, and days that sometimes go back.
    fn command() -> impl Strategy<Value = (AccountCommand, i64)> {
        let holder = 1u32..=4;
        let n = 1u32..=6;
        let bank = proptest::sample::select(vec!["NXS", "ABC", "XYZ"]);
        let project = proptest::sample::select(vec!["GDLB", "GLJT", " "]);
        let kind = any::<AccountKind>();
        let day = -2i64..10;
        let names = ["", "张三", "李四", "王五", "钱七"];
        let command = prop_oneof![
            (holder, n.clone(), bank.clone(), kind).prop_map(move |(h, n, b, k)| {
                let kind = if k == AccountKind::Passbook {
                    AccountKind::BankCard
                } else {
                    k
                };
                open(h, names[h as usize], b, n, kind)
            }),
            (n.clone(), any::<bool>()).prop_map(|(n, ok)| AccountCommand::Verify {
                number: card(n),
                result: if ok {
                    VerificationResult::Confirmed
                } else {
                    VerificationResult::Rejected {
                        reason: "户名不符".into(),
                    }
                },
            }),
            (n.clone(), n.clone(), bank.clone()).prop_map(|(a, b, bank)| AccountCommand::Change {
                number: card(a),
                new_number: number(b, AccountKind::BankCard),
                bank_code: bank.into(),
            }),
            (n.clone(), bank).prop_map(|(n, bank)| AccountCommand::CorrectBank {
                number: card(n),
                bank_code: bank.into(),
            }),
            n.clone()
                .prop_map(|n| AccountCommand::Close { number: card(n) }),
            (n.clone(), project.clone()).prop_map(|(n, p)| AccountCommand::Enrol {
                number: card(n),
                project: p.into(),
            }),
            (n, project).prop_map(|(n, p)| AccountCommand::Withdraw {
                number: card(n),
                project: p.into(),
            }),
        ];
        (command, day)
    }

    fn history_len(register: &Register) -> usize {
        register.accounts().map(|a| a.history.len()).sum()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn account_commands_keep_the_register_legal(
            commands in proptest::collection::vec(command(), 1..40),
        ) {
            let mut register = fixture().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut day = DAY;
            let mut closed: BTreeSet<String> = BTreeSet::new();
            for (command, step) in commands {
                day = day.saturating_add(time::Duration::days(step));
                let before = register.clone();
                let entries_before = history_len(&register);
                match register.execute_account(command, day) {
                    Err(error) => {
                        let refused_by_register = matches!(error, Error::Register { .. });
                        prop_assert!(refused_by_register, "{}", error);
                        prop_assert_eq!(&register, &before);
                    }
                    Ok(events) => {
                        prop_assert!(!events.is_empty());
                        prop_assert_eq!(history_len(&register), entries_before + events.len());
                        // Every event round-trips through JSON and replays the same.
                        let mut replayed = before.clone();
                        for event in &events {
                            let json = serde_json::to_string(event)
                                .map_err(|e| TestCaseError::fail(e.to_string()))?;
                            let back: AccountEvent = serde_json::from_str(&json)
                                .map_err(|e| TestCaseError::fail(e.to_string()))?;
                            replayed.apply_account(&back);
                        }
                        prop_assert_eq!(&replayed, &register);
                    }
                }
                for number in &closed {
                    let account = register.account(number);
                    prop_assert!(account.is_some_and(|a| a.is_closed() && !a.is_payable()));
                }
                let mut projects: BTreeSet<(ResidentId, &str)> = BTreeSet::new();
                for (key, account) in register.accounts.iter() {
                    prop_assert_eq!(key.as_str(), account.number.as_str());
                    prop_assert!(!account.history.is_empty());
                    prop_assert!(account.history.windows(2).all(|w| w[0].on <= w[1].on));
                    // The index lists the account under its holder, and only there.
                    let holders: Vec<&ResidentId> = register
                        .holders
                        .iter()
                        .filter(|(_, keys)| keys.contains(key))
                        .map(|(holder, _)| holder)
                        .collect();
                    prop_assert_eq!(holders, vec![&account.holder]);
                    prop_assert!(register.beneficiary(&account.holder).is_some());
                    if account.is_closed() {
                        closed.insert(key.to_string());
                    } else {
                        for project in &account.enrolments {
                            prop_assert!(projects.insert((account.holder, project.as_str())));
                        }
                    }
                }
            }
            let json = serde_json::to_string(&register)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Register = serde_json::from_str(&json)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, register);
        }

        #[test]
        fn linked_lookups_always_agree_with_keyed_lookups(
            steps in proptest::collection::vec((0u8..3, 1u32..=5, 1u32..=3, 1u32..=4), 1..40),
        ) {
            // Loads in any order: people who move household, households whose member
            // lists are wrong, accounts that change holder. The links are hints; a
            // linked lookup must still find exactly what the keyed lookup finds.
            let mut register = Register::new();
            let check = |register: &Register| -> Result<(), TestCaseError> {
                for slot in 0..register.beneficiary_slots() {
                    let person = register.beneficiary_at(slot).ok_or_else(|| TestCaseError::fail("slot"))?;
                    prop_assert_eq!(
                        register.linked_household(slot, person),
                        register.household(&person.household_id)
                    );
                    prop_assert_eq!(
                        register.beneficiary_position_near(&person.resident_id, slot ^ 1),
                        Some(slot)
                    );
                    let numbers = register.accounts().map(|account| account.number.as_str());
                    for number in numbers.chain([card(9).as_str()]) {
                        prop_assert_eq!(
                            register.linked_account(Some(slot), number).map(|a| &a.number),
                            register.account(number).map(|a| &a.number)
                        );
                        prop_assert!(register.account(number).is_some() || number == card(9));
                    }
                }
                Ok(())
            };
            for (what, person, household, n) in steps {
                match what {
                    0 => register.upsert_beneficiary(Beneficiary::new(
                        id(person),
                        "张三",
                        format!("H{household}"),
                        village(),
                    )),
                    1 => register.upsert_household(Household {
                        id: format!("H{household}").into(),
                        head: id(person),
                        members: vec![id(person), id(person % 5 + 1)],
                    }),
                    _ => register.upsert_account(Account::new(
                        id(person),
                        "张三".to_owned(),
                        "NXS".to_owned(),
                        number(n, AccountKind::SocialSecurityCard),
                    )),
                }
                check(&register)?;
            }
            let json = serde_json::to_string(&register)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Register = serde_json::from_str(&json)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            check(&back)?;
        }

        #[test]
        fn card_import_accounts_for_every_line(
            lines in proptest::collection::vec(
                (0u32..=5, 0usize..3, 1u32..=6, any::<bool>(), 0usize..3),
                0..30,
            ),
            existing in proptest::collection::vec((1u32..=3, 1u32..=6, any::<bool>()), 0..5),
        ) {
            let mut register = fixture().map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (holder, n, close) in existing {
                let name = ["", "张三", "李四", "王五"][holder as usize];
                if register
                    .execute_account(open(holder, name, "NXS", n, AccountKind::SocialSecurityCard), DAY)
                    .is_ok()
                    && close
                {
                    register
                        .execute_account(AccountCommand::Close { number: card(n) }, DAY)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
            }
            let names = ["张三", "李四", "王五", "某某"];
            let records: Vec<SocialSecurityCardRecord> = lines
                .iter()
                .enumerate()
                .map(|(i, &(holder, name, n, valid_card, bank))| {
                    let id_text = if holder == 0 {
                        "15042219600101000X".to_owned()
                    } else {
                        id(holder).as_str().to_owned()
                    };
                    let name = if name == 0 {
                        names[((holder + 3) % 4) as usize]
                    } else {
                        names[(name + 2) % 4]
                    };
                    let number = if valid_card { card(n) } else { format!("{}0", card(n)) };
                    record(i as u64 + 2, &id_text, name, &number, ["NXS", "ABC", "XYZ"][bank])
                })
                .collect();
            let report = register.plan_card_import(&records, DAY);
            prop_assert_eq!(
                report.created + report.updated + report.unchanged + report.rejected,
                records.len()
            );
            let rejected_lines: BTreeSet<u64> = report.problems.iter().map(|p| p.line).collect();
            prop_assert_eq!(rejected_lines.len(), report.rejected);
            let before = register.clone();
            for event in &report.events {
                register.apply_account(event);
            }
            // Accepted lines now agree with the register; rejected ones changed nothing
            // they named.
            for record in &records {
                let key = number_key(&record.card_number);
                if rejected_lines.contains(&record.line) {
                    let had = before.account(&key);
                    let has = register.account(&key);
                    prop_assert!(had.is_none() || has == had || report.events.iter().any(|e| e.number().as_str() == key));
                } else {
                    let account = register.account(&key);
                    let agrees = account.is_some_and(|a| {
                        a.holder.as_str() == record.resident_id
                            && a.bank_code == record.bank_code
                            && !a.is_closed()
                    });
                    prop_assert!(agrees, "line {} not applied", record.line);
                }
            }
            let rerun = register.plan_card_import(&records, DAY);
            prop_assert_eq!((rerun.created, rerun.updated), (0, 0));
        }
    }
}
