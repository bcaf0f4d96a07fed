//! Region codes (统计用区划代码) and the region tree.
//!
//! A [`RegionCode`] is the National Bureau of Statistics' 12-digit statistical
//! division code: province 2 digits, prefecture 2, county 2, township 3, village 3.
//! A [`RegionTree`] holds the named regions of one or more code tables; with the
//! default `bundled-data` feature the NBS 2023 table ships with the library
//! (all of China down to townships, Inner Mongolia down to villages).
//!
//! ```
//! use yikatong_core::{RegionCode, RegionLevel, RegionTree};
//!
//! let code: RegionCode = "150422100".parse()?;
//! assert_eq!(code.to_string(), "150422100000");
//! assert_eq!(code.level(), RegionLevel::Township);
//! assert!(code.is_within("1504".parse()?));
//!
//! # #[cfg(feature = "bundled-data")] {
//! let tree = RegionTree::bundled()?;
//! let town = tree.find_by_path("内蒙古自治区/赤峰市/巴林左旗/林东镇")?;
//! assert_eq!(town.code(), code);
//! assert_eq!(town.level_term(), "镇");
//! assert_eq!(tree.name_path(code)?, "内蒙古自治区/赤峰市/巴林左旗/林东镇");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::Read;
use std::iter::FusedIterator;
use std::str::FromStr;

use crate::{Error, Result};

/// Powers of ten up to 10¹².
const POW10: [u64; 13] = {
    let mut table = [1u64; 13];
    let mut i = 1;
    while i < 13 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The largest number with 12 digits.
const MAX_CODE: u64 = 999_999_999_999;

/// The lengths a code may be written with: a full code or the short form of a level.
const ACCEPTED_LENGTHS: [usize; 5] = [2, 4, 6, 9, 12];

/// The level of a region in the five-level division.
///
/// Ordered from the top: `Province < Prefecture < County < Township < Village`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// Province level (省级): province, autonomous region, municipality; digits 1–2.
    Province,
    /// Prefecture level (地级): city, league (盟), prefecture, autonomous prefecture; digits 3–4.
    Prefecture,
    /// County level (县级): district, county, banner (旗), county-level city; digits 5–6.
    County,
    /// Township level (乡级): town, township, sumu (苏木), street office; digits 7–9.
    Township,
    /// Village level (村级): village, gacha (嘎查), community; digits 10–12.
    Village,
}

impl RegionLevel {
    /// All levels, from the top.
    pub const ALL: [RegionLevel; 5] = [
        RegionLevel::Province,
        RegionLevel::Prefecture,
        RegionLevel::County,
        RegionLevel::Township,
        RegionLevel::Village,
    ];

    /// How many leading digits of a code name a region of this level (2, 4, 6, 9 or 12).
    pub const fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::Prefecture => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    /// How many digits this level's own segment has (2 or 3).
    pub const fn segment_width(self) -> usize {
        match self {
            RegionLevel::Township | RegionLevel::Village => 3,
            _ => 2,
        }
    }

    /// The level above, or `None` for a province.
    pub const fn parent_level(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(RegionLevel::Province),
            RegionLevel::County => Some(RegionLevel::Prefecture),
            RegionLevel::Township => Some(RegionLevel::County),
            RegionLevel::Village => Some(RegionLevel::Township),
        }
    }

    /// The level below, or `None` for a village.
    pub const fn child_level(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => Some(RegionLevel::Prefecture),
            RegionLevel::Prefecture => Some(RegionLevel::County),
            RegionLevel::County => Some(RegionLevel::Township),
            RegionLevel::Township => Some(RegionLevel::Village),
            RegionLevel::Village => None,
        }
    }

    /// The English name used in data files: `province`, `prefecture`, `county`,
    /// `township` or `village`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Prefecture => "prefecture",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }

    /// Reads the English name written by [`RegionLevel::as_str`].
    pub fn from_name(name: &str) -> Option<RegionLevel> {
        RegionLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
    }

    /// The generic Chinese word for the level: 省级, 地级, 县级, 乡级 or 村级.
    pub const fn generic_term_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省级",
            RegionLevel::Prefecture => "地级",
            RegionLevel::County => "县级",
            RegionLevel::Township => "乡级",
            RegionLevel::Village => "村级",
        }
    }

    const fn index(self) -> usize {
        match self {
            RegionLevel::Province => 0,
            RegionLevel::Prefecture => 1,
            RegionLevel::County => 2,
            RegionLevel::Township => 3,
            RegionLevel::Village => 4,
        }
    }

    /// One-based positions of this level's digits, for messages: "digits 7–9".
    fn positions(self) -> String {
        let last = self.digits();
        let first = last - self.segment_width() + 1;
        format!("digits {first}–{last}")
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule a region code broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegionCodeRule {
    /// The code has the wrong number of characters.
    #[error(
        "has {found} characters; a region code has 12 digits \
         (or 2, 4, 6 or 9 digits for a province, prefecture, county or township)"
    )]
    Length {
        /// How many characters were given.
        found: usize,
    },
    /// A character that is not a digit 0–9.
    #[error("character {position} is {found:?}; a region code has only the digits 0-9")]
    Character {
        /// One-based position of the character.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The digits do not name a region: the province part is 00, or a level is
    /// filled in below a level that is all zeros.
    #[error("{}", structure_message(*.level, *.missing))]
    Structure {
        /// The level whose digits are wrong.
        level: RegionLevel,
        /// The level above it that is all zeros; `None` when the province part itself is 00.
        missing: Option<RegionLevel>,
    },
}

fn structure_message(level: RegionLevel, missing: Option<RegionLevel>) -> String {
    match missing {
        None => "the province part (digits 1–2) is 00; every region code starts with \
                 its province, 11 for 北京市 to 65 for 新疆维吾尔自治区"
            .to_owned(),
        Some(missing) => format!(
            "the {level} part ({}) is filled in but the {missing} part ({}) above it is all \
             zeros; a code names each level from the province down",
            level.positions(),
            missing.positions(),
        ),
    }
}

/// A 12-digit statistical division code (统计用区划代码 / 行政区划代码).
///
/// The five segments are province (2 digits), prefecture (2), county (2),
/// township (3) and village (3). A code names the region of its lowest non-zero
/// segment: `150422000000` is a county (巴林左旗), `150422100000` a township in it.
/// A zero segment may not be followed by a non-zero one, with one exception the
/// NBS table needs: a prefecture-level city without counties (东莞市 `441900`)
/// has townships directly below it, so `441900003000` (county part 00) is valid.
/// Prefecture parts such as 90 (省直辖县级行政区划) follow the same rules.
///
/// A valid code is not necessarily a region that exists: look it up in a [`RegionTree`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u64);

impl RegionCode {
    /// Reads a code: 12 digits, or the short form of a higher level (2, 4, 6 or 9
    /// digits), which is padded with zeros. Spaces are not accepted.
    pub fn parse(text: &str) -> Result<RegionCode> {
        parse_digits(text).map_err(|rule| Error::RegionCode {
            value: text.to_owned(),
            rule,
        })
    }

