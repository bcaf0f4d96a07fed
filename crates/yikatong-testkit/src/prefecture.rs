//! A synthetic prefecture (盟市): every county (旗县) and township (苏木乡镇/街道) of
//! one prefecture of the bundled NBS 2023 region table, with households spread
//! over its real villages (嘎查/村/社区), their people, land, grassland and
//! livestock, and each adult's social security card and some heads' bank cards at
//! agent banks that have agreements in every county. Same spec, same prefecture.
//!
//! **The register is the truth** (公安 identity, 民政 deaths, 社保 cards): it holds
//! each person once, keyed by ID number, and each account once, keyed by number.
//! The injected anomalies therefore live where they live in practice, in the
//! roster files the township clerks send ([`Population::roster_records`],
//! [`Population::roster_csv`]): a person the register knows to be dead still
//! listed, a person listed by a second township, a payee listed with someone
//! else's card. Only a wrong holder name is in the register itself (the bank
//! opened the account under a misspelt name), so it also shows in rosters built
//! from the register ([`Population::built_rosters`]). [`Population::ground_truth`]
//! says which person has which anomaly.
//!
//! Anomalies are put on household heads aged 60 or more without an employee
//! pension (so that each one is on the basic-pension roster, and on the
//! per-household rosters its facts qualify for); the first two households of each
//! township (an old couple with land and a 低保 household with a severely disabled
//! head) are never touched, so that every township has someone on each roster.
//!
//! ```
//! use yikatong_testkit::prefecture::{AnomalySpec, Population, PrefectureSpec};
//!
//! let spec = PrefectureSpec {
//!     beneficiaries: 3_000,
//!     anomalies: AnomalySpec::each(5),
//!     ..PrefectureSpec::default()
//! };
//! let population = Population::generate(&spec)?;
//! assert_eq!(population.prefecture.to_short_string(), "1504"); // 赤峰市
//! assert_eq!(population.townships.len(), 197);
//! assert_eq!(population.register.beneficiaries().len(), population.people);
//! assert_eq!(population.ground_truth.len(), 4 * (population.people * 5 / 1000));
//! assert_eq!(Population::generate(&spec)?.register, population.register);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use time::Date;
use time::macros::date;
use yikatong_core::roster::RosterRule;
use yikatong_core::{
    Account, AccountKind, AccountNumber, AccountStatus, AgencyAgreement, AgentBank, Amount,
    Beneficiary, CompactString, CreditCode, Error, HeldProjects, Household, IntakeMode,
    PaymentUnit, Period, PolicyCatalog, RegionCode, RegionLevel, RegionTree, Register, ResidentId,
    Roster, RosterField, RosterHeader, RosterRecord, Sex, ValidationReport, entitle,
};

use crate::ids::IdGenerator;

/// An agent bank the generated cards belong to.
///
/// The BINs are plausible six-digit prefixes in the ranges Chinese debit cards use;
/// they are not claimed to be the banks' registered BINs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankProfile {
    /// The bank's code in the register.
    pub code: &'static str,
    /// The bank's name.
    pub name: &'static str,
    /// BIN of its debit cards (银行卡).
    pub card_bin: &'static str,
    /// BIN of the social security cards (社会保障卡) it issues.
    pub social_security_bin: &'static str,
}

/// The agent banks of every generated prefecture, each with agreements in every county.
pub const BANKS: [BankProfile; 4] = [
    BankProfile {
        code: "ABC",
        name: "中国农业银行",
        card_bin: "622848",
        social_security_bin: "623052",
    },
    BankProfile {
        code: "NMNX",
        name: "内蒙古农村商业银行",
        card_bin: "621737",
        social_security_bin: "623506",
    },
    BankProfile {
        code: "PSBC",
        name: "中国邮政储蓄银行",
        card_bin: "621799",
        social_security_bin: "623188",
    },
    BankProfile {
        code: "CCB",
        name: "中国建设银行",
        card_bin: "621700",
        social_security_bin: "623668",
    },
];

/// The bank profile with this code.
pub fn bank_profile(code: &str) -> Option<&'static BankProfile> {
    BANKS.iter().find(|bank| bank.code == code)
}

/// Rates of injected anomalies, each in per mille of the people generated
/// (rounded down). The default injects none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AnomalySpec {
    /// People the register records as dead whom their township still lists.
    pub deceased_still_listed: u32,
    /// People listed by a second township besides their own.
    pub person_in_two_townships: u32,
    /// Payees listed with the card of another person of their township.
    pub shared_account: u32,
    /// People whose account the bank holds under a wrong name.
    pub wrong_holder_name: u32,
}

impl AnomalySpec {
    /// No anomalies.
    pub fn none() -> AnomalySpec {
        AnomalySpec::default()
    }

    /// `per_mille` of each kind.
    pub fn each(per_mille: u32) -> AnomalySpec {
        AnomalySpec {
            deceased_still_listed: per_mille,
            person_in_two_townships: per_mille,
            shared_account: per_mille,
            wrong_holder_name: per_mille,
        }
    }

    /// The rate of `anomaly`, in per mille.
    pub fn rate(&self, anomaly: Anomaly) -> u32 {
        match anomaly {
            Anomaly::DeceasedStillListed => self.deceased_still_listed,
            Anomaly::PersonInTwoTownships => self.person_in_two_townships,
            Anomaly::SharedAccount => self.shared_account,
            Anomaly::WrongHolderName => self.wrong_holder_name,
        }
    }
}

/// A kind of injected anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Anomaly {
    /// 死亡未销户: the register has a date of death, the township still lists the person.
    DeceasedStillListed,
    /// 重复享受: the person's own township and a second one both list the person.
    PersonInTwoTownships,
    /// 一卡多人: the person is listed with another person's card.
    SharedAccount,
    /// 户名不符: the person's account is held under a name that is not theirs.
    WrongHolderName,
}

impl Anomaly {
    /// Every kind, in the order they are injected.
    pub const ALL: [Anomaly; 4] = [
        Anomaly::DeceasedStillListed,
        Anomaly::PersonInTwoTownships,
        Anomaly::SharedAccount,
        Anomaly::WrongHolderName,
    ];

    /// The code of the roster problem (`ProblemRule::code`) that intake reports for
    /// the anomaly's line.
    pub fn problem_code(self) -> &'static str {
        match self {
            Anomaly::DeceasedStillListed => "deceased",
            Anomaly::PersonInTwoTownships => "outside_township",
            Anomaly::SharedAccount => "account_of_another_person",
            Anomaly::WrongHolderName => "holder_name_differs",
        }
    }
}

