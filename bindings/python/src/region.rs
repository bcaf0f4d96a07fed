//! `RegionLevel`, `RegionCode`, `Region` and `RegionTree`.

use std::hash::{Hash, Hasher};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyIterator, PyList, PyString, PyType};

use crate::convert::{mirror_enum, type_name};
use crate::error::{CoreResult, PyYikatongError};

mirror_enum! {
    /// The level of a region in the five-level division.
    pub enum RegionLevel mirrors yikatong::RegionLevel {
        /// 省级: province, autonomous region, municipality.
        Province,
        /// 地级: prefecture (Inner Mongolia: 盟市).
        Prefecture,
        /// 县级: county (Inner Mongolia: 旗县).
        County,
        /// 乡级: township (Inner Mongolia: 苏木乡镇).
        Township,
        /// 村级: village (Inner Mongolia: 嘎查村).
        Village,
    }
}

#[pymethods]
impl RegionLevel {
    /// How many leading digits of a code this level uses (2, 4, 6, 9 or 12).
    fn digits(&self) -> usize {
        yikatong::RegionLevel::from(*self).digits()
    }

    /// How many digits this level's own segment has (2 or 3).
    fn segment_width(&self) -> usize {
        yikatong::RegionLevel::from(*self).segment_width()
    }

    /// The level above, or `None` for a province.
    fn parent_level(&self) -> Option<Self> {
        yikatong::RegionLevel::from(*self)
            .parent_level()
            .map(Self::from)
    }

    /// The level below, or `None` for a village.
    fn child_level(&self) -> Option<Self> {
        yikatong::RegionLevel::from(*self)
            .child_level()
            .map(Self::from)
    }

    /// The English name used in data files: "province" … "village".
    fn as_str(&self) -> &'static str {
        yikatong::RegionLevel::from(*self).as_str()
    }

    /// Reads the English name written by `as_str`; `None` for anything else.
    #[staticmethod]
    fn from_name(name: &str) -> Option<Self> {
        yikatong::RegionLevel::from_name(name).map(Self::from)
    }

    /// The generic Chinese word for the level: 省级, 地级, 县级, 乡级 or 村级.
    fn generic_term_zh(&self) -> &'static str {
        yikatong::RegionLevel::from(*self).generic_term_zh()
    }

    fn __str__(&self) -> &'static str {
        self.as_str()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// A 12-digit statistical division code (统计用区划代码).
///
/// `RegionCode(value)` takes 12 digits or the short form of a higher level (2, 4, 6 or 9
/// digits) as a `str`, or the code as an `int`. Raises `InvalidRegionCode`. Every
/// method that takes a code also accepts such a `str` or `int`.
#[pyclass(module = "yikatong._native", frozen, eq, hash, ord, from_py_object)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(pub(crate) yikatong::RegionCode);

/// A region code argument: a `RegionCode`, a `str` of digits or an `int`.
pub(crate) struct CodeArg(pub(crate) yikatong::RegionCode);

impl<'a, 'py> FromPyObject<'a, 'py> for CodeArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(code) = obj.cast::<RegionCode>() {
            return Ok(Self(code.get().0));
        }
        if let Ok(text) = obj.cast::<PyString>() {
            let code = yikatong::RegionCode::parse(&text.to_cow()?).map_err(PyYikatongError)?;
            return Ok(Self(code));
        }
        if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
            let code = yikatong::RegionCode::from_u64(obj.extract()?).map_err(PyYikatongError)?;
            return Ok(Self(code));
        }
        Err(PyTypeError::new_err(format!(
            "expected a RegionCode, str or int for a region code, got {}",
            type_name(&obj)
        )))
    }
}

// pyo3 methods take `&self`; the names are the core's (`to_fen`, …).
#[allow(clippy::wrong_self_convention)]
#[pymethods]
impl RegionCode {
    #[new]
    fn new(value: CodeArg) -> Self {
        Self(value.0)
    }

    /// Reads 12 digits, or the short form of a higher level (2, 4, 6 or 9 digits).
    #[staticmethod]
    fn parse(text: &str) -> CoreResult<Self> {
        Ok(Self(yikatong::RegionCode::parse(text)?))
    }

    /// Checks a code given as a number, such as 150422100000.
    #[staticmethod]
    fn from_u64(value: u64) -> CoreResult<Self> {
        Ok(Self(yikatong::RegionCode::from_u64(value)?))
    }

    /// The code as a number.
    fn as_u64(&self) -> u64 {
        self.0.as_u64()
    }

    /// The digits of one level's segment, e.g. 22 for the county of 150422100000.
    fn segment(&self, level: RegionLevel) -> u32 {
        self.0.segment(level.into())
    }

    /// The level of the region the code names.
    #[getter]
    fn level(&self) -> RegionLevel {
        self.0.level().into()
    }

    /// The code of the region directly above, or `None` for a province.
    #[getter]
    fn parent(&self) -> Option<Self> {
        self.0.parent().map(Self)
    }

    /// The codes above this one, nearest first, ending with the province.
    fn ancestors(&self) -> Vec<Self> {
        self.0.ancestors().map(Self).collect()
    }

    /// Whether this code is `other` or lies inside it.
    fn is_within(&self, other: CodeArg) -> bool {
        self.0.is_within(other.0)
    }

    /// Keeps the segments down to `level` and sets the ones below to zeros.
    fn truncate(&self, level: RegionLevel) -> Self {
        Self(self.0.truncate(level.into()))
    }

    /// Only the digits down to the code's level, e.g. "150422" for 150422000000.
    fn to_short_string(&self) -> String {
        self.0.to_short_string()
    }