    /// Checks a code given as a number, such as `150422100000`.
    pub fn from_u64(value: u64) -> Result<RegionCode> {
        check_structure(value)
            .map(|()| RegionCode(value))
            .map_err(|rule| Error::RegionCode {
                value: value.to_string(),
                rule,
            })
    }

    /// The code as a number (leading zeros are impossible: provinces start at 11).
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The digits of one level's segment, e.g. 422 → `22` for the county of `150422100000`.
    pub const fn segment(self, level: RegionLevel) -> u32 {
        segment(self.0, level.index()) as u32
    }

    /// The level of the region the code names: the level of its lowest non-zero segment.
    pub const fn level(self) -> RegionLevel {
        let mut i = 4;
        while i > 0 && segment(self.0, i) == 0 {
            i -= 1;
        }
        RegionLevel::ALL[i]
    }

    /// The code of the region directly above: this code with its lowest non-zero
    /// segment set to zeros. `None` for a province.
    pub const fn parent(self) -> Option<RegionCode> {
        let level = self.level();
        let i = level.index();
        if i == 0 {
            return None;
        }
        let unit = POW10[12 - level.digits()];
        Some(RegionCode(self.0 - segment(self.0, i) * unit))
    }

    /// The regions above this one, nearest first, ending with the province.
    pub fn ancestors(self) -> Ancestors {
        Ancestors {
            next: self.parent(),
        }
    }

    /// Whether this code is `other` or lies inside it.
    pub const fn is_within(self, other: RegionCode) -> bool {
        let level = other.level();
        (level as u8) <= (self.level() as u8) && self.truncate(level).0 == other.0
    }

    /// Keeps the segments down to `level` and sets the ones below to zeros. A code
    /// already at or above `level` is returned unchanged. For a township of a city
    /// without counties (`441900003000`), truncating to the county level gives the
    /// city (`441900000000`), whose county part is 00.
    pub const fn truncate(self, level: RegionLevel) -> RegionCode {
        let unit = POW10[12 - level.digits()];
        RegionCode(self.0 / unit * unit)
    }

    /// The short form: only the digits down to the code's level, e.g. `"150422"`
    /// for `150422000000`.
    pub fn to_short_string(self) -> String {
        let digits = self.level().digits();
        format!("{:0digits$}", self.0 / POW10[12 - digits])
    }
}

/// Segment `index` (0 = province … 4 = village) of a 12-digit number.
const fn segment(value: u64, index: usize) -> u64 {
    let level = RegionLevel::ALL[index];
    (value / POW10[12 - level.digits()]) % POW10[level.segment_width()]
}

fn parse_digits(text: &str) -> std::result::Result<RegionCode, RegionCodeRule> {
    let mut value: u64 = 0;
    for (at, byte) in text.bytes().enumerate() {
        if !byte.is_ascii_digit() {
            // Before `at` all were ASCII digits, one character each.
            let found = text.get(at..).and_then(|rest| rest.chars().next());
            return Err(RegionCodeRule::Character {
                position: at + 1,
                found: found.unwrap_or(char::REPLACEMENT_CHARACTER),
            });
        }
        // Saturate: over-long input is reported by length below.
        value = value
            .saturating_mul(10)
            .saturating_add(u64::from(byte - b'0'));
    }
    // Only ASCII digits: one byte each.
    let length = text.len();
    if !ACCEPTED_LENGTHS.contains(&length) {
        return Err(RegionCodeRule::Length { found: length });
    }
    let value = value * POW10[12 - length];
    check_structure(value)?;
    Ok(RegionCode(value))
}

fn check_structure(value: u64) -> std::result::Result<(), RegionCodeRule> {
    if value > MAX_CODE {
        return Err(RegionCodeRule::Length {
            found: value.to_string().len(),
        });
    }
    if segment(value, 0) == 0 {
        return Err(RegionCodeRule::Structure {
            level: RegionLevel::Province,
            missing: None,
        });
    }
    let mut first_zero: Option<RegionLevel> = None;
    for level in [
        RegionLevel::Prefecture,
        RegionLevel::County,
        RegionLevel::Township,
        RegionLevel::Village,
    ] {
        if segment(value, level.index()) != 0 {
            if let Some(missing) = first_zero {
                return Err(RegionCodeRule::Structure {
                    level,
                    missing: Some(missing),
                });
            }
        } else if first_zero.is_none() {
            // A city without counties (不设区的地级市) has townships directly below it.
            let city_without_counties = level == RegionLevel::County
                && segment(value, RegionLevel::Prefecture.index()) != 0
                && segment(value, RegionLevel::Township.index()) != 0;
            if !city_without_counties {
                first_zero = Some(level);
            }
        }
    }
    Ok(())
}

impl FromStr for RegionCode {
    type Err = Error;

    fn from_str(text: &str) -> Result<RegionCode> {
        RegionCode::parse(text)
    }
}

impl TryFrom<u64> for RegionCode {
    type Error = Error;

    fn try_from(value: u64) -> Result<RegionCode> {
        RegionCode::from_u64(value)
    }
}

impl From<RegionCode> for u64 {
    fn from(code: RegionCode) -> u64 {
        code.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({:012})", self.0)
    }
}

impl serde::Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RegionCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The codes above a region, nearest first; see [`RegionCode::ancestors`].
#[derive(Debug, Clone)]
pub struct Ancestors {
    next: Option<RegionCode>,
}

impl Iterator for Ancestors {
    type Item = RegionCode;

    fn next(&mut self) -> Option<RegionCode> {
        let code = self.next?;
        self.next = code.parent();
        Some(code)
    }
}

impl FusedIterator for Ancestors {}

/// One named region of a [`RegionTree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    code: RegionCode,
    name: Box<str>,
}

impl Region {
    /// The region's code.
    pub fn code(&self) -> RegionCode {
        self.code
    }

    /// The region's name as the code table writes it, e.g. `巴林左旗`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region's level (from its code).
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }

    /// The code of the region directly above, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        self.code.parent()
    }

    /// The word for this kind of region as used locally, read from the end of its
    /// name: 省/自治区/直辖市; 市/盟/地区/自治州; 区/县/旗/自治旗/县级市/自治县;
    /// 镇/乡/苏木/街道/民族乡; 村/嘎查/社区/居委会. Names that end otherwise
    /// (开发区, 农场, 市辖区, …) give the generic word for the level, e.g. 乡级.
    pub fn level_term(&self) -> &'static str {
        let level = self.level();
        let table: &[(&str, &'static str)] = match level {
            RegionLevel::Province => &[
                ("自治区", "自治区"),
                ("特别行政区", "特别行政区"),
                ("省", "省"),
                ("市", "直辖市"),
            ],
            RegionLevel::Prefecture => &[
                ("自治州", "自治州"),
                ("地区", "地区"),
                ("盟", "盟"),
                ("市", "市"),
            ],
            RegionLevel::County => &[
                ("自治旗", "自治旗"),
                ("自治县", "自治县"),
                ("旗", "旗"),
                ("县", "县"),
                ("特区", "特区"),
                ("林区", "林区"),
                ("区", "区"),
                ("市", "县级市"),
            ],
            RegionLevel::Township => &[
                ("民族苏木", "民族苏木"),
                ("民族乡", "民族乡"),
                ("苏木", "苏木"),
                ("街道办事处", "街道"),
                ("街道", "街道"),
                ("镇", "镇"),
                ("乡", "乡"),
            ],
            // Committees (委员会) are named after their village or community.
            RegionLevel::Village => &[
                ("嘎查村民委员会", "嘎查"),
                ("嘎查村委会", "嘎查"),
                ("嘎查委员会", "嘎查"),
                ("嘎查委会", "嘎查"),
                ("嘎查村", "嘎查"),
                ("嘎查", "嘎查"),
                ("社区居民委员会", "社区"),
                ("社区居委会", "社区"),
                ("社区", "社区"),
                ("居民委员会", "居委会"),
                ("居委会", "居委会"),
                ("村民委员会", "村"),
                ("村委员会", "村"),
                ("村委会", "村"),
                ("村委", "村"),
                ("村", "村"),
            ],
        };
        table
            .iter()
            .find(|(suffix, _)| self.name.ends_with(suffix))
            .map_or(level.generic_term_zh(), |(_, term)| term)
    }
}

