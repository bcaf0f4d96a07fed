//! `Role`, `Actor`, `ReviewContext` and `RosterCase`: a roster taken through public
//! notice, submission and the department's and finance's approval.

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use time::Date;

use crate::calendar::WorkCalendar;
use crate::catalog::PolicyCatalog;
use crate::convert::{CivilDate, mirror_enum};
use crate::error::CoreResult;
use crate::register::Register;
use crate::roster::{Roster, ValidationReport};

mirror_enum! {
    /// What a person does in the review.
    pub enum Role mirrors yikatong::Role {
        /// 乡镇经办人: keeps the roster, runs the notice, handles objections, submits.
        TownshipClerk,
        /// 业务主管部门审核人: approves or returns for the department.
        DepartmentReviewer,
        /// 财政部门: approves the funds; approval freezes the roster.
        FinanceOfficer,
        /// 监察审计: samples lines and holds lines until cleared.
        Auditor,
    }
}

#[pymethods]
impl Role {
    /// The Chinese name, e.g. 乡镇经办人.
    fn name_zh(&self) -> &'static str {
        yikatong::Role::from(*self).name_zh()
    }

    /// The English name with the Chinese one.
    fn __str__(&self) -> &'static str {
        yikatong::Role::from(*self).label()
    }

    fn __reduce__(&self) -> &'static str {
        self.python_name()
    }
}

/// Someone acting on a review: a stable `id` (separation of duties compares ids), a
/// name and the role acted in.
#[pyclass(module = "yikatong._native", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor(yikatong::Actor);

#[pymethods]
impl Actor {
    #[new]
    #[pyo3(signature = (id, name, role))]
    fn new(id: String, name: String, role: Role) -> Self {
        Self(yikatong::Actor::new(id, name, role.into()))
    }

    /// The person's stable identifier.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// The person's name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The role acted in.
    #[getter]
    fn role(&self) -> Role {
        self.0.role.into()
    }

    fn __repr__(&self) -> String {
        format!(
            "Actor(id='{}', name='{}', role={})",
            self.0.id,
            self.0.name,
            Role::from(self.0.role).python_name()
        )
    }
}

/// The day a review command is given, the working-day calendar and the project's
/// notice length in working days (7 unless the project says otherwise).
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct ReviewContext {
    today: Date,
    calendar: Py<WorkCalendar>,
    publicity_working_days: u32,
}

#[pymethods]
impl ReviewContext {
    #[new]
    #[pyo3(signature = (*, today, calendar, publicity_working_days = 7))]
    fn new(today: CivilDate, calendar: Py<WorkCalendar>, publicity_working_days: u32) -> Self {
        Self {
            today: today.0,
            calendar,
            publicity_working_days,
        }
    }

    /// The day of the command.
    #[getter]
    fn today(&self) -> Date {
        self.today
    }

    /// The notice length in working days.
    #[getter]
    fn publicity_working_days(&self) -> u32 {
        self.publicity_working_days
    }

    fn __repr__(&self) -> String {
        format!(
            "ReviewContext(today={}, publicity_working_days={})",
            self.today, self.publicity_working_days
        )
    }
}

/// A roster with its review (底册审核), changed only together: the township clerk
/// posts the public notice, handles objections and submits; the department reviewer
/// approves or returns; finance approves, which freezes the roster.
///
/// `RosterCase(roster, report, clerk=..., on=...)` opens the case in draft. Each
/// command takes the actor and a `ReviewContext`; a refused command changes nothing
/// and raises `ReviewRefused` naming the state, the command, the role and the rule
/// (its `status`, `command` and `role` attributes say the same).
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct RosterCase(Mutex<yikatong::RosterCase>);

impl RosterCase {
    // A refused command changes nothing, so a poisoned lock still guards a whole case.
    fn lock(&self) -> MutexGuard<'_, yikatong::RosterCase> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(
        &self,
        py: Python<'_>,
        command: yikatong::ReviewCommand,
        actor: &Actor,
        context: &ReviewContext,
    ) -> CoreResult<()> {
        let calendar = context.calendar.bind(py).get().calendar();
        let case_context = yikatong::CaseContext {
            today: context.today,
            calendar,
            publicity_working_days: context.publicity_working_days,
        };
        py.detach(|| self.lock().execute(&command, &actor.0, &case_context))?;
        Ok(())
    }
}

#[pymethods]
impl RosterCase {
    /// Opens the case for a roster just taken in, with its report; `clerk` (a township
    /// clerk) is recorded as its creator on `on`.
    #[new]
    #[pyo3(signature = (roster, report, *, clerk, on))]
    fn new(
        roster: &Roster,
        report: &ValidationReport,
        clerk: &Actor,
        on: CivilDate,
    ) -> CoreResult<Self> {
        let case = yikatong::RosterCase::open(roster.0.clone(), report.0.clone(), &clerk.0, on.0)?;
        Ok(Self(Mutex::new(case)))
    }