/// One injected anomaly, as an auditor would want it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroundTruth {
    /// What is wrong.
    pub anomaly: Anomaly,
    /// The person concerned.
    pub resident_id: ResidentId,
    /// The townships whose roster files list the person: the own township first, then
    /// for [`Anomaly::PersonInTwoTownships`] the second one.
    pub townships: Vec<RegionCode>,
    /// The account concerned: the other person's card for [`Anomaly::SharedAccount`],
    /// the misnamed account for [`Anomaly::WrongHolderName`].
    pub account: Option<CompactString>,
    /// The card's holder, for [`Anomaly::SharedAccount`].
    pub other_person: Option<ResidentId>,
    /// The date of death, for [`Anomaly::DeceasedStillListed`].
    pub died_on: Option<Date>,
    /// The wrong holder name, for [`Anomaly::WrongHolderName`].
    pub wrong_name: Option<CompactString>,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefectureSpec {
    /// Seed of the generator.
    pub seed: u64,
    /// The prefecture: a name (`赤峰市`, or a path such as `内蒙古自治区/赤峰市`) or its
    /// 4-, 6- or 12-digit code.
    pub prefecture: String,
    /// About how many people to generate (the result is within a few of it).
    pub beneficiaries: usize,
    /// Anomalies to inject.
    pub anomalies: AnomalySpec,
    /// The day ages are reckoned on; deaths are before it.
    pub as_of: Date,
}

impl Default for PrefectureSpec {
    fn default() -> PrefectureSpec {
        PrefectureSpec {
            seed: 2026,
            prefecture: "赤峰市".to_owned(),
            beneficiaries: 50_000,
            anomalies: AnomalySpec::none(),
            as_of: date!(2026 - 11 - 01),
        }
    }
}

/// One township of the generated prefecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TownshipInfo {
    /// Its 9-digit code.
    pub code: RegionCode,
    /// Its name.
    pub name: String,
    /// Its villages (嘎查/村/社区) from the region table; empty if the table has none, and
    /// then people are registered at the township itself.
    pub villages: Vec<RegionCode>,
    /// Whether any village is rural (a 村 or 嘎查, not a 社区).
    pub rural: bool,
    /// The people registered here, in ID order.
    pub people: Vec<ResidentId>,
}

/// A roster-file line of someone the register places in another township.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listing {
    township: usize,
    person: ResidentId,
    village: RegionCode,
}

/// A generated prefecture.
#[derive(Debug, Clone)]
pub struct Population {
    /// The prefecture's code.
    pub prefecture: RegionCode,
    /// The prefecture's name.
    pub prefecture_name: String,
    /// Its counties, in code order.
    pub counties: Vec<RegionCode>,
    /// Its townships, in code order.
    pub townships: Vec<TownshipInfo>,
    /// People, households, the agent banks, their agreements and the accounts.
    pub register: Register,
    /// The anomalies injected, in the order of [`Anomaly::ALL`].
    pub ground_truth: Vec<GroundTruth>,
    /// Number of people generated.
    pub people: usize,
    /// The day ages are reckoned on.
    pub as_of: Date,
    /// Extra roster-file lines: people listed by a second township.
    listings: Vec<Listing>,
    /// Payees listed with another person's account: payee → that account's number.
    shared: BTreeMap<ResidentId, CompactString>,
}

// ----- names -----

/// Common Han surnames, most frequent first (each listed once; drawn with a skew).
const SURNAMES: [&str; 48] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "曹", "袁", "邓",
    "许", "沈", "彭", "吕", "苏", "蒋", "贾", "丁", "魏", "薛", "田", "任", "姜", "范", "石", "郝",
];
/// Surnames Mongolian families in Inner Mongolia often use before a Mongolian name.
const MONGOL_SURNAMES: [&str; 6] = ["包", "白", "宝", "韩", "敖", "鲍"];
const OLD_MALE: [&str; 14] = [
    "建国", "国华", "德胜", "振华", "永祥", "福海", "长林", "树森", "玉山", "凤山", "广才", "文斌",
    "志刚", "宝山",
];
const OLD_FEMALE: [&str; 12] = [
    "秀英", "桂兰", "淑珍", "玉兰", "凤英", "桂芝", "秀兰", "玉梅", "淑华", "桂荣", "秀珍", "凤兰",
];
const MID_MALE: [&str; 16] = [
    "志强", "海军", "建军", "立新", "卫东", "永军", "春雷", "国庆", "晓东", "伟", "军", "勇", "磊",
    "强", "斌", "海涛",
];
const MID_FEMALE: [&str; 14] = [
    "丽娟", "春梅", "红霞", "海燕", "丽华", "艳红", "秀梅", "晓红", "敏", "静", "丽", "艳", "娟",
    "霞",
];
const YOUNG_MALE: [&str; 12] = [
    "浩然", "子轩", "宇航", "博文", "俊杰", "浩宇", "一鸣", "天佑", "鑫", "宇", "昊", "轩",
];
const YOUNG_FEMALE: [&str; 12] = [
    "欣怡", "子涵", "雨桐", "诗涵", "梓萱", "佳怡", "思琪", "雨欣", "可馨", "婷", "悦", "琳",
];
const MONGOL_MALE: [&str; 18] = [
    "巴特尔",
    "乌力吉",
    "额尔敦",
    "朝鲁",
    "宝音",
    "孟和",
    "阿拉坦",
    "苏和",
    "巴雅尔",
    "那顺",
    "特木尔",
    "吉日格勒",
    "布和",
    "毕力格",
    "巴图",
    "格日勒图",
    "额尔德木图",
    "满都拉",
];
const MONGOL_FEMALE: [&str; 16] = [
    "其其格",
    "苏日娜",
    "萨仁",
    "乌云",
    "娜仁",
    "斯琴",
    "高娃",
    "托娅",
    "塔娜",
    "图雅",
    "其木格",
    "萨如拉",
    "乌兰",
    "斯琴高娃",
    "娜日苏",
    "乌日娜",
];
/// Characters a misspelt holder name ends in instead of the right one.
const MISSPELT: [char; 8] = ['华', '花', '英', '鹰', '兰', '岚', '君', '萍'];

// ----- generation -----

/// What a household is made to have, so that every township has someone on each roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An old couple (80+) with land, grassland, livestock and the family-planning reward.
    Elder,
    /// A 低保 household whose head is severely disabled.
    Needy,
    /// Drawn at random.
    Ordinary,
}

/// A household head that may be given an anomaly.
struct Candidate {
    id: ResidentId,
    township: usize,
}

struct Generator {
    rng: ChaCha8Rng,
    ids: IdGenerator,
    as_of: Date,
    register: Register,
    candidates: Vec<Candidate>,
    people: usize,
}