/// The named regions of one or more code tables, ordered by code.
///
/// Lookups by code are binary searches; [`RegionTree::subtree`] is a range of the
/// sorted table and [`RegionTree::children`] a precomputed list, so both cost only
/// what they return.
#[derive(Clone)]
pub struct RegionTree {
    /// All regions, sorted by code.
    regions: Vec<Region>,
    /// Children of region `i` are `children[child_start[i]..child_start[i + 1]]`.
    child_start: Vec<u32>,
    /// Indices into `regions`, grouped by parent, each group in code order.
    children: Vec<u32>,
    /// Indices of the provinces, in code order.
    provinces: Vec<u32>,
    /// `(name_hash(name), index into regions)`, sorted.
    by_name: Vec<(u64, u32)>,
}

impl fmt::Debug for RegionTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionTree")
            .field("regions", &self.regions.len())
            .field("provinces", &self.provinces.len())
            .finish_non_exhaustive()
    }
}

/// The header every region CSV starts with.
const REGION_HEADER: [&str; 4] = ["code12", "name", "level", "parent_code12"];

/// A row read from a source, before the sources are joined.
struct Row {
    code: RegionCode,
    name: Box<str>,
    /// Set for NBS's repeat of a region one level down (parent_code12 = code12).
    repeat_at: Option<RegionLevel>,
    source: usize,
    line: u64,
}

impl RegionTree {
    /// Reads one region table: a CSV file with the header
    /// `code12,name,level,parent_code12` (see `data/README.md`).
    ///
    /// Every region's parent must be in the table. A bad line gives
    /// [`Error::Data`] with `source_name`, the line number and the field.
    pub fn from_csv_reader<R: Read>(source_name: &str, reader: R) -> Result<RegionTree> {
        RegionTree::merge([(source_name, reader)])
    }

    /// Reads several region tables into one tree, as `(source_name, reader)` pairs.
    ///
    /// A code that appears in more than one table (or twice in one) must carry the
    /// same name each time; a parent may come from any of the tables. Rows whose
    /// `parent_code12` equals their `code12` are NBS's repeat of a region one level
    /// down (a city without counties listed again as its own county); they must
    /// repeat the name of a region in the tables and are otherwise skipped.
    pub fn merge<I, S, R>(sources: I) -> Result<RegionTree>
    where
        I: IntoIterator<Item = (S, R)>,
        S: AsRef<str>,
        R: Read,
    {
        let mut names: Vec<String> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        for (source, (name, reader)) in sources.into_iter().enumerate() {
            names.push(name.as_ref().to_owned());
            read_region_csv(name.as_ref(), source, reader, &mut rows)?;
        }
        build_tree(rows, &names)
    }

    /// The bundled NBS 2023 table (all of China to townships, Inner Mongolia to
    /// villages), parsed once on first use.
    ///
    /// The shipped data is tested to parse; should it still fail, every call
    /// returns that error instead of panicking.
    #[cfg(feature = "bundled-data")]
    pub fn bundled() -> Result<&'static RegionTree> {
        use std::sync::LazyLock;
        static TREE: LazyLock<Result<RegionTree>> = LazyLock::new(|| {
            RegionTree::merge([
                (
                    "data/regions/nbs_2023_china_to_township.csv",
                    include_str!("../../../data/regions/nbs_2023_china_to_township.csv").as_bytes(),
                ),
                (
                    "data/regions/nbs_2023_inner_mongolia.csv",
                    include_str!("../../../data/regions/nbs_2023_inner_mongolia.csv").as_bytes(),
                ),
            ])
        });
        TREE.as_ref().map_err(Clone::clone)
    }

    /// How many regions the tree holds.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether the tree holds no region.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// Whether the tree has a region with this code.
    pub fn contains(&self, code: RegionCode) -> bool {
        self.index_of(code).is_some()
    }

    /// The region with this code, if the tree has it.
    pub fn get(&self, code: RegionCode) -> Option<&Region> {
        self.index_of(code).and_then(|i| self.regions.get(i))
    }

    /// The region with this code, or [`Error::UnknownRegion`].
    pub fn lookup(&self, code: RegionCode) -> Result<&Region> {
        self.get(code).ok_or_else(|| Error::UnknownRegion {
            query: code.to_string(),
        })
    }

    /// Finds a region by its names from the top, separated by `/`:
    /// `"内蒙古自治区/赤峰市/巴林左旗/林东镇"`. A path may also start below the
    /// province (`"巴林左旗/林东镇"`, or just `"林东镇"`) when exactly one region
    /// matches it; names repeat across China, so give the full path when in doubt.
    /// Spaces around names are ignored; `／` works as well as `/`.
    pub fn find_by_path(&self, path: &str) -> Result<&Region> {
        let unknown = || Error::UnknownRegion {
            query: path.to_owned(),
        };
        let names: Vec<&str> = path.split(['/', '／']).map(str::trim).collect();
        let Some((first, rest)) = names.split_first() else {
            return Err(unknown());
        };
        if names.iter().any(|name| name.is_empty()) {
            return Err(unknown());
        }
        let mut from_province: Vec<usize> = Vec::new();
        let mut found: Vec<usize> = Vec::new();
        for start in self.indices_named(first) {
            for end in self.walk(start, rest) {
                found.push(end);
                if self.level_at(start) == Some(RegionLevel::Province) {
                    from_province.push(end);
                }
            }
        }
        // A full path from a province wins over a partial match elsewhere.
        let candidates = if from_province.is_empty() {
            found
        } else {
            from_province
        };
        let index = match candidates.as_slice() {
            [] => return Err(unknown()),
            [index] => *index,
            several => {
                return Err(Error::AmbiguousRegion {
                    query: path.to_owned(),
                    candidates: several
                        .iter()
                        .filter_map(|index| self.regions.get(*index))
                        .map(|region| region.code().to_string())
                        .collect(),
                });
            }
        };
        self.regions.get(index).ok_or_else(unknown)
    }

    /// The regions directly below `code`, in code order (empty for an unknown code).
    pub fn children(&self, code: RegionCode) -> impl Iterator<Item = &Region> + '_ {
        let range = self
            .index_of(code)
            .and_then(|i| Some((*self.child_start.get(i)?, *self.child_start.get(i + 1)?)))
            .map_or(0..0, |(a, b)| a as usize..b as usize);
        let list = self.children.get(range).unwrap_or(&[]);
        self.regions_at(list)
    }

    /// The provinces, in code order.
    pub fn provinces(&self) -> impl Iterator<Item = &Region> + '_ {
        self.regions_at(&self.provinces)
    }

    /// The region `code` and every region below it, in code order (empty for an
    /// unknown code).
    pub fn subtree(&self, code: RegionCode) -> impl ExactSizeIterator<Item = &Region> + '_ {
        let slice = match self.index_of(code) {
            Some(start) => {
                let last = code.0 + POW10[12 - code.level().digits()] - 1;
                let end = self.regions.partition_point(|r| r.code.0 <= last);
                self.regions.get(start..end).unwrap_or(&[])
            }
            None => &[],
        };
        slice.iter()
    }

    /// All regions, in code order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Region> + '_ {
        self.regions.iter()
    }

    /// The names from the province down to `code`, joined by `/`:
    /// `"内蒙古自治区/赤峰市/巴林左旗/林东镇"`.
    pub fn name_path(&self, code: RegionCode) -> Result<String> {
        let region = self.lookup(code)?;
        let mut names = vec![region.name()];
        for ancestor in code.ancestors() {
            names.push(self.lookup(ancestor)?.name());
        }
        names.reverse();
        Ok(names.join("/"))
    }

    fn index_of(&self, code: RegionCode) -> Option<usize> {
        self.regions.binary_search_by_key(&code, |r| r.code).ok()
    }

    fn level_at(&self, index: usize) -> Option<RegionLevel> {
        self.regions.get(index).map(Region::level)
    }

    fn regions_at<'a>(&'a self, indices: &'a [u32]) -> impl Iterator<Item = &'a Region> + 'a {
        // Indices are built with the table, so none is skipped.
        indices
            .iter()
            .filter_map(move |&i| self.regions.get(i as usize))
    }

    /// Indices of the regions with exactly this name, in code order.
    fn indices_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        let hash = name_hash(name);
        let start = self.by_name.partition_point(|(h, _)| *h < hash);
        self.by_name
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, i)| *i as usize)
            .filter(move |i| self.regions.get(*i).is_some_and(|r| &*r.name == name))
    }

    /// The regions reached from `start` by following `names` down the tree.
    fn walk(&self, start: usize, names: &[&str]) -> Vec<usize> {
        let mut current = vec![start];
        for name in names {
            let mut next = Vec::new();
            for index in current {
                let (Some(&a), Some(&b)) =
                    (self.child_start.get(index), self.child_start.get(index + 1))
                else {
                    continue;
                };
                for &child in self.children.get(a as usize..b as usize).unwrap_or(&[]) {
                    if self
                        .regions
                        .get(child as usize)
                        .is_some_and(|r| &*r.name == *name)
                    {
                        next.push(child as usize);
                    }
                }
            }
            current = next;
        }
        current
    }
}

