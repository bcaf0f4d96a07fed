//! `PolicyCatalog`: the projects and all versions of their policies.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use pyo3::prelude::*;
use time::Date;

use crate::convert::CivilDate;
use crate::entitlement::Entitlement;
use crate::error::{CoreResult, PyYikatongError};
use crate::facts::BeneficiaryFacts;
use crate::period::Period;
use crate::policy::Policy;
use crate::project::SubsidyProject;
use crate::region::CodeArg;

/// The policy catalogue (政策清单): projects and every version of their policies,
/// free of overlaps, in a stable order.
///
/// `PolicyCatalog()` is empty; `load_json` / `load_file` add a JSON document (all of it
/// or, on the first problem, none of it, raising `InvalidPolicy` with the JSON path).
/// Queries about a project the catalogue does not have raise `UnknownProject`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Default)]
pub struct PolicyCatalog(RwLock<yikatong::PolicyCatalog>);

impl PolicyCatalog {
    // The core never panics while holding the lock and changes a catalogue all or
    // nothing, so a poisoned lock still guards a whole catalogue.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, yikatong::PolicyCatalog> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, yikatong::PolicyCatalog> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The error for a project code the catalogue does not have.
fn unknown_project(code: &str) -> yikatong::Error {
    yikatong::Error::Policy {
        source_name: "policy catalogue".to_owned(),
        path: "project".to_owned(),
        rule: yikatong::PolicyRule::UnknownProject {
            code: code.to_owned(),
        },
    }
}

fn known<'c>(
    catalog: &'c yikatong::PolicyCatalog,
    project: &str,
) -> CoreResult<&'c yikatong::SubsidyProject> {
    Ok(catalog
        .project(project)
        .ok_or_else(|| unknown_project(project))?)
}

fn policies<'a>(policies: impl Iterator<Item = &'a yikatong::Policy>) -> Vec<Policy> {
    policies.cloned().map(Policy::new).collect()
}

#[pymethods]
impl PolicyCatalog {
    /// An empty catalogue.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Reads a catalogue from JSON text; `source_name` (e.g. the file name) is used in errors.
    #[staticmethod]
    fn from_json(py: Python<'_>, source_name: &str, text: &str) -> CoreResult<Self> {
        let catalog = py.detach(|| yikatong::PolicyCatalog::from_json(source_name, text))?;
        Ok(Self(RwLock::new(catalog)))
    }

    /// Adds the projects and policies of a JSON document: all of them or, on the first
    /// problem, none (raising `InvalidPolicy` naming the JSON path and the rule).
    fn load_json(&self, py: Python<'_>, source_name: &str, text: &str) -> CoreResult<()> {
        // Taken without the GIL: another thread may hold the lock while it waits for it.
        py.detach(|| self.write().load_json(source_name, text))?;
        Ok(())
    }