impl Generator {
    /// A uniformly chosen index below `len` (u32 ranges only, the same on every platform).
    fn index(&mut self, len: usize) -> usize {
        let len = u32::try_from(len).unwrap_or(u32::MAX).max(1);
        self.rng.random_range(0..len) as usize
    }

    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.random_range(0u32..1000) < per_mille
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        self.rng.random_range(low..=high.max(low))
    }

    /// An index drawn with a skew towards the front (the more common entries).
    fn skewed(&mut self, len: usize) -> usize {
        let a = self.index(len);
        let b = self.index(len);
        a.min(b)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list.get(self.index(list.len())).copied().unwrap_or("")
    }

    /// A birth date that makes the person exactly `age` on the reference day.
    fn birth_date(&mut self, age: u32) -> Date {
        let year = self.as_of.year() - i32::try_from(age).unwrap_or(0);
        let on = |year: i32| {
            self.as_of
                .replace_year(year)
                .or_else(|_| date!(2000 - 02 - 28).replace_year(year))
                .unwrap_or(self.as_of)
        };
        let latest = on(year).to_julian_day();
        let earliest = on(year - 1).to_julian_day() + 1;
        let day = self.rng.random_range(earliest..=latest.max(earliest));
        Date::from_julian_day(day).unwrap_or(self.as_of)
    }

    fn given_name(&mut self, birth_year: i32, sex: Sex) -> &'static str {
        let list: &[&'static str] = match (birth_year, sex) {
            (..1960, Sex::Male) => &OLD_MALE,
            (..1960, Sex::Female) => &OLD_FEMALE,
            (..1990, Sex::Male) => &MID_MALE,
            (..1990, Sex::Female) => &MID_FEMALE,
            (_, Sex::Male) => &YOUNG_MALE,
            (_, Sex::Female) => &YOUNG_FEMALE,
        };
        self.pick(list)
    }

    fn mongolian_name(&mut self, sex: Sex) -> String {
        let given = match sex {
            Sex::Male => self.pick(&MONGOL_MALE),
            Sex::Female => self.pick(&MONGOL_FEMALE),
        };
        if self.chance(200) {
            format!("{}{given}", self.pick(&MONGOL_SURNAMES))
        } else {
            given.to_owned()
        }
    }

    fn han_name(&mut self, surname: &str, birth: Date, sex: Sex) -> String {
        format!("{surname}{}", self.given_name(birth.year(), sex))
    }

    /// A new registered ID number, or `None` after a few clashes (never in practice).
    fn new_id(&mut self, county: &str, birth: Date, sex: Sex) -> Option<ResidentId> {
        for _ in 0..8 {
            let text = self.ids.resident_id_born(county, birth, sex);
            if let Ok(id) = ResidentId::parse(&text) {
                // Each person is registered before the next ID is drawn.
                if self.register.beneficiary(&id).is_none() {
                    return Some(id);
                }
            }
        }
        None
    }

    /// A new card number of `kind` at `bank`, verified, held by `holder`.
    fn open_account(
        &mut self,
        holder: ResidentId,
        name: &str,
        bank: &BankProfile,
        kind: AccountKind,
    ) {
        let bin = match kind {
            AccountKind::SocialSecurityCard => bank.social_security_bin,
            _ => bank.card_bin,
        };
        for _ in 0..8 {
            let text = self.ids.card_number(bin);
            if self.register.account(&text).is_some() {
                continue;
            }
            if let Ok(number) = AccountNumber::parse(&text, kind) {
                let mut account = Account::new(holder, name, bank.code, number);
                account.status = AccountStatus::Verified;
                self.register.upsert_account(account);
            }
            return;
        }
    }

    fn head_age(&mut self, kind: Kind) -> u32 {
        match kind {
            Kind::Elder => self.range(80, 96),
            Kind::Needy => self.range(45, 75),
            Kind::Ordinary => {
                // 25–34 15%, 35–49 27%, 50–59 22%, 60–69 19%, 70–79 12%, 80–89 4.5%, 90+ 0.5%.
                let roll = self.rng.random_range(0u32..1000);
                let (low, high) = match roll {
                    0..150 => (25, 34),
                    150..420 => (35, 49),
                    420..640 => (50, 59),
                    640..830 => (60, 69),
                    830..950 => (70, 79),
                    950..995 => (80, 89),
                    _ => (90, 101),
                };
                self.range(low, high)
            }
        }
    }

    fn household_size(&mut self, kind: Kind) -> u32 {
        match kind {
            Kind::Elder => 2,
            Kind::Needy => self.range(1, 3),
            Kind::Ordinary => match self.rng.random_range(0u32..100) {
                0..15 => 1,
                15..40 => 2,
                40..65 => 3,
                65..87 => 4,
                87..96 => 5,
                _ => 6,
            },
        }
    }

    /// Generates one household of at most `max_people` people in `village`; returns
    /// how many people it has.
    #[allow(clippy::too_many_arguments)]
    fn household(
        &mut self,
        township_index: usize,
        township: RegionCode,
        number: usize,
        place: (RegionCode, &str),
        kind: Kind,
        bank_for_cards: &BankProfile,
        max_people: usize,
    ) -> usize {
        let (village, village_name) = place;
        let rural = is_rural(village_name);
        let herding = village_name.contains("嘎查");
        let county = township.truncate(RegionLevel::County).to_short_string();
        let mongolian = self.chance(if herding {
            750
        } else if rural {
            200
        } else {
            120
        });
        let size = (self.household_size(kind) as usize).min(max_people).max(1);
        let head_age = self.head_age(kind);
        let head_sex = if kind == Kind::Elder || self.chance(780) {
            Sex::Male
        } else {
            Sex::Female
        };
        let surname = SURNAMES[self.skewed(SURNAMES.len())];
        // (age, sex, takes the family surname)
        let mut plan: Vec<(u32, Sex, bool)> = Vec::with_capacity(size);
        plan.push((head_age, head_sex, true));
        let other = |sex: Sex| match sex {
            Sex::Male => Sex::Female,
            Sex::Female => Sex::Male,
        };
        if size >= 2 {
            let spouse_age = (head_age + self.range(0, 8))
                .saturating_sub(4)
                .clamp(20, 100);
            plan.push((spouse_age, other(head_sex), false));
        }
        while plan.len() < size {
            if head_age < 60 && plan.len() == 2 && self.chance(120) {
                let parent_age = (head_age + self.range(22, 34)).min(100);
                let sex = if self.chance(600) {
                    Sex::Female
                } else {
                    Sex::Male
                };
                plan.push((parent_age, sex, sex == Sex::Male));
            } else {
                let child_age = head_age.saturating_sub(self.range(22, 36));
                let sex = if self.chance(500) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                plan.push((child_age, sex, true));
            }
        }

        let household_id = format!("{}-{number:05}", township.to_short_string());
        let dibao = kind == Kind::Needy
            || (kind == Kind::Ordinary && self.chance(if rural { 50 } else { 30 }));
        // Monthly income per person, in yuan (what top-up standards compare with their
        // line); 低保 households are under the 630-yuan rural line.
        let monthly_income = if dibao {
            self.range(150, 550)
        } else if rural {
            self.range(600, 2_600)
        } else {
            self.range(1_500, 5_500)
        };
        let income = Amount::from_fen(i64::from(monthly_income) * 100).ok();
        let mut members = Vec::with_capacity(size);
        for &(age, sex, family) in &plan {
            let birth = self.birth_date(age);
            let Some(id) = self.new_id(&county, birth, sex) else {
                continue;
            };
            let name = if mongolian {
                self.mongolian_name(sex)
            } else if family {
                self.han_name(surname, birth, sex)
            } else {
                let own = SURNAMES[self.skewed(SURNAMES.len())];
                self.han_name(own, birth, sex)
            };
            let mut person = Beneficiary::new(id, name.as_str(), household_id.as_str(), village);
            let is_head = members.is_empty();
            if (18..=85).contains(&age) && self.chance(750) {
                let prefix = ["3", "5", "8", "9"][self.index(4)];
                person.phone = Some(format!(
                    "1{prefix}{:09}",
                    self.rng.random_range(0u32..1_000_000_000)
                ));
            }
            person.per_capita_income = income;
            if rural {
                person.tags.insert("rural_hukou");
            }
            if dibao {
                person.tags.insert("dibao");
                person.tags.insert("dibao_approved");
            }
            let grade = if kind == Kind::Needy && is_head {
                Some(if self.chance(500) { 1 } else { 2 })
            } else if self.chance(50) {
                Some(match self.rng.random_range(0u32..100) {
                    0..15 => 1,
                    15..40 => 2,
                    40..70 => 3,
                    _ => 4,
                })
            } else {
                None
            };
            if let Some(grade) = grade {
                person.tags.insert(format!("disability:{grade}"));
            }
            let elder_anchor = kind == Kind::Elder;
            if age >= 60 && !elder_anchor && !(kind == Kind::Needy && is_head) {
                let employee = self.chance(if rural { 80 } else { 550 });
                if employee {
                    person.tags.insert("employee_pension");
                }
                if age >= 80 && self.chance(30) {
                    person.tags.insert("care_institution");
                }
            }
            if rural && age >= 55 && (elder_anchor || self.chance(100)) {
                person.tags.insert("family_planning_reward");
            }
            if is_head && rural {
                self.land(&mut person, herding, elder_anchor);
            }
            if is_head {
                let eligible = age >= 60
                    && kind == Kind::Ordinary
                    && !person.tags.contains("employee_pension");
                if eligible {
                    self.candidates.push(Candidate {
                        id,
                        township: township_index,
                    });
                }
            }
            self.register.upsert_beneficiary(person);
            // Children have social security cards too (issued with their medical insurance).
            self.open_account(id, &name, bank_for_cards, AccountKind::SocialSecurityCard);
            if is_head && self.chance(650) {
                let bank = &BANKS[match self.rng.random_range(0u32..10) {
                    0..3 => 0,
                    3..7 => 1,
                    7..9 => 2,
                    _ => 3,
                }];
                self.open_account(id, &name, bank, AccountKind::BankCard);
            }
            members.push(id);
        }
        let Some(&head) = members.first() else {
            return 0;
        };
        let count = members.len();
        self.register.upsert_household(Household {
            id: household_id.into(),
            head,
            members,
        });
        self.people += count;
        count
    }

    /// Land, grassland and livestock of a rural household head.
    fn land(&mut self, person: &mut Beneficiary, herding: bool, anchor: bool) {
        let tenths = |g: &mut Generator, low: u32, high: u32| {
            Decimal::new(i64::from(g.range(low * 10, high * 10)), 1)
        };
        let (farm, grass, stock) = if herding {
            (350, 900, 900)
        } else {
            (800, 250, 400)
        };
        if anchor || self.chance(farm) {
            let area = if herding {
                tenths(self, 5, 40)
            } else {
                tenths(self, 5, 60)
            };
            person.quantities.insert("farmland_mu", area);
            if !anchor && self.chance(15) {
                person.tags.insert("land_use_changed");
            } else if !anchor && self.chance(10) {
                person.tags.insert("land_abandoned");
            }
            if !anchor && self.chance(20) {
                person.quantities.insert("machines", Decimal::ONE);
                person.tags.insert("machine_verified");
            }
        }
        if anchor || self.chance(grass) {
            let area = if herding {
                tenths(self, 800, 30_000)
            } else {
                tenths(self, 20, 600)
            };
            person.quantities.insert("grassland_mu", area);
            if !anchor && self.chance(20) {
                person.tags.insert("overgrazing");
            }
        }
        if anchor || self.chance(stock) {
            let units = if herding {
                self.range(50, 900)
            } else {
                self.range(5, 120)
            };
            person
                .quantities
                .insert("sheep_units", Decimal::from(units));
        }
    }
}