fn read_region_csv<R: Read>(
    source_name: &str,
    source: usize,
    reader: R,
    rows: &mut Vec<Row>,
) -> Result<()> {
    for_each_csv_row(
        source_name,
        reader,
        "a region table",
        &REGION_HEADER,
        |record, line| {
            rows.push(parse_region_row(record, source, line)?);
            Ok(())
        },
    )
}

/// Reads a CSV data file whose first line is `header`, calling `row` with each
/// later record and its one-based line number. Shared with the calendar.
///
/// The csv crate's own line count misses blank lines, so lines are counted
/// here from byte offsets.
pub(crate) fn for_each_csv_row<R: Read>(
    source_name: &str,
    mut reader: R,
    what: &str,
    header: &[&str],
    mut row: impl FnMut(&csv::StringRecord, u64) -> std::result::Result<(), String>,
) -> Result<()> {
    let data_error = |line: u64, message: String| Error::Data {
        source_name: source_name.to_owned(),
        line,
        message,
    };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| data_error(1, format!("the file cannot be read: {error}")))?;
    let mut counted_to = 0usize;
    let mut line = 1u64;
    let mut line_at = |byte: u64| {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // A record's position is taken before the blank lines in front of it.
        while let Some(b'\n' | b'\r') = bytes.get(byte) {
            byte += 1;
        }
        if byte > counted_to {
            let newlines = bytes
                .get(counted_to..byte)
                .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
            line += newlines as u64;
            counted_to = byte;
        }
        line
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut record = csv::StringRecord::new();
    let mut header_seen = false;
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let line = line_at(error.position().map_or(u64::MAX, csv::Position::byte));
                return Err(data_error(
                    line,
                    format!("cannot be read as CSV text: {error}"),
                ));
            }
        }
        let line = line_at(record.position().map_or(u64::MAX, csv::Position::byte));
        if !header_seen {
            header_seen = true;
            let found: Vec<&str> = record
                .iter()
                .map(|field| field.trim_start_matches('\u{feff}').trim())
                .collect();
            if found != header {
                return Err(data_error(
                    line,
                    format!(
                        "the header is {:?}; {what} starts with the header {}",
                        found.join(","),
                        header.join(",")
                    ),
                ));
            }
            continue;
        }
        row(&record, line).map_err(|message| data_error(line, message))?;
    }
    if !header_seen {
        return Err(data_error(
            1,
            format!(
                "the file is empty; {what} starts with the header {}",
                header.join(",")
            ),
        ));
    }
    Ok(())
}

fn parse_region_row(
    record: &csv::StringRecord,
    source: usize,
    line: u64,
) -> std::result::Result<Row, String> {
    let (Some(code_text), Some(name), Some(level_text), Some(parent_text), None) = (
        record.get(0),
        record.get(1),
        record.get(2),
        record.get(3),
        record.get(4),
    ) else {
        return Err(format!(
            "has {} fields; a region row has 4: {}",
            record.len(),
            REGION_HEADER.join(",")
        ));
    };
    let (code_text, name, level_text, parent_text) = (
        code_text.trim(),
        name.trim(),
        level_text.trim(),
        parent_text.trim(),
    );
    let code =
        parse_digits(code_text).map_err(|rule| format!("field code12 = {code_text:?}: {rule}"))?;
    if code_text.len() != 12 {
        return Err(format!(
            "field code12 = {code_text:?}: write all 12 digits in a region table"
        ));
    }
    if name.is_empty() {
        return Err(format!("field name is empty for code12 {code}"));
    }
    if name.contains(['/', '／']) {
        return Err(format!(
            "field name = {name:?}: a name may not contain '/', which separates names in a path"
        ));
    }
    let level = RegionLevel::from_name(level_text).ok_or_else(|| {
        format!("field level = {level_text:?}: not one of province, prefecture, county, township, village")
    })?;
    if parent_text == code_text && level > code.level() {
        return Ok(Row {
            code,
            name: name.into(),
            repeat_at: Some(level),
            source,
            line,
        });
    }
    if level != code.level() {
        return Err(format!(
            "field level = {level_text:?}, but code12 {code} is a {} code",
            code.level()
        ));
    }
    match code.parent() {
        None if !parent_text.is_empty() => {
            return Err(format!(
                "field parent_code12 = {parent_text:?}, but a province ({code}) has no parent; leave it empty"
            ));
        }
        None => {}
        Some(parent) => {
            let given = parse_digits(parent_text)
                .map_err(|rule| format!("field parent_code12 = {parent_text:?}: {rule}"))?;
            if given != parent || parent_text.len() != 12 {
                return Err(format!(
                    "field parent_code12 = {parent_text:?}, but the region above {code} is {parent}"
                ));
            }
        }
    }
    Ok(Row {
        code,
        name: name.into(),
        repeat_at: None,
        source,
        line,
    })
}