    /// Reads a JSON file (UTF-8) and adds it as `load_json` does, with the path as the
    /// source name; raises `OSError` if the file cannot be read.
    fn load_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| {
            let text = std::fs::read_to_string(&path)?;
            self.write()
                .load_json(&path.display().to_string(), &text)
                .map_err(|error| PyErr::from(PyYikatongError(error)))
        })
    }

    /// Adds a policy version; it must not overlap another version for the same project
    /// and region, and a later version must have a higher number.
    fn add_policy(&self, py: Python<'_>, policy: &Policy) -> CoreResult<()> {
        let policy = yikatong::Policy::clone(&policy.0);
        py.detach(|| self.write().add_policy(policy))?;
        Ok(())
    }

    /// Adds a new version that replaces the open-ended version in force when it starts:
    /// that version is ended the day before, then the new one is added. All or nothing.
    fn add_version(&self, py: Python<'_>, policy: &Policy) -> CoreResult<()> {
        let policy = yikatong::Policy::clone(&policy.0);
        py.detach(|| self.write().add_version(policy))?;
        Ok(())
    }

    /// The project with this code, or `None`.
    fn project(&self, code: &str) -> Option<SubsidyProject> {
        self.read().project(code).cloned().map(SubsidyProject)
    }

    /// All projects, by code.
    fn projects(&self) -> Vec<SubsidyProject> {
        self.read()
            .projects()
            .cloned()
            .map(SubsidyProject)
            .collect()
    }

    /// All policy versions, by project, region, effective date and version.
    fn policies(&self) -> Vec<Policy> {
        policies(self.read().policies().iter())
    }

    /// All versions of one project, oldest first; raises `UnknownProject` for a code
    /// the catalogue does not have.
    fn versions(&self, project: &str) -> CoreResult<Vec<Policy>> {
        let catalog = self.read();
        known(&catalog, project)?;
        Ok(policies(catalog.versions(project)))
    }

    /// The policies in force for `region` on `date`: those whose scope contains it.
    fn in_force(&self, region: CodeArg, date: CivilDate) -> Vec<Policy> {
        policies(self.read().in_force(region.0, date.0))
    }

    /// The one version of `project` in force for `region` on `date`, or `None`; raises
    /// `UnknownProject` for a code the catalogue does not have.
    fn policy_for(
        &self,
        project: &str,
        region: CodeArg,
        date: CivilDate,
    ) -> CoreResult<Option<Policy>> {
        let catalog = self.read();
        known(&catalog, project)?;
        Ok(catalog
            .policy_for(project, region.0, date.0)
            .cloned()
            .map(Policy::new))
    }

    /// What `facts` are due under `project` for `period`, and why, by the version in
    /// force for the beneficiary's region on the period's first day (else its last).
    /// With no such version the nearest one is applied, and the outcome says why
    /// nothing is due. Raises `UnknownProject` for a code the catalogue does not have.
    fn entitle(
        &self,
        project: &str,
        facts: &BeneficiaryFacts,
        period: Period,
    ) -> PyResult<Entitlement> {
        let catalog = self.read();
        let entitlement = catalog
            .entitle(project, &facts.0, period.0)
            .map_err(PyYikatongError)?;
        Entitlement::new(Arc::new(entitlement.policy().clone()), &entitlement)
    }

    /// `entitle` for many beneficiaries at once, without holding the GIL while computing.
    fn entitle_many(
        &self,
        py: Python<'_>,
        project: &str,
        facts: Vec<PyRef<'_, BeneficiaryFacts>>,
        period: Period,
    ) -> PyResult<Vec<Entitlement>> {
        let facts: Vec<yikatong::BeneficiaryFacts> = facts.iter().map(|f| f.0.clone()).collect();
        py.detach(|| {
            let catalog = self.read();
            // Each version applied is shared by its entitlements, not copied per line.
            let mut shared: Vec<(*const yikatong::Policy, Arc<yikatong::Policy>)> = Vec::new();
            facts
                .iter()
                .map(|facts| {
                    let entitlement = catalog
                        .entitle(project, facts, period.0)
                        .map_err(PyYikatongError)?;
                    let policy = entitlement.policy();
                    let arc = match shared.iter().find(|(p, _)| std::ptr::eq(*p, policy)) {
                        Some((_, arc)) => Arc::clone(arc),
                        None => {
                            let arc = Arc::new(policy.clone());
                            shared.push((policy, Arc::clone(&arc)));
                            arc
                        }
                    };
                    Entitlement::new(arc, &entitlement)
                })
                .collect()
        })
    }

    /// The change history, by effective date: versions introduced, revised and ended.
    fn history(&self) -> Vec<ChangeRecord> {
        self.read()
            .history()
            .iter()
            .cloned()
            .map(ChangeRecord)
            .collect()
    }

    /// The catalogue as pretty-printed JSON, in the stable order; `load_json` of it
    /// gives the same catalogue.
    fn to_json(&self) -> CoreResult<String> {
        Ok(self.read().to_json()?)
    }

    /// The public policy list (政策清单) as CSV with a Chinese header, one line per
    /// policy version in the stable order.
    fn to_csv(&self) -> CoreResult<String> {
        Ok(self.read().to_csv()?)
    }

    fn __repr__(&self) -> String {
        let catalog = self.read();
        format!(
            "<PolicyCatalog with {} projects and {} policy versions>",
            catalog.projects().len(),
            catalog.policies().len()
        )
    }
}

/// One entry of a catalogue's change history: what changed, from when, by which document.
///
/// `kind` is "introduced" (the first version for the project and region), "revised" (a
/// new version replacing `previous_version`; `changed` names the fields that changed,
/// by their JSON names) or "ended" (a version was given the end date `effective_to`).
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord(yikatong::ChangeRecord);

#[pymethods]
impl ChangeRecord {
    /// The date the change takes effect.
    #[getter]
    fn effective(&self) -> Date {
        self.0.effective
    }

    /// The project.
    #[getter]
    fn project(&self) -> &str {
        &self.0.project
    }

    /// The document that made the change.
    #[getter]
    fn document(&self) -> &str {
        &self.0.document
    }

    /// The version concerned.
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }

    /// "introduced", "revised" or "ended".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.0.change {
            yikatong::ChangeKind::Introduced => "introduced",
            yikatong::ChangeKind::Revised { .. } => "revised",
            yikatong::ChangeKind::Ended { .. } => "ended",
            // The core's enum is non-exhaustive; a kind added later is still a change.
            _ => "changed",
        }
    }

    /// For a revision, the version it replaces.
    #[getter]
    fn previous_version(&self) -> Option<u32> {
        match &self.0.change {
            yikatong::ChangeKind::Revised {
                previous_version, ..
            } => Some(*previous_version),
            _ => None,
        }
    }

    /// For a revision, the document of the version it replaces.
    #[getter]
    fn previous_document(&self) -> Option<&str> {
        match &self.0.change {
            yikatong::ChangeKind::Revised {
                previous_document, ..
            } => Some(previous_document),
            _ => None,
        }
    }

    /// For a revision, the fields that changed, by their JSON names (else empty).
    #[getter]
    fn changed(&self) -> Vec<&'static str> {
        match &self.0.change {
            yikatong::ChangeKind::Revised { changed, .. } => changed.clone(),
            _ => Vec::new(),
        }
    }

    /// For an end, the version's last day in force.
    #[getter]
    fn effective_to(&self) -> Option<Date> {
        match self.0.change {
            yikatong::ChangeKind::Ended { effective_to } => Some(effective_to),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<ChangeRecord {} {} {} version {} by {}>",
            self.0.effective,
            self.kind(),
            self.0.project,
            self.0.version,
            self.0.document
        )
    }
}