/// Whether a village is rural: a 村 or 嘎查, not an urban 社区 (居委会).
fn is_rural(name: &str) -> bool {
    !name.contains("社区") && (name.contains('村') || name.contains("嘎查"))
}

/// The prefecture named or coded by `query`.
fn find_prefecture(tree: &RegionTree, query: &str) -> Result<RegionCode, Error> {
    let query = query.trim();
    let unknown = || Error::UnknownRegion {
        query: query.to_owned(),
    };
    let code = if !query.is_empty() && query.bytes().all(|b| b.is_ascii_digit()) {
        let code = RegionCode::parse(query)?;
        tree.lookup(code)?.code()
    } else {
        tree.find_by_path(query)?.code()
    };
    if code.level() == RegionLevel::Prefecture {
        Ok(code)
    } else {
        Err(unknown())
    }
}

/// Splits `total` over `weights` by largest remainder, so the parts add up exactly.
fn apportion(total: usize, weights: &[u64]) -> Vec<usize> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let total = total as u64;
    let mut parts: Vec<usize> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u64, usize)> = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let share = total * weight;
        parts.push(usize::try_from(share / sum).unwrap_or(0));
        remainders.push((share % sum, index));
    }
    let given: usize = parts.iter().sum();
    let left = usize::try_from(total).unwrap_or(0).saturating_sub(given);
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in remainders.iter().take(left) {
        if let Some(part) = parts.get_mut(index) {
            *part += 1;
        }
    }
    parts
}