fn build_tree(rows: Vec<Row>, sources: &[String]) -> Result<RegionTree> {
    let source_name = |source: usize| sources.get(source).map_or("", String::as_str);
    // Cross-row problems are reported at the earliest offending line.
    let mut problems: Vec<(usize, u64, String)> = Vec::new();

    let (repeats, mut rows): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|row| row.repeat_at.is_some());
    // Stable: of equal codes, the first one read comes first.
    rows.sort_by_key(|row| row.code);
    for pair in rows.windows(2) {
        if let [previous, row] = pair {
            if previous.code == row.code && previous.name != row.name {
                problems.push((
                    row.source,
                    row.line,
                    format!(
                        "code12 {} is named {:?} here but {:?} at {} line {}",
                        row.code,
                        row.name,
                        previous.name,
                        source_name(previous.source),
                        previous.line
                    ),
                ));
            }
        }
    }
    rows.dedup_by_key(|row| row.code);
    let origins: Vec<(usize, u64)> = rows.iter().map(|row| (row.source, row.line)).collect();
    let regions: Vec<Region> = rows
        .into_iter()
        .map(|row| Region {
            code: row.code,
            name: row.name,
        })
        .collect();
    let index_of = |code: RegionCode| regions.binary_search_by_key(&code, |r| r.code).ok();

    for row in &repeats {
        match index_of(row.code).and_then(|i| regions.get(i)) {
            Some(region) if region.name == row.name => {}
            Some(region) => problems.push((
                row.source,
                row.line,
                format!(
                    "this row repeats code12 {} one level down, but names it {:?} instead of {:?}",
                    row.code, row.name, region.name
                ),
            )),
            None => problems.push((
                row.source,
                row.line,
                format!(
                    "parent_code12 equals code12 ({}), but no row gives that region itself",
                    row.code
                ),
            )),
        }
    }

    let count = u32::try_from(regions.len()).map_err(|_| Error::Data {
        source_name: sources.join(", "),
        line: 0,
        message: format!(
            "{} regions are more than a region table can hold",
            regions.len()
        ),
    })?;
    // Parent index of every region (u32::MAX for provinces), then children grouped by parent.
    let mut parent_of: Vec<u32> = Vec::with_capacity(regions.len());
    let mut child_count: Vec<u32> = vec![0; regions.len()];
    let mut provinces = Vec::new();
    for ((i, region), (source, line)) in (0..count).zip(&regions).zip(&origins) {
        let Some(parent) = region.code.parent() else {
            provinces.push(i);
            parent_of.push(u32::MAX);
            continue;
        };
        match index_of(parent) {
            Some(p) => {
                parent_of.push(p as u32);
                if let Some(n) = child_count.get_mut(p) {
                    *n += 1;
                }
            }
            None => {
                parent_of.push(u32::MAX);
                problems.push((
                    *source,
                    *line,
                    format!(
                        "field parent_code12 = \"{parent}\": no region with that code is in the table; \
                         add its row"
                    ),
                ));
            }
        }
    }
    if let Some((source, line, message)) = problems
        .into_iter()
        .min_by_key(|(source, line, _)| (*source, *line))
    {
        return Err(Error::Data {
            source_name: source_name(source).to_owned(),
            line,
            message,
        });
    }

    let mut child_start: Vec<u32> = Vec::with_capacity(regions.len() + 1);
    let mut total = 0u32;
    for n in &child_count {
        child_start.push(total);
        total += n;
    }
    child_start.push(total);
    let mut fill = child_start.clone();
    let mut children = vec![0u32; total as usize];
    for (i, p) in (0..count).zip(&parent_of) {
        if let Some(slot) = fill.get_mut(*p as usize) {
            if let Some(entry) = children.get_mut(*slot as usize) {
                *entry = i;
            }
            *slot += 1;
        }
    }
    // Sorting hashes is several times faster than sorting the names themselves.
    let mut by_name: Vec<(u64, u32)> = (0..count)
        .zip(&regions)
        .map(|(i, region)| (name_hash(&region.name), i))
        .collect();
    by_name.sort_unstable();
    Ok(RegionTree {
        regions,
        child_start,
        children,
        provinces,
        by_name,
    })
}

/// A hash of a region name for the name index (collisions are checked on lookup).
fn name_hash(name: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(name)
}

#[cfg(any(test, feature = "proptest"))]
pub(crate) mod strategy {
    //! Strategies for valid region codes, shared by the tests and `Arbitrary`.

    use proptest::prelude::*;

    use super::{RegionCode, RegionLevel};

    /// Any level.
    pub(crate) fn region_level() -> impl Strategy<Value = RegionLevel> {
        proptest::sample::select(RegionLevel::ALL.to_vec())
    }

