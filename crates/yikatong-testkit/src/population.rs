//! A synthetic township: households of herders with grassland, each head holding a
//! verified bank card at an agent bank with an agreement in the county, and the
//! roster file a township clerk would send for 草原生态保护补助奖励. Same seed, same
//! township.
//!
//! ```
//! use yikatong_testkit::population::{Township, TownshipSpec};
//!
//! let town = Township::generate(&TownshipSpec { households: 50, ..TownshipSpec::default() })?;
//! assert_eq!(town.register.beneficiaries().len(), town.people);
//! assert_eq!(town.roster_csv().lines().count(), 1 + 50);
//! # Ok::<(), yikatong_core::Error>(())
//! ```

use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use time::macros::date;
use yikatong_core::{
    Account, AccountKind, AccountNumber, AccountStatus, AgencyAgreement, AgentBank, Beneficiary,
    CreditCode, Household, RegionCode, RegionLevel, Register, ResidentId,
};

use crate::ids::IdGenerator;

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "包", "白", "宝", "韩", "乌", "那",
];
const GIVEN: [&str; 20] = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "巴特尔",
    "其其格",
    "额尔敦",
    "斯琴",
    "海军",
    "丽娟",
    "春梅",
    "宝音",
    "乌云",
    "格日勒",
    "玉梅",
    "国华",
    "淑珍",
    "明",
    "娜仁",
    "朝鲁",
];

/// Area code (巴林右旗) of the ID numbers of people who are not in the register.
const OUTSIDE_COUNTY: &str = "150423";

/// The agent bank every generated card belongs to.
pub const BANK_CODE: &str = "NMNX";

/// What to generate.
#[derive(Debug, Clone)]
pub struct TownshipSpec {
    /// Seed of the generator.
    pub seed: u64,
    /// Number of households.
    pub households: usize,
    /// The township's 9-digit code (villages are `001`…`020` below it); not in 巴林右旗
    /// (150423), whose ID numbers stand for people outside the register.
    pub township: &'static str,
    /// Largest household (members are 1 to this many; at least 1).
    pub max_members: u32,
    /// Share of roster lines, in per mille, made bad on purpose (an invalid ID number, an
    /// unknown person, a holder name that differs, an unreadable area).
    pub bad_per_mille: u32,
}

impl Default for TownshipSpec {
    fn default() -> TownshipSpec {
        TownshipSpec {
            seed: 2026,
            households: 1_000,
            township: "150422100",
            max_members: 5,
            bad_per_mille: 0,
        }
    }
}

/// One generated roster line (a household head), as the clerk's file has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// 身份证号 (possibly broken on purpose).
    pub resident_id: String,
    /// 姓名.
    pub name: String,
    /// 家庭人口.
    pub household_members: u32,
    /// 村（嘎查）代码.
    pub village: String,
    /// 草原面积（亩）, as written.
    pub grassland_mu: String,
    /// 开户银行.
    pub bank: String,
    /// 卡号.
    pub account_number: String,
    /// 户名.
    pub holder_name: String,
    /// What was made bad on purpose, if anything.
    pub defect: Option<RowDefect>,
}

/// A defect put into a roster line on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowDefect {
    /// The ID number breaks a GB 11643 rule.
    InvalidId,
    /// A valid ID number of someone not in the register.
    UnknownPerson,
    /// The account holder's name differs from the beneficiary's (a warning, not an error).
    HolderNameDiffers,
    /// The area is not a number ("一百二").
    UnreadableArea,
}

impl RowDefect {
    /// Whether the defect is an error that keeps the line off the roster.
    pub fn is_error(self) -> bool {
        self != RowDefect::HolderNameDiffers
    }
}

/// A generated township: its register and its roster file.
#[derive(Debug, Clone)]
pub struct Township {
    /// The township's code.
    pub township: RegionCode,
    /// Beneficiaries, households, the agent bank, its agreement and the heads' cards.
    pub register: Register,
    /// One row per household head, in household order.
    pub rows: Vec<RosterRow>,
    /// Number of people generated.
    pub people: usize,
}