    fn __int__(&self) -> u64 {
        self.0.as_u64()
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!("RegionCode('{}')", self.0)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (String,)) {
        (py.get_type::<Self>(), (self.0.to_string(),))
    }
}

/// One named region of a `RegionTree`. Got from the tree, not built by hand.
#[pyclass(module = "yikatong._native", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region(pub(crate) yikatong::Region);

impl Hash for Region {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.code().hash(state);
        self.0.name().hash(state);
    }
}

#[pymethods]
impl Region {
    /// The region's code.
    #[getter]
    fn code(&self) -> RegionCode {
        RegionCode(self.0.code())
    }

    /// The region's name as the code table writes it, e.g. 巴林左旗.
    #[getter]
    fn name(&self) -> &str {
        self.0.name()
    }

    /// The region's level.
    #[getter]
    fn level(&self) -> RegionLevel {
        self.0.level().into()
    }

    /// The code of the region directly above, or `None` for a province.
    #[getter]
    fn parent(&self) -> Option<RegionCode> {
        self.0.parent().map(RegionCode)
    }

    /// The local word for this kind of region (旗, 苏木, 嘎查, …) or the generic one.
    #[getter]
    fn level_term(&self) -> &'static str {
        self.0.level_term()
    }

    fn __str__(&self) -> String {
        format!("{} {}", self.0.code(), self.0.name())
    }

    fn __repr__(&self) -> String {
        format!("Region('{}', '{}')", self.0.code(), self.0.name())
    }
}

/// The bundled tree is shared for the life of the process; a tree read from CSV is owned.
#[derive(Debug)]
enum Tree {
    Bundled(&'static yikatong::RegionTree),
    Owned(yikatong::RegionTree),
}

/// The named regions of one or more code tables, ordered by code.
///
/// `RegionTree.bundled()` is the NBS 2023 table shipped with the library (all of China
/// to townships, Inner Mongolia to villages). Lookups return `Region` objects.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct RegionTree(Tree);

impl RegionTree {
    pub(crate) fn tree(&self) -> &yikatong::RegionTree {
        match &self.0 {
            Tree::Bundled(tree) => tree,
            Tree::Owned(tree) => tree,
        }
    }

    fn regions<'a>(regions: impl Iterator<Item = &'a yikatong::Region>) -> Vec<Region> {
        regions.cloned().map(Region).collect()
    }
}

#[pymethods]
impl RegionTree {
    /// The bundled NBS 2023 table, parsed once on first use.
    #[staticmethod]
    fn bundled(py: Python<'_>) -> CoreResult<Self> {
        // Parsing the table the first time takes a moment: let other threads run.
        let tree = py.detach(yikatong::RegionTree::bundled)?;
        Ok(Self(Tree::Bundled(tree)))
    }

    /// Reads one region table: CSV with the header `code12,name,level,parent_code12`.
    /// Raises `DataError` with the line of the first bad row.
    #[staticmethod]
    fn from_csv(py: Python<'_>, source_name: &str, data: Vec<u8>) -> CoreResult<Self> {
        let tree = py.detach(|| yikatong::RegionTree::from_csv_reader(source_name, &data[..]))?;
        Ok(Self(Tree::Owned(tree)))
    }

    /// Reads several region tables, given as `(source_name, csv_bytes)` pairs, into one tree.
    #[staticmethod]
    fn merge(py: Python<'_>, sources: Vec<(String, Vec<u8>)>) -> CoreResult<Self> {
        let tree = py.detach(|| {
            yikatong::RegionTree::merge(
                sources
                    .iter()
                    .map(|(name, data)| (name.as_str(), &data[..])),
            )
        })?;
        Ok(Self(Tree::Owned(tree)))
    }

    /// Whether the tree has a region with this code.
    fn contains(&self, code: CodeArg) -> bool {
        self.tree().contains(code.0)
    }

    /// The region with this code, or `None`.
    fn get(&self, code: CodeArg) -> Option<Region> {
        self.tree().get(code.0).cloned().map(Region)
    }

    /// The region with this code; raises `UnknownRegion` if the tree has none.
    fn lookup(&self, code: CodeArg) -> CoreResult<Region> {
        Ok(Region(self.tree().lookup(code.0)?.clone()))
    }

    /// Finds a region by its names from the top, separated by "/":
    /// "内蒙古自治区/赤峰市/巴林左旗/林东镇", or a unique tail of such a path.
    fn find_by_path(&self, path: &str) -> CoreResult<Region> {
        Ok(Region(self.tree().find_by_path(path)?.clone()))
    }

    /// The regions directly below `code`, in code order (empty for an unknown code).
    fn children(&self, code: CodeArg) -> Vec<Region> {
        Self::regions(self.tree().children(code.0))
    }

    /// The provinces, in code order.
    fn provinces(&self) -> Vec<Region> {
        Self::regions(self.tree().provinces())
    }

    /// The region `code` and every region below it, in code order.
    fn subtree(&self, code: CodeArg) -> Vec<Region> {
        Self::regions(self.tree().subtree(code.0))
    }

    /// The names from the province down to `code`, joined by "/".
    fn name_path(&self, code: CodeArg) -> CoreResult<String> {
        Ok(self.tree().name_path(code.0)?)
    }

    fn __len__(&self) -> usize {
        self.tree().len()
    }

    fn __contains__(&self, code: CodeArg) -> bool {
        self.tree().contains(code.0)
    }

    /// Every region, in code order.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(py, Self::regions(self.tree().iter()))?.try_iter()
    }

    fn __repr__(&self) -> String {
        let origin = match self.0 {
            Tree::Bundled(_) => "bundled NBS 2023",
            Tree::Owned(_) => "from CSV",
        };
        format!("<RegionTree ({origin}) with {} regions>", self.tree().len())
    }
}