impl Population {
    /// Generates the prefecture described by `spec`; the same spec gives the same
    /// population. Fails only if `spec.prefecture` is not a prefecture of the bundled
    /// region table.
    pub fn generate(spec: &PrefectureSpec) -> Result<Population, Error> {
        let tree = RegionTree::bundled()?;
        let prefecture = find_prefecture(tree, &spec.prefecture)?;
        let prefecture_name = tree.lookup(prefecture)?.name().to_owned();
        let mut generator = Generator {
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            ids: IdGenerator::new(spec.seed ^ 0x0050_5245_46EC),
            as_of: spec.as_of,
            register: Register::new(),
            candidates: Vec::new(),
            people: 0,
        };
        let counties: Vec<RegionCode> = tree
            .children(prefecture)
            .filter(|region| region.level() == RegionLevel::County)
            .map(|region| region.code())
            .collect();
        for bank in &BANKS {
            let credit_code = CreditCode::parse(&generator.ids.credit_code())?;
            generator.register.upsert_bank(AgentBank {
                code: bank.code.to_owned(),
                name: bank.name.to_owned(),
                credit_code,
                issues_social_security_cards: true,
            });
            for &county in &counties {
                generator.register.add_agreement(AgencyAgreement {
                    bank_code: bank.code.to_owned(),
                    county,
                    valid_from: date!(2020 - 01 - 01),
                    valid_to: None,
                });
            }
        }
        // Each county's social security cards come from one bank.
        let card_banks: Vec<usize> = counties
            .iter()
            .map(|_| generator.index(BANKS.len()))
            .collect();

        let mut townships = Vec::new();
        let mut township_county = Vec::new();
        let mut village_names: Vec<Vec<(RegionCode, String)>> = Vec::new();
        for (county_index, &county) in counties.iter().enumerate() {
            for town in tree.children(county) {
                if town.level() != RegionLevel::Township {
                    continue;
                }
                let villages: Vec<(RegionCode, String)> = tree
                    .children(town.code())
                    .filter(|v| v.level() == RegionLevel::Village)
                    .map(|v| (v.code(), v.name().to_owned()))
                    .collect();
                townships.push(TownshipInfo {
                    code: town.code(),
                    name: town.name().to_owned(),
                    villages: villages.iter().map(|(code, _)| *code).collect(),
                    rural: villages.iter().any(|(_, name)| is_rural(name)),
                    people: Vec::new(),
                });
                township_county.push(county_index);
                village_names.push(villages);
            }
        }
        // Bigger townships (more villages) have more people; the constant keeps the
        // smallest ones from being nearly empty.
        let weights: Vec<u64> = village_names.iter().map(|v| 10 + v.len() as u64).collect();
        let quotas = apportion(spec.beneficiaries, &weights);

        for (index, town) in townships.iter().enumerate() {
            let quota = quotas.get(index).copied().unwrap_or(0);
            let villages = village_names.get(index).map_or(&[][..], Vec::as_slice);
            let rural_villages: Vec<usize> = (0..villages.len())
                .filter(|&i| villages.get(i).is_some_and(|(_, name)| is_rural(name)))
                .collect();
            let bank = township_county
                .get(index)
                .and_then(|&c| card_banks.get(c))
                .and_then(|&b| BANKS.get(b))
                .unwrap_or(&BANKS[0]);
            let mut made = 0;
            let mut number = 0;
            while made < quota {
                let kind = match number {
                    0 => Kind::Elder,
                    1 => Kind::Needy,
                    _ => Kind::Ordinary,
                };
                // The two anchor households live in a rural village where there is one.
                let village = if kind != Kind::Ordinary && !rural_villages.is_empty() {
                    let at = generator.index(rural_villages.len());
                    rural_villages.get(at).and_then(|&i| villages.get(i))
                } else {
                    let at = generator.index(villages.len());
                    villages.get(at)
                };
                let place = village.map_or((town.code, town.name.as_str()), |(code, name)| {
                    (*code, name.as_str())
                });
                made +=
                    generator.household(index, town.code, number, place, kind, bank, quota - made);
                number += 1;
                if number > quota.saturating_mul(4) + 8 {
                    break; // only if IDs kept clashing, which they do not
                }
            }
        }

        let mut population = Population {
            prefecture,
            prefecture_name,
            counties,
            townships,
            register: Register::new(),
            ground_truth: Vec::new(),
            people: generator.people,
            as_of: spec.as_of,
            listings: Vec::new(),
            shared: BTreeMap::new(),
        };
        for person in generator.register.beneficiaries() {
            let town = person.village.truncate(RegionLevel::Township);
            if let Ok(at) = population.townships.binary_search_by_key(&town, |t| t.code) {
                if let Some(info) = population.townships.get_mut(at) {
                    info.people.push(person.resident_id);
                }
            }
        }
        population.inject(&mut generator, &spec.anomalies);
        population.register = generator.register;
        Ok(population)
    }

    /// Puts the anomalies of `spec` on randomly chosen candidates.
    fn inject(&mut self, generator: &mut Generator, spec: &AnomalySpec) {
        let mut candidates = std::mem::take(&mut generator.candidates);
        // Fisher–Yates with u32 draws: the same order on every platform.
        for i in (1..candidates.len()).rev() {
            let j = generator.index(i + 1);
            candidates.swap(i, j);
        }
        let mut used: HashSet<ResidentId> = HashSet::new();
        let mut next = candidates.into_iter();
        for anomaly in Anomaly::ALL {
            let wanted = self.people * spec.rate(anomaly) as usize / 1000;
            let mut done = 0;
            while done < wanted {
                let Some(candidate) = next.next() else {
                    return;
                };
                if used.contains(&candidate.id) {
                    continue;
                }
                if let Some(truth) = self.inject_one(generator, anomaly, &candidate, &mut used) {
                    used.insert(candidate.id);
                    self.ground_truth.push(truth);
                    done += 1;
                }
            }
        }
    }

    fn inject_one(
        &mut self,
        generator: &mut Generator,
        anomaly: Anomaly,
        candidate: &Candidate,
        used: &mut HashSet<ResidentId>,
    ) -> Option<GroundTruth> {
        let own = self.townships.get(candidate.township)?.code;
        // Drawn up front, so the register can be borrowed below.
        let roll = generator.rng.random_range(0..u32::MAX) as usize;
        let register = &mut generator.register;
        let mut truth = GroundTruth {
            anomaly,
            resident_id: candidate.id,
            townships: vec![own],
            account: None,
            other_person: None,
            died_on: None,
            wrong_name: None,
        };
        match anomaly {
            Anomaly::DeceasedStillListed => {
                let days = i64::from(generator.rng.random_range(15u32..=300));
                let died = self.as_of.saturating_sub(time::Duration::days(days));
                let mut person = register.beneficiary(&candidate.id)?.clone();
                person.deceased_on = Some(died);
                register.upsert_beneficiary(person);
                truth.died_on = Some(died);
            }
            Anomaly::PersonInTwoTownships => {
                if self.townships.len() < 2 {
                    return None;
                }
                let mut other = generator.index(self.townships.len() - 1);
                if other >= candidate.township {
                    other += 1;
                }
                let town = self.townships.get(other)?;
                let village = if town.villages.is_empty() {
                    town.code
                } else {
                    *town.villages.get(generator.index(town.villages.len()))?
                };
                truth.townships.push(town.code);
                self.listings.push(Listing {
                    township: other,
                    person: candidate.id,
                    village,
                });
            }
            Anomaly::SharedAccount => {
                // Another household head of the township, untouched by anomalies, whose
                // payment account the payee is listed with.
                let people = &self.townships.get(candidate.township)?.people;
                let start = roll % people.len().max(1);
                let owner = (0..people.len())
                    .filter_map(|k| people.get((start + k) % people.len()))
                    .find(|id| {
                        **id != candidate.id
                            && !used.contains(id)
                            && register
                                .beneficiary(id)
                                .and_then(|p| register.household(&p.household_id))
                                .is_some_and(|h| h.head == **id)
                            && register.payment_account(id, "").is_some()
                    })
                    .copied()?;
                let number =
                    CompactString::from(register.payment_account(&owner, "")?.number.as_str());
                used.insert(owner);
                self.shared.insert(candidate.id, number.clone());
                truth.account = Some(number);
                truth.other_person = Some(owner);
            }
            Anomaly::WrongHolderName => {
                let name = register.beneficiary(&candidate.id)?.name.clone();
                let last = name.chars().last()?;
                let replacement = MISSPELT
                    .iter()
                    .copied()
                    .filter(|c| *c != last)
                    .nth(roll % (MISSPELT.len() - 1))?;
                let mut wrong: String = name.chars().take(name.chars().count() - 1).collect();
                wrong.push(replacement);
                let accounts: Vec<Account> = register.accounts_of(&candidate.id).cloned().collect();
                if accounts.is_empty() {
                    return None;
                }
                for mut account in accounts {
                    account.holder_name = wrong.as_str().into();
                    register.upsert_account(account);
                }
                truth.account = register
                    .payment_account(&candidate.id, "")
                    .map(|a| CompactString::from(a.number.as_str()));
                truth.wrong_name = Some(wrong.into());
            }
        }
        Some(truth)
    }

    /// The township with this code.
    pub fn township(&self, code: RegionCode) -> Option<&TownshipInfo> {
        self.townships
            .binary_search_by_key(&code, |t| t.code)
            .ok()
            .and_then(|at| self.townships.get(at))
    }