    /// Valid codes of every level, including townships of cities without counties.
    pub(crate) fn region_code() -> impl Strategy<Value = RegionCode> {
        (
            0usize..5,
            1u64..=99,
            1u64..=99,
            prop_oneof![1 => Just(0u64), 4 => 1u64..=99],
            1u64..=999,
            1u64..=999,
        )
            .prop_map(|(depth, province, prefecture, county, township, village)| {
                // A county part of 00 needs a township below it.
                let county = if county == 0 && depth < 3 { 1 } else { county };
                let parts = [
                    (province, 10_000_000_000u64),
                    (prefecture, 100_000_000),
                    (county, 1_000_000),
                    (township, 1_000),
                    (village, 1),
                ];
                RegionCode(
                    parts
                        .iter()
                        .take(depth + 1)
                        .map(|(part, unit)| part * unit)
                        .sum(),
                )
            })
    }
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for RegionCode {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<RegionCode>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        proptest::strategy::Strategy::boxed(strategy::region_code())
    }
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for RegionLevel {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<RegionLevel>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        proptest::strategy::Strategy::boxed(strategy::region_level())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::strategy::{region_code, region_level};
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn code(text: &str) -> Result<RegionCode> {
        RegionCode::parse(text)
    }

    fn rule_of(text: &str) -> Option<RegionCodeRule> {
        match RegionCode::parse(text) {
            Err(Error::RegionCode { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    #[test]
    fn parses_full_and_short_codes() -> TestResult {
        let town = code("150422100000")?;
        assert_eq!(town.as_u64(), 150_422_100_000);
        assert_eq!(town.level(), RegionLevel::Township);
        assert_eq!(town.to_string(), "150422100000");
        assert_eq!(town.to_short_string(), "150422100");
        assert_eq!(format!("{town:?}"), "RegionCode(150422100000)");
        assert_eq!(code("150422100")?, town);
        assert_eq!(code("15")?, code("150000000000")?);
        assert_eq!(code("15")?.level(), RegionLevel::Province);
        assert_eq!(code("1504")?.level(), RegionLevel::Prefecture);
        assert_eq!(code("150422")?.level(), RegionLevel::County);
        assert_eq!(code("150422100201")?.level(), RegionLevel::Village);
        assert_eq!(town.segment(RegionLevel::County), 22);
        assert_eq!(town.segment(RegionLevel::Township), 100);
        assert_eq!("150422100000".parse::<RegionCode>()?, town);
        assert_eq!(RegionCode::try_from(150_422_100_000u64)?, town);
        assert_eq!(u64::from(town), 150_422_100_000);
        Ok(())
    }

    #[test]
    fn reports_the_rule_broken() {
        assert_eq!(rule_of(""), Some(RegionCodeRule::Length { found: 0 }));
        assert_eq!(
            rule_of("15042210000"),
            Some(RegionCodeRule::Length { found: 11 })
        );
        assert_eq!(
            rule_of("1504221000001"),
            Some(RegionCodeRule::Length { found: 13 })
        );
        assert_eq!(
            rule_of("15042a100000"),
            Some(RegionCodeRule::Character {
                position: 6,
                found: 'a'
            })
        );
        assert_eq!(
            rule_of("15０4"),
            Some(RegionCodeRule::Character {
                position: 3,
                found: '０'
            })
        );
        assert_eq!(
            rule_of("150000010000"),
            Some(RegionCodeRule::Structure {
                level: RegionLevel::Township,
                missing: Some(RegionLevel::Prefecture),
            })
        );
        assert_eq!(
            rule_of("150422000001"),
            Some(RegionCodeRule::Structure {
                level: RegionLevel::Village,
                missing: Some(RegionLevel::Township),
            })
        );
        assert_eq!(
            rule_of("441900000001"),
            Some(RegionCodeRule::Structure {
                level: RegionLevel::Village,
                missing: Some(RegionLevel::County),
            })
        );
        assert_eq!(
            rule_of("00"),
            Some(RegionCodeRule::Structure {
                level: RegionLevel::Province,
                missing: None,
            })
        );
        assert_eq!(
            rule_of("000422100000"),
            Some(RegionCodeRule::Structure {
                level: RegionLevel::Province,
                missing: None,
            })
        );
        assert!(matches!(
            RegionCode::from_u64(1_000_000_000_000),
            Err(Error::RegionCode {
                rule: RegionCodeRule::Length { found: 13 },
                ..
            })
        ));
    }

    #[test]
    fn messages_name_value_and_rule() {
        let message = |text: &str| code(text).map_or_else(|e| e.to_string(), |c| c.to_string());
        assert_eq!(
            message("15042a"),
            "region code \"15042a\": character 6 is 'a'; a region code has only the digits 0-9"
        );
        assert!(message("150000010000").contains(
            "the township part (digits 7–9) is filled in but the prefecture part (digits 3–4) above it is all zeros"
        ));
        assert!(message("00").contains("the province part (digits 1–2) is 00"));
        assert!(message("1504221").contains("has 7 characters; a region code has 12 digits"));
    }

    #[test]
    fn structure_follows_the_code() -> TestResult {
        let village = code("150422100201")?;
        let ancestors: Vec<String> = village.ancestors().map(|c| c.to_string()).collect();
        assert_eq!(
            ancestors,
            [
                "150422100000",
                "150422000000",
                "150400000000",
                "150000000000"
            ]
        );
        assert_eq!(code("15")?.parent(), None);
        assert_eq!(code("15")?.ancestors().count(), 0);
        assert!(village.is_within(code("1504")?));
        assert!(village.is_within(village));
        assert!(!village.is_within(code("1505")?));
        assert!(!code("1504")?.is_within(village));
        assert_eq!(village.truncate(RegionLevel::County), code("150422")?);
        assert_eq!(code("1504")?.truncate(RegionLevel::Village), code("1504")?);
        // A city without counties: towns sit right below it.
        let town = code("441900003000")?;
        assert_eq!(town.level(), RegionLevel::Township);
        assert_eq!(town.parent(), Some(code("4419")?));
        assert!(town.is_within(code("4419")?));
        assert!(!town.is_within(code("441901")?));
        assert_eq!(town.truncate(RegionLevel::County), code("4419")?);
        // 省直辖县级行政区划 (prefecture part 90) follows the same rules.
        let county = code("659001")?;
        assert_eq!(county.level(), RegionLevel::County);
        assert_eq!(county.parent(), Some(code("6590")?));
        Ok(())
    }

    #[test]
    fn serde_reads_the_string() -> TestResult {
        use serde::de::value::{Error as DeError, StrDeserializer};
        let read = |text: &str| RegionCode::deserialize(StrDeserializer::<DeError>::new(text));
        assert_eq!(read("150422100000")?, code("150422100000")?);
        assert!(read("15042210000x").is_err());
        let level = RegionLevel::deserialize(StrDeserializer::<DeError>::new("township"))?;
        assert_eq!(level, RegionLevel::Township);
        Ok(())
    }

    #[test]
    fn levels_have_names_and_terms() {
        for level in RegionLevel::ALL {
            assert_eq!(RegionLevel::from_name(level.as_str()), Some(level));
            assert_eq!(level.to_string(), level.as_str());
            assert_eq!(
                level.child_level().and_then(RegionLevel::parent_level),
                level.child_level().map(|_| level)
            );
        }
        assert_eq!(RegionLevel::from_name("town"), None);
        assert_eq!(RegionLevel::Township.generic_term_zh(), "乡级");
        assert!(RegionLevel::Province < RegionLevel::Village);
    }

    #[cfg(feature = "bundled-data")]
    mod bundled {
        use super::*;

        fn tree() -> Result<&'static RegionTree> {
            RegionTree::bundled()
        }

        fn term(code_text: &str) -> std::result::Result<&'static str, Box<dyn std::error::Error>> {
            Ok(tree()?.lookup(code(code_text)?)?.level_term())
        }

        #[test]
        fn bundled_data_parses() -> TestResult {
            let tree = tree()?;
            // 44,703 + 15,938 rows, less the Inner Mongolia overlap and NBS's four repeats.
            assert_eq!(tree.len(), 59_291);
            assert_eq!(tree.provinces().count(), 31);
            let total: usize = tree.provinces().map(|p| tree.subtree(p.code()).len()).sum();
            assert_eq!(total, tree.len());
            for region in tree.iter() {
                if let Some(parent) = region.parent() {
                    assert!(tree.contains(parent), "{} has no parent", region.code());
                }
            }
            Ok(())
        }

        #[test]
        fn finds_by_path() -> TestResult {
            let tree = tree()?;
            let town = tree.find_by_path("内蒙古自治区/赤峰市/巴林左旗/林东镇")?;
            assert_eq!(town.code(), code("150422100000")?);
            assert_eq!(town.name(), "林东镇");
            assert_eq!(town.level(), RegionLevel::Township);
            assert_eq!(town.parent(), Some(code("150422")?));
            assert_eq!(
                tree.find_by_path(" 内蒙古自治区 ／ 赤峰市/巴林左旗/林东镇")?
                    .code(),
                town.code()
            );
            assert_eq!(tree.find_by_path("巴林左旗/林东镇")?.code(), town.code());
            assert_eq!(tree.find_by_path("林东镇")?.code(), town.code());
            assert_eq!(tree.find_by_path("内蒙古自治区")?.code(), code("15")?);
            assert_eq!(
                tree.find_by_path("广东省/东莞市/东城街道")?.code(),
                code("441900003")?
            );
            assert_eq!(
                tree.find_by_path("东莞市/东城街道")?.code(),
                code("441900003")?
            );
            for unknown in [
                "",
                "/",
                "内蒙古自治区//赤峰市",
                "内蒙古自治区/赤峰市/不存在",
            ] {
                assert_eq!(
                    tree.find_by_path(unknown),
                    Err(Error::UnknownRegion {
                        query: unknown.to_owned()
                    }),
                    "{unknown:?}"
                );
            }
            // 东城街道 exists in many cities: the error lists them all.
            match tree.find_by_path("东城街道") {
                Err(Error::AmbiguousRegion { query, candidates }) => {
                    assert_eq!(query, "东城街道");
                    assert!(candidates.len() > 2, "{candidates:?}");
                    assert!(candidates.contains(&"441900003000".to_owned()));
                }
                other => return Err(format!("expected AmbiguousRegion, got {other:?}").into()),
            }
            Ok(())
        }

        #[test]
        fn names_paths_and_lookups() -> TestResult {
            let tree = tree()?;
            assert_eq!(
                tree.name_path(code("150422100000")?)?,
                "内蒙古自治区/赤峰市/巴林左旗/林东镇"
            );
            assert_eq!(
                tree.name_path(code("441900003")?)?,
                "广东省/东莞市/东城街道"
            );
            assert_eq!(
                tree.name_path(code("150422100201")?)?,
                "内蒙古自治区/赤峰市/巴林左旗/林东镇/福山地村委会"
            );
            let missing = code("150422999000")?;
            assert_eq!(tree.get(missing), None);
            assert_eq!(
                tree.lookup(missing),
                Err(Error::UnknownRegion {
                    query: "150422999000".to_owned()
                })
            );
            assert!(tree.name_path(missing).is_err());
            Ok(())
        }

        #[test]
        fn children_and_subtrees() -> TestResult {
            let tree = tree()?;
            let county = code("150422")?;
            let children: Vec<&Region> = tree.children(county).collect();
            assert_eq!(children.len(), 14);
            assert!(children.iter().all(|c| c.parent() == Some(county)));
            assert!(
                children
                    .windows(2)
                    .all(|w| matches!(w, [a, b] if a.code() < b.code()))
            );
            assert_eq!(tree.children(code("4419")?).count(), 36);
            assert_eq!(tree.children(code("150422999")?).count(), 0);

            let league = code("1504")?;
            let subtree: Vec<&Region> = tree.subtree(league).collect();
            assert_eq!(subtree.len(), 2667);
            assert_eq!(subtree.first().map(|r| r.code()), Some(league));
            assert!(subtree.iter().all(|r| r.code().is_within(league)));
            assert!(
                subtree
                    .windows(2)
                    .all(|w| matches!(w, [a, b] if a.code() < b.code()))
            );
            assert_eq!(tree.subtree(code("15")?).len(), 15_938);
            assert_eq!(tree.subtree(code("150422100201")?).len(), 1);
            assert_eq!(tree.subtree(code("150422999")?).len(), 0);
            Ok(())
        }

        proptest! {
            #[test]
            fn path_lookup_never_panics(path in "(内蒙古自治区|赤峰市|巴林左旗|林东镇|/|／| |市辖区|[a-z])*") {
                let tree = tree()?;
                if let Ok(region) = tree.find_by_path(&path) {
                    let full = tree.name_path(region.code())?;
                    prop_assert_eq!(tree.find_by_path(&full)?.code(), region.code());
                }
            }

            #[test]
            fn every_region_is_found_by_its_path(index in 0usize..59_291) {
                let tree = tree()?;
                let region = tree.iter().nth(index).ok_or_else(|| TestCaseError::fail("no region"))?;
                let path = tree.name_path(region.code())?;
                prop_assert_eq!(tree.find_by_path(&path)?, region);
            }
        }

        #[test]
        fn level_terms_follow_local_usage() -> TestResult {
            assert_eq!(term("152500000000")?, "盟"); // 锡林郭勒盟
            assert_eq!(term("150422000000")?, "旗"); // 巴林左旗
            assert_eq!(term("150205202000")?, "苏木"); // 吉忽伦图苏木
            assert_eq!(term("150725201000")?, "民族苏木"); // 鄂温克民族苏木
            assert_eq!(term("150203102211")?, "嘎查"); // 卜尔汉图嘎查
            assert_eq!(term("150422100201")?, "村"); // 福山地村委会
            assert_eq!(term("150103003001")?, "社区"); // 什拉门更社区居民委员会
            assert_eq!(term("150102001000")?, "街道"); // 海拉尔东路街道
            assert_eq!(term("150422100000")?, "镇"); // 林东镇
            assert_eq!(term("150781000000")?, "县级市"); // 满洲里市
            assert_eq!(term("150400000000")?, "市"); // 赤峰市
            assert_eq!(term("150000000000")?, "自治区");
            assert_eq!(term("110000000000")?, "直辖市");
            assert_eq!(term("130000000000")?, "省");
            assert_eq!(term("110100000000")?, "地级"); // 市辖区
            assert_eq!(term("419000000000")?, "地级"); // 省直辖县级行政区划
            Ok(())
        }
    }

    const HEADER: &str = "code12,name,level,parent_code12\n";

    fn read(text: &str) -> Result<RegionTree> {
        RegionTree::from_csv_reader("test.csv", text.as_bytes())
    }

    fn data_error(result: Result<RegionTree>) -> Option<(String, u64, String)> {
        match result {
            Err(Error::Data {
                source_name,
                line,
                message,
            }) => Some((source_name, line, message)),
            _ => None,
        }
    }

    #[test]
    fn reads_a_small_table() -> TestResult {
        let tree = read(&format!(
            "{HEADER}150000000000,内蒙古自治区,province,\n\
             150400000000,赤峰市,prefecture,150000000000\n\
             150422000000,巴林左旗,county,150400000000\n\
             150422100000,林东镇,township,150422000000\n"
        ))?;
        assert_eq!(tree.len(), 4);
        assert_eq!(
            tree.name_path(code("150422100")?)?,
            "内蒙古自治区/赤峰市/巴林左旗/林东镇"
        );
        assert_eq!(
            format!("{tree:?}"),
            "RegionTree { regions: 4, provinces: 1, .. }"
        );
        Ok(())
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_field() {
        let province = "150000000000,内蒙古自治区,province,\n";
        let cases: [(String, u64, &str); 12] = [
            ("code,name\n".to_owned(), 1, "the header is \"code,name\""),
            (String::new(), 1, "the file is empty"),
            (
                format!("{HEADER}{province}15040000000,赤峰市,prefecture,150000000000\n"),
                3,
                "field code12 = \"15040000000\": has 11 characters",
            ),
            (
                format!("{HEADER}{province}1504,赤峰市,prefecture,150000000000\n"),
                3,
                "write all 12 digits",
            ),
            (
                format!("{HEADER}{province}150400000000,赤峰市,county,150000000000\n"),
                3,
                "field level = \"county\", but code12 150400000000 is a prefecture code",
            ),
            (
                format!("{HEADER}{province}150400000000,赤峰市,city,150000000000\n"),
                3,
                "field level = \"city\": not one of",
            ),
            (
                format!("{HEADER}{province}150400000000,,prefecture,150000000000\n"),
                3,
                "field name is empty",
            ),
            (
                format!("{HEADER}{province}150400000000,赤峰/市,prefecture,150000000000\n"),
                3,
                "may not contain '/'",
            ),
            (
                format!("{HEADER}{province}150400000000,赤峰市,prefecture\n"),
                3,
                "has 3 fields",
            ),
            (
                format!("{HEADER}{province}150400000000,赤峰市,prefecture,140000000000\n"),
                3,
                "the region above 150400000000 is 150000000000",
            ),
            (
                format!("{HEADER}{province}\n150422000000,巴林左旗,county,150400000000\n"),
                4,
                "field parent_code12 = \"150400000000\": no region with that code",
            ),
            (
                format!("{HEADER}150000000000,内蒙古自治区,province,110000000000\n"),
                2,
                "a province (150000000000) has no parent",
            ),
        ];
        for (text, line, message) in cases {
            let found = data_error(read(&text));
            assert!(
                matches!(&found, Some((source, l, m)) if source == "test.csv" && *l == line && m.contains(message)),
                "{text:?} gave {found:?}"
            );
        }
        let not_utf8 = [HEADER.as_bytes(), b"150000000000,\xff\xfe,province,\n"].concat();
        let found = data_error(RegionTree::from_csv_reader("test.csv", &not_utf8[..]));
        assert!(
            matches!(&found, Some((_, 2, m)) if m.contains("cannot be read as CSV")),
            "{found:?}"
        );
    }

    #[test]
    fn merges_sources_and_checks_duplicates() -> TestResult {
        let first = format!(
            "{HEADER}150000000000,内蒙古自治区,province,\n150400000000,赤峰市,prefecture,150000000000\n"
        );
        let second = format!(
            "{HEADER}150400000000,赤峰市,prefecture,150000000000\n150422000000,巴林左旗,county,150400000000\n"
        );
        let tree = RegionTree::merge([("a.csv", first.as_bytes()), ("b.csv", second.as_bytes())])?;
        assert_eq!(tree.len(), 3);
        // The parent may come from another source.
        let tree = RegionTree::merge([("b.csv", second.as_bytes()), ("a.csv", first.as_bytes())])?;
        assert_eq!(tree.len(), 3);

        let renamed = format!("{HEADER}150400000000,红山市,prefecture,150000000000\n");
        let found = data_error(RegionTree::merge([
            ("a.csv", first.as_bytes()),
            ("c.csv", renamed.as_bytes()),
        ]));
        assert_eq!(
            found,
            Some((
                "c.csv".to_owned(),
                2,
                "code12 150400000000 is named \"红山市\" here but \"赤峰市\" at a.csv line 3"
                    .to_owned()
            ))
        );
        Ok(())
    }

    #[test]
    fn nbs_repeat_rows_are_checked_and_skipped() -> TestResult {
        let base = format!(
            "{HEADER}440000000000,广东省,province,\n441900000000,东莞市,prefecture,440000000000\n"
        );
        let tree = read(&format!(
            "{base}441900000000,东莞市,county,441900000000\n441900003000,东城街道,township,441900000000\n"
        ))?;
        assert_eq!(tree.len(), 3);
        assert_eq!(tree.lookup(code("4419")?)?.level(), RegionLevel::Prefecture);
        let found = data_error(read(&format!(
            "{base}441900000000,中山市,county,441900000000\n"
        )));
        assert!(
            matches!(&found, Some((_, 4, m)) if m.contains("instead of \"东莞市\"")),
            "{found:?}"
        );
        let found = data_error(read(&format!(
            "{base}442000000000,中山市,county,442000000000\n"
        )));
        assert!(
            matches!(&found, Some((_, 4, m)) if m.contains("no row gives that region")),
            "{found:?}"
        );
        let found = data_error(read(&format!(
            "{base}441900000000,东莞市,prefecture,441900000000\n"
        )));
        assert!(
            matches!(&found, Some((_, 4, m)) if m.contains("the region above 441900000000 is 440000000000")),
            "{found:?}"
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(code in region_code()) {
            prop_assert_eq!(RegionCode::parse(&code.to_string())?, code);
            prop_assert_eq!(RegionCode::parse(&code.to_short_string())?, code);
            prop_assert_eq!(RegionCode::from_u64(code.as_u64())?, code);
            prop_assert_eq!(code.to_string().len(), 12);
        }

        #[test]
        fn ancestors_contain_the_code(code in region_code()) {
            let ancestors: Vec<RegionCode> = code.ancestors().collect();
            let mut level = code.level();
            for ancestor in &ancestors {
                prop_assert!(code.is_within(*ancestor));
                prop_assert!(!ancestor.is_within(code));
                prop_assert!(ancestor.level() < level);
                level = ancestor.level();
                prop_assert_eq!(RegionCode::from_u64(ancestor.as_u64())?, *ancestor);
            }
            prop_assert_eq!(ancestors.first().copied(), code.parent());
            prop_assert_eq!(ancestors.last().map(|a| a.level()), code.parent().map(|_| RegionLevel::Province));
        }

        #[test]
        fn truncate_gives_an_ancestor_or_self(code in region_code(), level in region_level()) {
            let truncated = code.truncate(level);
            prop_assert!(code.is_within(truncated));
            prop_assert!(truncated.level() <= level);
            prop_assert!(truncated == code || code.ancestors().any(|a| a == truncated));
        }

        #[test]
        fn parser_never_panics(text in any::<String>()) {
            if let Ok(code) = RegionCode::parse(&text) {
                prop_assert_eq!(RegionCode::parse(&code.to_string())?, code);
            }
        }

        #[test]
        fn digit_strings_parse_consistently(text in "[0-9]{0,14}") {
            match RegionCode::parse(&text) {
                Ok(code) => {
                    prop_assert!(ACCEPTED_LENGTHS.contains(&text.len()));
                    prop_assert!(code.to_string().starts_with(&text));
                }
                Err(Error::RegionCode { value, .. }) => prop_assert_eq!(value, text),
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }

        #[test]
        fn numbers_never_panic(value in any::<u64>()) {
            if let Ok(code) = RegionCode::from_u64(value) {
                prop_assert_eq!(code.as_u64(), value);
                prop_assert_eq!(RegionCode::parse(&code.to_string())?, code);
            }
        }

        #[test]
        fn csv_reader_never_panics(text in "(code12,name,level,parent_code12\n)?([0-9,a-z\"\n]|内蒙古){0,80}") {
            let _ = read(&text);
        }
    }
}