impl Township {
    /// Generates a township from `spec`; the same spec gives the same township.
    /// Fails only if `spec.township` is not a valid 9-digit township code.
    pub fn generate(spec: &TownshipSpec) -> Result<Township, yikatong_core::Error> {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut ids = IdGenerator::new(spec.seed ^ 0x5EED);
        let township = RegionCode::parse(spec.township)?;
        let county_code = township.truncate(RegionLevel::County);
        let county = county_code.to_short_string();
        let mut register = Register::new();
        let bank_credit = CreditCode::parse(&ids.credit_code()).ok();
        if let Some(credit_code) = bank_credit {
            register.upsert_bank(AgentBank {
                code: BANK_CODE.to_owned(),
                name: "内蒙古农村商业银行".to_owned(),
                credit_code,
                issues_social_security_cards: true,
            });
        }
        register.add_agreement(AgencyAgreement {
            bank_code: BANK_CODE.to_owned(),
            county: county_code,
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        });
        let mut rows = Vec::with_capacity(spec.households);
        let mut people = 0;
        for number in 0..spec.households {
            let village_no = rng.random_range(1u32..=20);
            let village = RegionCode::parse(&format!("{}{village_no:03}", spec.township))?;
            let household_id = format!("{}-{number:06}", spec.township);
            let size = rng.random_range(1u32..=spec.max_members.max(1));
            // Grassland in tenths of a mu: most herders 50–3,000 mu, a few very large.
            let tenths = if rng.random_range(0u32..50) == 0 {
                rng.random_range(30_000i64..=200_000)
            } else {
                rng.random_range(500i64..=30_000)
            };
            let grassland = Decimal::new(tenths, 1);
            let mut members = Vec::new();
            let mut head_name = String::new();
            let surname = SURNAMES[rng.random_range(0..SURNAMES.len())];
            for member in 0..size {
                let (from, to) = if member == 0 {
                    (date!(1940 - 01 - 01), date!(1990 - 12 - 31))
                } else {
                    (date!(1940 - 01 - 01), date!(2020 - 12 - 31))
                };
                let Ok(id) = ResidentId::parse(&ids.resident_id_in(&county, from, to)) else {
                    continue;
                };
                if register.beneficiary(&id).is_some() {
                    continue;
                }
                let name = format!("{surname}{}", GIVEN[rng.random_range(0..GIVEN.len())]);
                let mut beneficiary = Beneficiary {
                    resident_id: id,
                    name: name.into(),
                    household_id: household_id.as_str().into(),
                    village,
                    phone: Some(format!("13{:09}", rng.random_range(0u32..1_000_000_000))),
                    tags: Default::default(),
                    quantities: Default::default(),
                    per_capita_income: None,
                    deceased_on: None,
                };
                beneficiary.tags.insert("rural_hukou".to_owned());
                if members.is_empty() {
                    // The head holds the household's grassland contract.
                    beneficiary.name.as_str().clone_into(&mut head_name);
                    beneficiary
                        .quantities
                        .insert("grassland_mu".to_owned(), grassland);
                }
                members.push(id);
                register.upsert_beneficiary(beneficiary);
                people += 1;
            }
            let Some(&head) = members.first() else {
                continue;
            };
            register.upsert_household(Household {
                id: household_id.into(),
                head,
                members: members.clone(),
            });
            let card = ids.bank_card();
            if let Ok(number) = AccountNumber::parse(&card, AccountKind::BankCard) {
                let mut account = Account::new(head, head_name.clone(), BANK_CODE, number);
                account.status = AccountStatus::Verified;
                register.upsert_account(account);
            }
            let mut row = RosterRow {
                resident_id: head.as_str().to_owned(),
                name: head_name.clone(),
                household_members: u32::try_from(members.len()).unwrap_or(1),
                village: village.to_string(),
                grassland_mu: grassland.to_string(),
                bank: BANK_CODE.to_owned(),
                account_number: card,
                holder_name: head_name,
                defect: None,
            };
            if rng.random_range(0u32..1000) < spec.bad_per_mille {
                let defect = match rng.random_range(0u8..4) {
                    0 => {
                        row.resident_id = ids.invalid_resident_id();
                        RowDefect::InvalidId
                    }
                    1 => {
                        // From a county no generated person lives in, so never registered.
                        row.resident_id = ids.resident_id_in(
                            OUTSIDE_COUNTY,
                            date!(1940 - 01 - 01),
                            date!(1990 - 12 - 31),
                        );
                        RowDefect::UnknownPerson
                    }
                    2 => {
                        row.holder_name = format!("{}某", row.holder_name);
                        RowDefect::HolderNameDiffers
                    }
                    _ => {
                        row.grassland_mu = "一百二".to_owned();
                        RowDefect::UnreadableArea
                    }
                };
                row.defect = Some(defect);
            }
            rows.push(row);
        }
        Ok(Township {
            township,
            register,
            rows,
            people,
        })
    }

    /// The roster file as UTF-8 CSV with Chinese headers (no BOM).
    pub fn roster_csv(&self) -> String {
        let mut out = String::with_capacity(self.rows.len() * 110 + 128);
        out.push_str("身份证号,姓名,家庭人口,村（嘎查）代码,草原面积（亩）,开户银行,卡号,户名\n");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                row.resident_id,
                row.name,
                row.household_members,
                row.village,
                row.grassland_mu,
                row.bank,
                row.account_number,
                row.holder_name
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_township_and_every_head_has_a_payable_card()
    -> Result<(), yikatong_core::Error> {
        let spec = TownshipSpec {
            households: 200,
            bad_per_mille: 100,
            ..TownshipSpec::default()
        };
        let one = Township::generate(&spec)?;
        let two = Township::generate(&spec)?;
        assert_eq!(one.rows, two.rows);
        assert_eq!(one.register, two.register);
        assert_eq!(one.rows.len(), 200);
        let bad = one.rows.iter().filter(|row| row.defect.is_some()).count();
        assert!((5..=40).contains(&bad), "{bad} bad rows");
        for row in one.rows.iter().filter(|row| row.defect.is_none()) {
            let id = ResidentId::parse(&row.resident_id)?;
            let account = one.register.payment_account(&id, "CYSTBH-CXPH");
            assert_eq!(
                account.map(|a| a.number.as_str()),
                Some(row.account_number.as_str())
            );
            assert!(
                one.register
                    .bank_may_pay_in(BANK_CODE, one.township, date!(2026 - 11 - 01))
            );
        }
        Ok(())
    }
}
