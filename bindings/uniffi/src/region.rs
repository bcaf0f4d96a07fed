//! Region codes (行政区划代码) and the region table.

use std::fmt;
use std::sync::Arc;

use yikatong::RegionLevel;

use crate::Result;

/// The level of a region, from the top: province to village.
#[uniffi::remote(Enum)]
enum RegionLevel {
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

/// A well-formed 12-digit region code (行政区划代码); `toString()` gives 12 digits.
/// A valid code is not necessarily a region that exists: look it up in a `RegionTree`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct RegionCode(yikatong::RegionCode);

impl RegionCode {
    fn wrap(code: yikatong::RegionCode) -> Arc<Self> {
        Arc::new(Self(code))
    }
}

#[uniffi::export]
impl RegionCode {
    /// Reads a code: 12 digits, or the short form of a higher level (2, 4, 6 or 9
    /// digits), which is padded with zeros.
    #[uniffi::constructor]
    pub fn parse(text: &str) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::RegionCode::parse(text)?))
    }

    /// Checks a code given as a number, such as 150422100000.
    #[uniffi::constructor]
    pub fn from_u64(value: u64) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::RegionCode::from_u64(value)?))
    }

    /// The code as a number.
    pub fn as_u64(&self) -> u64 {
        self.0.as_u64()
    }

    /// The digits of one level's segment, e.g. 22 for the county of 150422100000.
    pub fn segment(&self, level: RegionLevel) -> u32 {
        self.0.segment(level)
    }

    /// The level of the region the code names.
    pub fn level(&self) -> RegionLevel {
        self.0.level()
    }

    /// The code of the region directly above; null for a province.
    pub fn parent(&self) -> Option<Arc<RegionCode>> {
        self.0.parent().map(Self::wrap)
    }

    /// The codes above this one, nearest first, ending with the province.
    pub fn ancestors(&self) -> Vec<Arc<RegionCode>> {
        self.0.ancestors().map(Self::wrap).collect()
    }

    /// Whether this code is `other` or lies inside it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0.is_within(other.0)
    }

    /// Keeps the segments down to `level` and sets the ones below to zeros.
    pub fn truncate(&self, level: RegionLevel) -> Arc<RegionCode> {
        Self::wrap(self.0.truncate(level))
    }

    /// The short form: only the digits down to the code's level, e.g. "150422".
    pub fn to_short_string(&self) -> String {
        self.0.to_short_string()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One named region of a `RegionTree`, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Region {
    /// The region's code.
    pub code: Arc<RegionCode>,
    /// The region's name as the code table writes it, e.g. 巴林左旗.
    pub name: String,
    /// The region's level (from its code).
    pub level: RegionLevel,
    /// The code of the region directly above; null for a province.
    pub parent: Option<Arc<RegionCode>>,
    /// The local word for this kind of region (旗, 苏木, 嘎查, …), or the level's generic word.
    pub level_term: String,
}

impl From<&yikatong::Region> for Region {
    fn from(region: &yikatong::Region) -> Self {
        Region {
            code: RegionCode::wrap(region.code()),
            name: region.name().to_owned(),
            level: region.level(),
            parent: region.parent().map(RegionCode::wrap),
            level_term: region.level_term().to_owned(),
        }
    }
}

fn regions<'a>(iter: impl Iterator<Item = &'a yikatong::Region>) -> Vec<Region> {
    iter.map(Region::from).collect()
}

enum Tree {
    Bundled(&'static yikatong::RegionTree),
    Loaded(yikatong::RegionTree),
}

/// The named regions of a code table, ordered by code. Immutable, so one tree can be
/// shared by any number of threads.
#[derive(uniffi::Object)]
pub struct RegionTree(Tree);

impl fmt::Debug for RegionTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.tree(), f)
    }
}

impl RegionTree {
    fn tree(&self) -> &yikatong::RegionTree {
        match &self.0 {
            Tree::Bundled(tree) => tree,
            Tree::Loaded(tree) => tree,
        }
    }
}

#[uniffi::export]
impl RegionTree {
    /// The bundled NBS 2023 table (all of China to townships, Inner Mongolia to
    /// villages), parsed once on first use.
    #[uniffi::constructor]
    pub fn bundled() -> Result<Arc<Self>> {
        Ok(Arc::new(Self(Tree::Bundled(
            yikatong::RegionTree::bundled()?,
        ))))
    }

    /// Reads one region table from CSV text with the header
    /// `code12,name,level,parent_code12`; `source_name` names it in error messages.
    #[uniffi::constructor]
    pub fn from_csv(source_name: &str, csv: &str) -> Result<Arc<Self>> {
        let tree = yikatong::RegionTree::from_csv_reader(source_name, csv.as_bytes())?;
        Ok(Arc::new(Self(Tree::Loaded(tree))))
    }

    /// How many regions the tree holds.
    pub fn len(&self) -> u64 {
        u64::try_from(self.tree().len()).unwrap_or(u64::MAX)
    }

    /// Whether the tree holds no region.
    pub fn is_empty(&self) -> bool {
        self.tree().is_empty()
    }

    /// Whether the tree has a region with this code.
    pub fn contains(&self, code: &RegionCode) -> bool {
        self.tree().contains(code.0)
    }

    /// The region with this code, or null.
    pub fn get(&self, code: &RegionCode) -> Option<Region> {
        self.tree().get(code.0).map(Region::from)
    }

    /// The region with this code, or an `UnknownRegion` error.
    pub fn lookup(&self, code: &RegionCode) -> Result<Region> {
        Ok(self.tree().lookup(code.0)?.into())
    }

    /// Finds a region by its names from the top, separated by `/`:
    /// "内蒙古自治区/赤峰市/巴林左旗/林东镇"; a unique tail such as "巴林左旗/林东镇" works too.
    pub fn find_by_path(&self, path: &str) -> Result<Region> {
        Ok(self.tree().find_by_path(path)?.into())
    }

    /// The regions directly below `code`, in code order (empty for an unknown code).
    pub fn children(&self, code: &RegionCode) -> Vec<Region> {
        regions(self.tree().children(code.0))
    }

    /// The provinces, in code order.
    pub fn provinces(&self) -> Vec<Region> {
        regions(self.tree().provinces())
    }

    /// The region `code` and every region below it, in code order (empty for an unknown code).
    pub fn subtree(&self, code: &RegionCode) -> Vec<Region> {
        regions(self.tree().subtree(code.0))
    }

    /// The names from the province down to `code`, joined by `/`.
    pub fn name_path(&self, code: &RegionCode) -> Result<String> {
        Ok(self.tree().name_path(code.0)?)
    }
}