    /// Where the review stands: "draft", "in_publicity", "ready_for_review",
    /// "department_approved" or "finance_approved".
    #[getter]
    fn status(&self) -> &'static str {
        self.lock().review().status().name()
    }

    /// The roster as it is now (a copy).
    #[getter]
    fn roster(&self) -> Roster {
        Roster(self.lock().roster().clone())
    }

    /// The latest validation report.
    #[getter]
    fn report(&self) -> ValidationReport {
        ValidationReport(self.lock().report().clone())
    }

    /// The content hash finance approval froze, once approved.
    #[getter]
    fn frozen_hash(&self) -> Option<String> {
        self.lock().review().frozen_hash().map(str::to_owned)
    }

    /// The objections still open or under investigation, by number.
    fn open_objections(&self) -> Vec<u32> {
        self.lock().review().open_objections()
    }

    /// Posts the public notice (clerk, draft): from `starts` (today if `None`) for the
    /// context's number of working days.
    #[pyo3(signature = (actor, context, *, starts = None))]
    fn start_publicity(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        starts: Option<CivilDate>,
    ) -> CoreResult<()> {
        let starts = starts.map(|date| date.0);
        let command = yikatong::ReviewCommand::StartPublicity { starts };
        self.run(py, command, actor, context)
    }

    /// Records an objection to a roster line (anyone, while the notice is up);
    /// `filed_by` names the objector when it is not the actor.
    #[pyo3(signature = (actor, context, *, line, text, filed_by = None))]
    fn file_objection(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        line: u32,
        text: String,
        filed_by: Option<String>,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::FileObjection {
            line,
            text,
            filed_by,
        };
        self.run(py, command, actor, context)
    }

    /// Starts looking into an open objection (clerk).
    #[pyo3(signature = (actor, context, *, objection))]
    fn investigate_objection(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        objection: u32,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::InvestigateObjection { objection };
        self.run(py, command, actor, context)
    }

    /// Upholds an objection under investigation by removing its line (clerk).
    #[pyo3(signature = (actor, context, *, objection))]
    fn uphold_objection_removing_line(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        objection: u32,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::UpholdObjection {
            objection,
            resolution: yikatong::Resolution::RemoveLine,
        };
        self.run(py, command, actor, context)
    }

    /// Dismisses an objection under investigation, saying why (clerk).
    #[pyo3(signature = (actor, context, *, objection, reason))]
    fn dismiss_objection(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        objection: u32,
        reason: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::DismissObjection { objection, reason };
        self.run(py, command, actor, context)
    }

    /// Submits for review (clerk): the notice has ended, every objection is closed and
    /// the current content was validated without errors or unacknowledged warnings.
    fn submit(&self, py: Python<'_>, actor: &Actor, context: &ReviewContext) -> CoreResult<()> {
        self.run(py, yikatong::ReviewCommand::Submit, actor, context)
    }

    /// Takes the roster back to draft (clerk), from the notice or before the department acts.
    #[pyo3(signature = (actor, context, *, reason))]
    fn withdraw(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        reason: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::Withdraw { reason };
        self.run(py, command, actor, context)
    }

    /// Approves for the department (department reviewer; not the submitter).
    fn department_approve(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::DepartmentApprove;
        self.run(py, command, actor, context)
    }

    /// Returns the roster to draft for the department, saying what to fix.
    #[pyo3(signature = (actor, context, *, reason))]
    fn department_reject(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        reason: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::DepartmentReject { reason };
        self.run(py, command, actor, context)
    }

    /// Approves the funds (finance officer): the roster is frozen.
    fn finance_approve(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
    ) -> CoreResult<()> {
        self.run(py, yikatong::ReviewCommand::FinanceApprove, actor, context)
    }

    /// Returns the roster to draft for finance, saying what to fix.
    #[pyo3(signature = (actor, context, *, reason))]
    fn finance_reject(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        reason: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::FinanceReject { reason };
        self.run(py, command, actor, context)
    }

    /// Holds a line until cleared (auditor); a held line blocks finance approval.
    #[pyo3(signature = (actor, context, *, line, reason))]
    fn hold_line(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        line: u32,
        reason: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::HoldLine { line, reason };
        self.run(py, command, actor, context)
    }

    /// Releases a held line (auditor), noting what the check found.
    #[pyo3(signature = (actor, context, *, line, note))]
    fn clear_hold(
        &self,
        py: Python<'_>,
        actor: &Actor,
        context: &ReviewContext,
        line: u32,
        note: String,
    ) -> CoreResult<()> {
        let command = yikatong::ReviewCommand::ClearHold { line, note };
        self.run(py, command, actor, context)
    }

    /// Acknowledges a warning of a roster line (`code` as in `Problem.code`) with the
    /// reason (township clerk, while the roster may change).
    #[pyo3(signature = (*, line_no, code, clerk, reason))]
    fn acknowledge(
        &self,
        line_no: u32,
        code: String,
        clerk: &Actor,
        reason: &str,
    ) -> CoreResult<()> {
        let key = yikatong::ProblemKey {
            line_no,
            rule: code,
        };
        self.lock().acknowledge(key, &clerk.0, reason)?;
        Ok(())
    }

    /// Validates the roster again against the register and the catalogue on `on`, keeps
    /// the report and returns it.
    #[pyo3(signature = (*, register, catalog, on))]
    fn validate(
        &self,
        py: Python<'_>,
        register: &Bound<'_, Register>,
        catalog: &Bound<'_, PolicyCatalog>,
        on: CivilDate,
    ) -> CoreResult<ValidationReport> {
        let (register, catalog) = (register.get(), catalog.get());
        let report = py.detach(|| {
            let held = yikatong::HeldProjects::new();
            self.lock()
                .validate(&register.read(), &catalog.read(), &held, on.0)
                .cloned()
        })?;
        Ok(ValidationReport(report))
    }

    fn __repr__(&self) -> String {
        let case = self.lock();
        format!(
            "<RosterCase {} ({} lines) {}>",
            case.roster().id(),
            case.roster().lines().len(),
            case.review().status().name()
        )
    }
}