    /// The columns of [`Population::roster_records`] and [`Population::roster_csv`].
    pub fn roster_columns() -> [RosterField; 9] {
        [
            RosterField::ResidentId,
            RosterField::Name,
            RosterField::HouseholdId,
            RosterField::HouseholdMembers,
            RosterField::Village,
            RosterField::Bank,
            RosterField::AccountKind,
            RosterField::AccountNumber,
            RosterField::HolderName,
        ]
    }

    /// The roster file township `township`'s clerk sends for `project` and `period`:
    /// one record per person (per household head for a per-household project) whom
    /// the policy in force makes eligible with something due, in ID order, with the
    /// payment account from the register — followed by the people the township lists
    /// although registered elsewhere. The injected anomalies are in it. Records are
    /// numbered from 2 (line 1 is the header). Quantities, tags and income are not
    /// written: intake takes them from the register.
    ///
    /// Fails if the project is not in the catalogue or no policy is in force.
    pub fn roster_records(
        &self,
        township: RegionCode,
        catalog: &PolicyCatalog,
        project: &str,
        period: Period,
    ) -> Result<Vec<RosterRecord>, Error> {
        let Some(info) = self.township(township) else {
            return Err(Error::UnknownRegion {
                query: township.to_string(),
            });
        };
        let unknown = || Error::Roster {
            rule: RosterRule::UnknownProject {
                code: project.to_owned(),
            },
        };
        let subsidy = catalog.project(project).ok_or_else(unknown)?;
        let policy = catalog
            .policy_for(project, township, period.first_day())
            .or_else(|| catalog.policy_for(project, township, period.last_day()))
            .ok_or(Error::Roster {
                rule: RosterRule::NoPolicy {
                    project: project.to_owned(),
                    township,
                    period,
                },
            })?;
        let at = self.townships.iter().position(|t| t.code == township);
        let foreign = self
            .listings
            .iter()
            .filter(|listing| Some(listing.township) == at)
            .map(|listing| (listing.person, Some(listing.village)));
        let own = info.people.iter().map(|id| (*id, None));
        let mut records = Vec::new();
        for (id, listed_village) in own.chain(foreign) {
            let Some(person) = self.register.beneficiary(&id) else {
                continue;
            };
            if subsidy.payment_unit == PaymentUnit::Household
                && self.register.payee(person, subsidy) != id
            {
                continue;
            }
            let members = self
                .register
                .household(&person.household_id)
                .map_or(1, Household::size);
            let facts = person.facts(members);
            let due = entitle(policy, &facts, period)?;
            if !due.is_entitled() || due.amount() == Amount::ZERO {
                continue;
            }
            let line = u64::try_from(records.len())
                .unwrap_or(u64::MAX)
                .saturating_add(2);
            let mut record = RosterRecord::new(line);
            record.insert(RosterField::ResidentId, id.as_str());
            record.insert(RosterField::Name, &person.name);
            record.insert(RosterField::HouseholdId, &person.household_id);
            record.insert(RosterField::HouseholdMembers, &members.to_string());
            let village = listed_village.unwrap_or(person.village);
            record.insert(RosterField::Village, &village.to_short_string());
            let account = match self.shared.get(&id) {
                Some(number) => self.register.account(number),
                None => self.register.payment_account(&id, project),
            };
            if let Some(account) = account {
                record.insert(RosterField::Bank, &account.bank_code);
                record.insert(RosterField::AccountKind, account.kind().name_zh());
                record.insert(RosterField::AccountNumber, account.number.as_str());
                // The clerk writes the payee as holder, even of another person's card.
                let holder = if self.shared.contains_key(&id) {
                    person.name.as_str()
                } else {
                    account.holder_name.as_str()
                };
                record.insert(RosterField::HolderName, holder);
            }
            records.push(record);
        }
        Ok(records)
    }

    /// [`Population::roster_records`] as a UTF-8 CSV file with Chinese headers (no BOM).
    pub fn roster_csv(
        &self,
        township: RegionCode,
        catalog: &PolicyCatalog,
        project: &str,
        period: Period,
    ) -> Result<String, Error> {
        let records = self.roster_records(township, catalog, project, period)?;
        let columns = Population::roster_columns();
        let mut out = String::with_capacity(records.len() * 120 + 160);
        let header: Vec<String> = columns.iter().map(RosterField::header_zh).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for record in &records {
            for (i, field) in columns.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", record.get(field).unwrap_or(""));
            }
            out.push('\n');
        }
        Ok(out)
    }

    /// Every township's roster for `project` and `period`, taken in from its roster file
    /// ([`Population::roster_records`]) leniently on `on`, with nothing held this period:
    /// records with errors (the injected anomalies but a wrong holder name) are rejected
    /// and reported. Townships whose file is empty are left out. Roster ids are
    /// `{project}-{period}-{township}`.
    pub fn rosters(
        &self,
        catalog: &PolicyCatalog,
        project: &str,
        period: Period,
        on: Date,
    ) -> Result<Vec<(Roster, ValidationReport)>, Error> {
        let held = HeldProjects::new();
        let mut out = Vec::with_capacity(self.townships.len());
        for town in &self.townships {
            let records = self.roster_records(town.code, catalog, project, period)?;
            if records.is_empty() {
                continue;
            }
            let header = RosterHeader::new(
                format!("{project}-{period}-{}", town.code.to_short_string()),
                project,
                period,
                town.code,
            );
            out.push(Roster::intake(
                header,
                &records,
                &self.register,
                catalog,
                &held,
                IntakeMode::Lenient,
                on,
            )?);
        }
        Ok(out)
    }

    /// Every township's roster for `project` and `period` built from the register
    /// ([`Roster::build`]) on `on`, with nothing held this period; townships with no
    /// line are left out. The register leaves the dead out and cannot list anyone
    /// twice, so of the anomalies only wrong holder names show (as warnings).
    ///
    /// Each build reads the whole register: about 200 townships × the people.
    pub fn built_rosters(
        &self,
        catalog: &PolicyCatalog,
        project: &str,
        period: Period,
        on: Date,
    ) -> Result<Vec<(Roster, ValidationReport)>, Error> {
        let held = HeldProjects::new();
        let mut out = Vec::with_capacity(self.townships.len());
        for town in &self.townships {
            let header = RosterHeader::new(
                format!("{project}-{period}-{}", town.code.to_short_string()),
                project,
                period,
                town.code,
            );
            let (roster, report) = Roster::build(header, &self.register, catalog, &held, on)?;
            if !roster.lines().is_empty() {
                out.push((roster, report));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use yikatong_core::Severity;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const POLICIES: [(&str, &str); 8] = [
        (
            "cjrlxbt.json",
            include_str!("../../../examples/data/policies/cjrlxbt.json"),
        ),
        (
            "cxjmyl.json",
            include_str!("../../../examples/data/policies/cxjmyl.json"),
        ),
        (
            "cystbh.json",
            include_str!("../../../examples/data/policies/cystbh.json"),
        ),
        (
            "gddlbh.json",
            include_str!("../../../examples/data/policies/gddlbh.json"),
        ),
        (
            "gljt.json",
            include_str!("../../../examples/data/policies/gljt.json"),
        ),
        (
            "jhsyjlfz.json",
            include_str!("../../../examples/data/policies/jhsyjlfz.json"),
        ),
        (
            "ncdb.json",
            include_str!("../../../examples/data/policies/ncdb.json"),
        ),
        (
            "njgzbt.json",
            include_str!("../../../examples/data/policies/njgzbt.json"),
        ),
    ];

    fn catalog() -> Result<PolicyCatalog, Error> {
        let mut catalog = PolicyCatalog::new();
        for (name, text) in POLICIES {
            catalog.load_json(name, text)?;
        }
        Ok(catalog)
    }

    fn spec(beneficiaries: usize, anomalies: AnomalySpec) -> PrefectureSpec {
        PrefectureSpec {
            seed: 11,
            beneficiaries,
            anomalies,
            ..PrefectureSpec::default()
        }
    }

    fn november() -> Result<Period, Error> {
        Period::month(2026, 11)
    }

    #[test]
    fn same_seed_same_population() -> TestResult {
        let spec = spec(4_000, AnomalySpec::each(4));
        let one = Population::generate(&spec)?;
        let two = Population::generate(&spec)?;
        assert_eq!(one.register, two.register);
        assert_eq!(one.ground_truth, two.ground_truth);
        assert_eq!(one.townships, two.townships);
        let catalog = catalog()?;
        let town = one.townships[100].code;
        assert_eq!(
            one.roster_csv(town, &catalog, "CXJMYL", november()?)?,
            two.roster_csv(town, &catalog, "CXJMYL", november()?)?
        );
        let other = Population::generate(&PrefectureSpec { seed: 12, ..spec })?;
        assert_ne!(one.register, other.register);
        Ok(())
    }

    #[test]
    fn prefecture_by_name_path_or_code() -> TestResult {
        let small = |prefecture: &str| {
            Population::generate(&PrefectureSpec {
                prefecture: prefecture.to_owned(),
                beneficiaries: 300,
                ..PrefectureSpec::default()
            })
        };
        let by_name = small("赤峰市")?;
        assert_eq!(by_name.prefecture_name, "赤峰市");
        assert_eq!(by_name.counties.len(), 12);
        assert_eq!(small("1504")?.register, by_name.register);
        assert_eq!(small("内蒙古自治区/赤峰市")?.register, by_name.register);
        assert_eq!(small("150400000000")?.register, by_name.register);
        assert_eq!(small("锡林郭勒盟")?.prefecture.to_short_string(), "1525");
        assert!(matches!(small("赤峰"), Err(Error::UnknownRegion { .. })));
        assert!(matches!(small("150422"), Err(Error::UnknownRegion { .. })));
        Ok(())
    }

    #[test]
    fn about_the_number_of_people_asked_in_real_villages() -> TestResult {
        let population = Population::generate(&spec(20_000, AnomalySpec::none()))?;
        assert!(
            (18_000..=22_000).contains(&population.people),
            "{}",
            population.people
        );
        assert_eq!(population.register.beneficiaries().len(), population.people);
        let tree = RegionTree::bundled()?;
        let mut listed = 0;
        for town in &population.townships {
            assert_eq!(tree.lookup(town.code)?.level(), RegionLevel::Township);
            assert!(town.code.is_within(population.prefecture));
            assert!(!town.people.is_empty(), "{} has nobody", town.name);
            for id in &town.people {
                let person = population
                    .register
                    .beneficiary(id)
                    .ok_or("not registered")?;
                let place = tree.lookup(person.village)?;
                if town.villages.is_empty() {
                    assert_eq!(place.code(), town.code);
                } else {
                    assert_eq!(place.level(), RegionLevel::Village);
                    assert_eq!(place.parent(), Some(town.code));
                    assert!(town.villages.contains(&place.code()));
                }
            }
            listed += town.people.len();
        }
        assert_eq!(listed, population.people);
        // Every household is whole: members registered in its village, its head first.
        for household in population.register.households() {
            let head = population
                .register
                .beneficiary(&household.head)
                .ok_or("no head")?;
            for member in &household.members {
                let person = population.register.beneficiary(member).ok_or("no member")?;
                assert_eq!(person.household_id, household.id);
                assert_eq!(person.village, head.village);
            }
        }
        Ok(())
    }

    #[test]
    fn id_numbers_match_county_birth_date_and_sex() -> TestResult {
        let population = Population::generate(&spec(10_000, AnomalySpec::none()))?;
        let as_of = population.as_of;
        let (mut over_80, mut mongolian, mut disabled, mut women) = (0, 0, 0, 0);
        for person in population.register.beneficiaries() {
            let id = ResidentId::parse_as_of(person.resident_id.as_str(), as_of)?;
            let county = person.village.truncate(RegionLevel::County);
            assert_eq!(id.area_code(), county.to_short_string());
            assert!(population.counties.contains(&county));
            let age = id.age_on(as_of);
            assert!(id.birth_date() <= as_of && age <= 102, "{id} is {age}");
            over_80 += usize::from(age >= 80);
            women += usize::from(id.sex() == Sex::Female);
            let name = person.name.as_str();
            assert!((2..=6).contains(&name.chars().count()), "{name}");
            let surname = name.chars().next().map(String::from).unwrap_or_default();
            if !SURNAMES.contains(&surname.as_str()) && !MONGOL_SURNAMES.contains(&surname.as_str())
            {
                mongolian += 1;
                assert!(
                    MONGOL_MALE.contains(&name) || MONGOL_FEMALE.contains(&name),
                    "{name}"
                );
            }
            // A Mongolian or Han given name of the person's sex.
            let (male, female): (&[&[&str]], &[&[&str]]) = (
                &[&OLD_MALE, &MID_MALE, &YOUNG_MALE, &MONGOL_MALE],
                &[&OLD_FEMALE, &MID_FEMALE, &YOUNG_FEMALE, &MONGOL_FEMALE],
            );
            let lists = if id.sex() == Sex::Male { male } else { female };
            assert!(
                lists
                    .iter()
                    .any(|list| list.iter().any(|given| name.ends_with(given))),
                "{name} is not a {:?} name",
                id.sex()
            );
            disabled += usize::from(person.tags.starting_with("disability:").next().is_some());
        }
        let people = population.people;
        assert!(
            over_80 * 100 > people * 2 && over_80 * 100 < people * 9,
            "{over_80} over 80"
        );
        assert!(
            mongolian * 100 > people * 8 && mongolian * 100 < people * 50,
            "{mongolian}"
        );
        assert!(
            disabled * 100 > people * 3 && disabled * 100 < people * 10,
            "{disabled}"
        );
        assert!(
            women * 100 > people * 40 && women * 100 < people * 60,
            "{women} women"
        );
        Ok(())
    }

    #[test]
    fn cards_are_luhn_valid_with_their_banks_bins() -> TestResult {
        let population = Population::generate(&spec(6_000, AnomalySpec::none()))?;
        let register = &population.register;
        let mut kinds = BTreeSet::new();
        for account in register.accounts() {
            let bank = bank_profile(&account.bank_code).ok_or("unknown bank")?;
            let bin = match account.kind() {
                AccountKind::SocialSecurityCard => bank.social_security_bin,
                _ => bank.card_bin,
            };
            let number = account.number.as_str();
            assert!(
                number.starts_with(bin),
                "{number} is not from {}",
                bank.name
            );
            let parsed = AccountNumber::parse(number, account.kind())?;
            assert_eq!(parsed.warning(), None);
            assert!(account.is_payable());
            let holder = register.beneficiary(&account.holder).ok_or("no holder")?;
            assert_eq!(account.holder_name, holder.name);
            kinds.insert((
                account.kind() == AccountKind::SocialSecurityCard,
                account.bank_code.clone(),
            ));
        }
        assert!(kinds.len() >= 5, "{kinds:?}");
        // Everyone has a social security card; every bank may pay in every county.
        for person in register.beneficiaries() {
            let mut accounts = register.accounts_of(&person.resident_id);
            assert!(accounts.any(|a| a.kind() == AccountKind::SocialSecurityCard));
        }
        for bank in &BANKS {
            for county in &population.counties {
                assert!(register.bank_may_pay_in(bank.code, *county, population.as_of));
            }
        }
        Ok(())
    }

    #[test]
    fn every_township_has_a_roster_for_each_supported_project() -> TestResult {
        let population = Population::generate(&spec(8_000, AnomalySpec::none()))?;
        let catalog = catalog()?;
        let month = november()?;
        let year = Period::year(2026)?;
        let everywhere = [
            ("GLJT", month),
            ("CXJMYL", month),
            ("KNCJR", month),
            ("ZDCJR", month),
        ];
        let rural = [
            ("GDDLBH", year),
            ("CYSTBH-CXPH", year),
            ("NCDB", month),
            ("JHSYJLFZ", year),
        ];
        for (project, period) in everywhere.iter().chain(&rural) {
            let rosters = population.rosters(&catalog, project, *period, population.as_of)?;
            let with_lines: BTreeSet<RegionCode> = rosters
                .iter()
                .filter(|(roster, _)| !roster.lines().is_empty())
                .map(|(roster, _)| roster.township())
                .collect();
            for town in &population.townships {
                let expected = town.rural || everywhere.iter().any(|(p, _)| p == project);
                assert_eq!(
                    with_lines.contains(&town.code),
                    expected,
                    "{project} in {}",
                    town.name
                );
            }
            for (roster, report) in &rosters {
                assert_eq!(
                    report.problems,
                    Vec::new(),
                    "{project} {}",
                    roster.township()
                );
                assert_eq!(report.rejected, 0);
                assert!(roster.lines().iter().all(|line| line.account.is_some()));
            }
        }
        // The register builds the same rosters as the files give.
        let built = population.built_rosters(&catalog, "GLJT", month, population.as_of)?;
        let taken = population.rosters(&catalog, "GLJT", month, population.as_of)?;
        assert_eq!(built.len(), taken.len());
        for ((b, _), (t, _)) in built.iter().zip(&taken) {
            assert_eq!(b.total()?, t.total()?);
        }
        Ok(())
    }

    #[test]
    fn without_anomalies_no_one_is_listed_twice_and_no_account_is_shared() -> TestResult {
        let population = Population::generate(&spec(6_000, AnomalySpec::none()))?;
        assert!(population.ground_truth.is_empty());
        let catalog = catalog()?;
        let month = november()?;
        for project in ["CXJMYL", "GLJT"] {
            let mut people = HashSet::new();
            let mut accounts = BTreeMap::new();
            for town in &population.townships {
                for record in population.roster_records(town.code, &catalog, project, month)? {
                    let id = record
                        .get(&RosterField::ResidentId)
                        .ok_or("no id")?
                        .to_owned();
                    let account = record
                        .get(&RosterField::AccountNumber)
                        .ok_or("no account")?;
                    assert!(people.insert(id.clone()), "{id} twice");
                    let holder = accounts
                        .entry(account.to_owned())
                        .or_insert_with(|| id.clone());
                    assert_eq!(*holder, id, "{account} shared");
                }
            }
            assert!(people.len() > 100);
        }
        Ok(())
    }

    #[test]
    fn anomalies_at_their_rates_are_exactly_what_intake_finds() -> TestResult {
        let anomalies = AnomalySpec {
            deceased_still_listed: 3,
            person_in_two_townships: 2,
            shared_account: 4,
            wrong_holder_name: 5,
        };
        let population = Population::generate(&spec(12_000, anomalies))?;
        for kind in Anomaly::ALL {
            let count = population
                .ground_truth
                .iter()
                .filter(|t| t.anomaly == kind)
                .count();
            assert_eq!(
                count,
                population.people * anomalies.rate(kind) as usize / 1000,
                "{kind:?}"
            );
        }
        let subjects: HashSet<ResidentId> = population
            .ground_truth
            .iter()
            .map(|t| t.resident_id)
            .collect();
        assert_eq!(
            subjects.len(),
            population.ground_truth.len(),
            "one anomaly per person"
        );

        // What intake of the basic-pension files reports, as (township, person, rule).
        let catalog = catalog()?;
        let on = population.as_of;
        let mut found = BTreeSet::new();
        for (roster, report) in population.rosters(&catalog, "CXJMYL", november()?, on)? {
            let town = roster.township();
            let records = population.roster_records(town, &catalog, "CXJMYL", november()?)?;
            for problem in &report.problems {
                let record = records
                    .iter()
                    .find(|r| Some(r.line) == problem.line)
                    .ok_or("problem without a file line")?;
                let id = record.get(&RosterField::ResidentId).ok_or("no id")?;
                found.insert((town, ResidentId::parse(id)?, problem.rule.code()));
                if problem.severity == Severity::Error {
                    assert!(
                        roster
                            .lines()
                            .iter()
                            .all(|line| line.beneficiary().as_str() != id)
                    );
                }
            }
        }
        let mut expected = BTreeSet::new();
        for truth in &population.ground_truth {
            let town = *truth.townships.last().ok_or("no township")?;
            expected.insert((town, truth.resident_id, truth.anomaly.problem_code()));
            let person = population
                .register
                .beneficiary(&truth.resident_id)
                .ok_or("gone")?;
            match truth.anomaly {
                Anomaly::DeceasedStillListed => {
                    assert!(person.deceased_on.is_some_and(|d| d < on));
                    assert_eq!(person.deceased_on, truth.died_on);
                }
                Anomaly::PersonInTwoTownships => {
                    assert_eq!(truth.townships.len(), 2);
                    assert_ne!(truth.townships[0], truth.townships[1]);
                    assert!(person.village.is_within(truth.townships[0]));
                }
                Anomaly::SharedAccount => {
                    let number = truth.account.as_deref().ok_or("no account")?;
                    let account = population
                        .register
                        .account(number)
                        .ok_or("no such account")?;
                    assert_eq!(Some(account.holder), truth.other_person);
                }
                Anomaly::WrongHolderName => {
                    let number = truth.account.as_deref().ok_or("no account")?;
                    let account = population
                        .register
                        .account(number)
                        .ok_or("no such account")?;
                    assert_eq!(Some(&account.holder_name), truth.wrong_name.as_ref());
                    assert_ne!(account.holder_name, person.name);
                }
            }
        }
        // The second township's line says "outside township" (and may say more about
        // the village); nothing else is reported.
        let found_codes: BTreeSet<_> = found
            .iter()
            .filter(|(_, _, code)| *code != "differs_from_register")
            .cloned()
            .collect();
        assert_eq!(found_codes, expected);
        Ok(())
    }
}
