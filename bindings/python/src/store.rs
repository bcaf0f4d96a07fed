//! `Store`: the journal on an embedded SQLite file, with its read models.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt, PyString, PyType};
use rust_decimal::Decimal;
use yikatong::store::{Expected, StoreError};
use yikatong::{PaymentCommand, ReviewCommand, formats};

use crate::account::AccountNumber;
use crate::calendar::WorkCalendar;
use crate::checks::ArrowTable;
use crate::convert::{CivilDate, type_name};
use crate::error::{PyYikatongError, store_error, table_error};
use crate::payment::{BankReturn, Payer, PaymentBatch, ReconciliationReport, snake, yuan};
use crate::progress::PyProgress;
use crate::project::SubsidyProject;
use crate::region::CodeArg;
use crate::register::Register;
use crate::review::Actor;
use crate::roster::Roster;

/// The event journal on an embedded SQLite file (or in memory), and the state it
/// replays to. Use it as a context manager: `with Store.open("yikatong.sqlite") as
/// store:` closes the file at the end of the block.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct Store {
    // `None` once closed. A mutex: SQLite connections are not shared between threads.
    inner: Mutex<Option<yikatong::store::Store>>,
    path: Option<PathBuf>,
}

impl Store {
    /// Runs `f` on the open store; raises `ValueError` once it is closed.
    // The core changes the store all or nothing, so a poisoned lock still guards a
    // whole store.
    pub(crate) fn with_core<R>(
        &self,
        f: impl FnOnce(&mut yikatong::store::Store) -> PyResult<R>,
    ) -> PyResult<R> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(store) => f(store),
            None => Err(PyValueError::new_err(
                "the store is closed: open it again with Store.open(path)",
            )),
        }
    }

    fn wrap(store: yikatong::store::Store, path: Option<PathBuf>) -> Store {
        Store {
            inner: Mutex::new(Some(store)),
            path,
        }
    }

    /// Runs `f` on the open store without the GIL; raises `ValueError` once it is
    /// closed. The lock is taken without the GIL too, so a thread waiting for it
    /// never holds the GIL the holder needs back.
    fn detached<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut yikatong::store::Store) -> R + Send,
    ) -> PyResult<R> {
        let outcome = py.detach(|| {
            let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            guard.as_mut().map(f)
        });
        outcome.ok_or_else(closed)
    }

    /// Runs a command on the open store without the GIL.
    fn command<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut yikatong::store::Store) -> Result<yikatong::store::Committed<T>, StoreError>
        + Send,
    ) -> PyResult<yikatong::store::Committed<T>> {
        self.detached(py, f)?.map_err(store_error)
    }

    /// A payment command (export, correct account, close, …).
    fn payment(
        &self,
        py: Python<'_>,
        command: PaymentCommand,
        call: &CommandArgs,
    ) -> PyResult<Committed> {
        let done = self.command(py, |store| {
            store.payment_command(&call.command_id, call.expected, command, &call.by, call.on)
        })?;
        Ok(Committed::of(&done))
    }

    /// A batch preparation or a reissue.
    #[allow(clippy::too_many_arguments, reason = "the plan's parts")]
    fn prepare(
        &self,
        py: Python<'_>,
        plan: &PlanArgs<'_>,
        roster_ids: Option<&[String]>,
        by: &str,
        command_id: &str,
        expected: Expected,
    ) -> PyResult<Py<Prepared>> {
        let project = &plan.project.0;
        let calendar = plan.calendar.calendar();
        let payers = &plan.payers;
        let done = self.command(py, |store| {
            let agreements = match plan.register {
                Some(register) => register.read().agreements().to_vec(),
                None => store.register().agreements().to_vec(),
            };
            let plan = yikatong::BatchPlan {
                project,
                payers,
                agreements: &agreements,
                calendar,
                prepared_on: plan.prepared_on,
                lead_working_days: plan.lead_working_days,
            };
            match roster_ids {
                Some(ids) => {
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    store.prepare_batches(command_id, expected, &plan, &ids, by)
                }
                None => store.prepare_reissue(command_id, expected, &plan, by),
            }
        })?;
        let prepared = Prepared {
            batch_ids: done.value.batch_ids.clone(),
            queued: done.value.queued.iter().map(ToString::to_string).collect(),
            held: done.value.held.clone(),
            zero: done.value.zero.clone(),
        };
        let init = PyClassInitializer::from(Committed::of(&done)).add_subclass(prepared);
        Py::new(py, init)
    }
}

#[pymethods]
impl Store {
    /// Opens (or creates) the store in a SQLite file and replays its journal.
    #[classmethod]
    fn open(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Store> {
        let store = py.detach(|| yikatong::store::Store::open(&path));
        let store = store.map_err(crate::error::store_error)?;
        Ok(Store::wrap(store, Some(path)))
    }

    /// A store in memory, gone when closed (for tests and trials).
    #[classmethod]
    fn in_memory(_cls: &Bound<'_, PyType>) -> PyResult<Store> {
        let store = yikatong::store::Store::open_in_memory().map_err(crate::error::store_error)?;
        Ok(Store::wrap(store, None))
    }

    /// The file, or `None` in memory.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self, py: Python<'_>) -> bool {
        // Without the GIL: a command on another thread may hold the lock and call
        // back into Python (a progress callback).
        py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none()
        })
    }

    /// Closes the file. Every write was committed when its command returned, so
    /// nothing is lost; closing twice does nothing.
    fn close(&self, py: Python<'_>) {
        py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
        });
    }

    // -----------------------------------------------------------------------
    // Commands. Each takes `command_id` (a retry with the same id and content
    // returns the first outcome with `retried=True` and writes nothing) and
    // `expected`: `None` (any version), an int (exactly that version) or
    // "no_stream" (the stream has no event yet).

    /// Saves the register (people, households, banks, agreements, accounts).
    #[pyo3(signature = (register, *, command_id, expected = None))]
    fn save_register(
        &self,
        py: Python<'_>,
        register: &Bound<'_, Register>,
        command_id: &str,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let register = register.get();
        let done = self.command(py, |store| {
            store.save_register(command_id, ExpectedArg::of(expected), &register.read())
        })?;
        Ok(Committed::of(&done))
    }

    /// Saves a roster (refused once finance approval froze it).
    #[pyo3(signature = (roster, *, command_id, expected = None))]
    fn save_roster(
        &self,
        py: Python<'_>,
        roster: &Roster,
        command_id: &str,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let done = self.command(py, |store| {
            store.save_roster(command_id, ExpectedArg::of(expected), &roster.0)
        })?;
        Ok(Committed::of(&done))
    }

    /// Opens the review of a saved roster, by its township clerk, on `today`.
    #[pyo3(signature = (roster_id, *, clerk, today, command_id, expected = None))]
    fn open_review(
        &self,
        py: Python<'_>,
        roster_id: &str,
        clerk: &Bound<'_, Actor>,
        today: CivilDate,
        command_id: &str,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let actor = core_actor(clerk)?;
        let done = self.command(py, |store| {
            store.open_review(
                command_id,
                ExpectedArg::of(expected),
                roster_id,
                &actor,
                today.0,
            )
        })?;
        Ok(Committed::of(&done))
    }

    /// Gives a review command. `action` is one of "start_publicity" (`starts`),
    /// "file_objection" (`line`, `text`, `filed_by`), "investigate_objection"
    /// (`objection`), "uphold_objection" (`objection`; removes the line),
    /// "dismiss_objection" (`objection`, `reason`), "submit", "withdraw" (`reason`),
    /// "department_approve", "department_reject" (`reason`), "finance_approve",
    /// "finance_reject" (`reason`), "draw_sample" (`size`, `seed`), "hold_line"
    /// (`line`, `reason`), "clear_hold" (`line`, `note`). A refused command raises
    /// `ReviewRefused` and records nothing.
    #[pyo3(signature = (
        roster_id, *, action, actor, today, calendar, command_id, expected = None,
        publicity_working_days = 7, starts = None, line = None, text = None,
        filed_by = None, objection = None, reason = None, note = None, size = None,
        seed = None,
    ))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn review(
        &self,
        py: Python<'_>,
        roster_id: &str,
        action: &str,
        actor: &Bound<'_, Actor>,
        today: CivilDate,
        calendar: &Bound<'_, WorkCalendar>,
        command_id: &str,
        expected: Option<ExpectedArg>,
        publicity_working_days: u32,
        starts: Option<CivilDate>,
        line: Option<u32>,
        text: Option<String>,
        filed_by: Option<String>,
        objection: Option<u32>,
        reason: Option<String>,
        note: Option<String>,
        size: Option<u32>,
        seed: Option<u64>,
    ) -> PyResult<Committed> {
        let fields = ReviewFields {
            starts: starts.map(|date| date.0),
            line,
            text,
            filed_by,
            objection,
            reason,
            note,
            size,
            seed,
        };
        let command = review_command(action, fields)?;
        let actor = core_actor(actor)?;
        let calendar = calendar.get().calendar();
        let done = self.command(py, |store| {
            let request = yikatong::store::ReviewRequest {
                roster_id,
                command: &command,
                actor: &actor,
                today: today.0,
                calendar,
                publicity_working_days,
            };
            store.review_command(command_id, ExpectedArg::of(expected), &request)
        })?;
        Ok(Committed::of(&done))
    }

    /// Builds the payment batches of finance-approved rosters: one per county and
    /// agent bank. `payers` maps each county (code or `RegionCode`) to its `Payer`;
    /// the agency agreements come from the saved register (or `register`). Lines
    /// without an account go to the correction queue (`Prepared.queued`).
    #[pyo3(signature = (
        *, project, payers, calendar, prepared_on, roster_ids, by, command_id,
        expected = None, lead_working_days = 1, register = None,
    ))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn prepare_batches(
        &self,
        py: Python<'_>,
        project: &Bound<'_, SubsidyProject>,
        payers: BTreeMap<CodeKey, Payer>,
        calendar: &Bound<'_, WorkCalendar>,
        prepared_on: CivilDate,
        roster_ids: Vec<String>,
        by: &str,
        command_id: &str,
        expected: Option<ExpectedArg>,
        lead_working_days: u32,
        register: Option<&Bound<'_, Register>>,
    ) -> PyResult<Py<Prepared>> {
        let plan = PlanArgs {
            project: project.get(),
            payers: payers.into_iter().map(|(k, v)| (k.0, v.0)).collect(),
            calendar: calendar.get(),
            register: register.map(Bound::get),
            prepared_on: prepared_on.0,
            lead_working_days,
        };
        self.prepare(
            py,
            &plan,
            Some(&roster_ids),
            by,
            command_id,
            ExpectedArg::of(expected),
        )
    }

    /// Builds the reissue batches (补发) of the project's corrected payments (the
    /// ones `correct_account` or `release` made ready). Raises when none is waiting.
    #[pyo3(signature = (
        *, project, payers, calendar, prepared_on, by, command_id, expected = None,
        lead_working_days = 1, register = None,
    ))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn prepare_reissue(
        &self,
        py: Python<'_>,
        project: &Bound<'_, SubsidyProject>,
        payers: BTreeMap<CodeKey, Payer>,
        calendar: &Bound<'_, WorkCalendar>,
        prepared_on: CivilDate,
        by: &str,
        command_id: &str,
        expected: Option<ExpectedArg>,
        lead_working_days: u32,
        register: Option<&Bound<'_, Register>>,
    ) -> PyResult<Py<Prepared>> {
        let plan = PlanArgs {
            project: project.get(),
            payers: payers.into_iter().map(|(k, v)| (k.0, v.0)).collect(),
            calendar: calendar.get(),
            register: register.map(Bound::get),
            prepared_on: prepared_on.0,
            lead_working_days,
        };
        self.prepare(py, &plan, None, by, command_id, ExpectedArg::of(expected))
    }

    /// Records that the batch's file was written and sent: its name and SHA-256
    /// (`BankFile.file_name`, `BankFile.sha256`).
    #[pyo3(signature = (batch_id, *, file_name, sha256, by, on, command_id, expected = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn export(
        &self,
        py: Python<'_>,
        batch_id: String,
        file_name: String,
        sha256: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let command = PaymentCommand::Export {
            batch_id,
            file_name,
            sha256,
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, command, &call)
    }

    /// Records the bank's acceptance of the batch's file.
    #[pyo3(signature = (batch_id, *, by, on, command_id, expected = None))]
    fn accept(
        &self,
        py: Python<'_>,
        batch_id: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, PaymentCommand::Accept { batch_id }, &call)
    }

    /// Records the bank's refusal of the whole file, with its reason text (and ISO
    /// code, if it gave one).
    #[pyo3(signature = (batch_id, *, reason, by, on, command_id, expected = None, code = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn reject_file(
        &self,
        py: Python<'_>,
        batch_id: String,
        reason: &str,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
        code: Option<&str>,
    ) -> PyResult<Committed> {
        let reason = match code {
            Some(code) => yikatong::FailureReason::from_iso(code, reason),
            None => yikatong::FailureReason::from_text(reason),
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, PaymentCommand::RejectFile { batch_id, reason }, &call)
    }

    /// Withdraws a batch that was not sent; its lines wait for the next batch.
    #[pyo3(signature = (batch_id, *, by, on, command_id, expected = None))]
    fn cancel_batch(
        &self,
        py: Python<'_>,
        batch_id: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, PaymentCommand::CancelBatch { batch_id }, &call)
    }

    /// Gives a queued payment its corrected account (verified with the bank).
    #[pyo3(signature = (
        payment_id, *, bank_code, number, holder_name, by, on, command_id, expected = None,
    ))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn correct_account(
        &self,
        py: Python<'_>,
        payment_id: &str,
        bank_code: &str,
        number: &AccountNumber,
        holder_name: &str,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let command = PaymentCommand::CorrectAccount {
            payment_id: parse_payment_id(payment_id)?,
            account: yikatong::PayeeAccount {
                bank_code: bank_code.into(),
                number: number.0.clone(),
                holder_name: holder_name.into(),
            },
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, command, &call)
    }

    /// Sends a queued payment again unchanged (its failure was not about the account).
    #[pyo3(signature = (payment_id, *, note, by, on, command_id, expected = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn release(
        &self,
        py: Python<'_>,
        payment_id: &str,
        note: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let command = PaymentCommand::Release {
            payment_id: parse_payment_id(payment_id)?,
            note,
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, command, &call)
    }

    /// Stops a queued payment (it will not be paid), saying why.
    #[pyo3(signature = (payment_id, *, reason, by, on, command_id, expected = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn cancel_payment(
        &self,
        py: Python<'_>,
        payment_id: &str,
        reason: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let command = PaymentCommand::CancelPayment {
            payment_id: parse_payment_id(payment_id)?,
            reason,
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, command, &call)
    }

    /// Closes a settled batch.
    #[pyo3(signature = (batch_id, *, by, on, command_id, expected = None))]
    fn close_batch(
        &self,
        py: Python<'_>,
        batch_id: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, PaymentCommand::Close { batch_id }, &call)
    }

    /// Records that the money of a duplicate attempt came back (扣回/追回).
    #[pyo3(signature = (payment_id, *, attempt, note, by, on, command_id, expected = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn record_recovery(
        &self,
        py: Python<'_>,
        payment_id: &str,
        attempt: u8,
        note: String,
        by: String,
        on: CivilDate,
        command_id: String,
        expected: Option<ExpectedArg>,
    ) -> PyResult<Committed> {
        let command = PaymentCommand::RecordRecovery {
            payment_id: parse_payment_id(payment_id)?,
            attempt,
            note,
        };
        let call = CommandArgs::new(command_id, expected, by, on);
        self.payment(py, command, &call)
    }

    /// Records a bank's result file and reconciles it against its batch. The same
    /// file again (same SHA-256) changes nothing: its report says `replayed`.
    /// `progress`, if given, is called with `(step, done, total)` as the read models
    /// are written (`"recording results"`, then `"updating payments"`).
    #[pyo3(signature = (bank_return, *, by, on, command_id, expected = None, progress = None))]
    #[allow(clippy::too_many_arguments, reason = "keyword arguments")]
    fn receive(
        &self,
        py: Python<'_>,
        bank_return: &BankReturn,
        by: &str,
        on: CivilDate,
        command_id: &str,
        expected: Option<ExpectedArg>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<Received>> {
        let progress = PyProgress::new(progress)?;
        let results = bank_return.0.clone();
        let done = self.command(py, |store| {
            store.receive_with_progress(
                command_id,
                ExpectedArg::of(expected),
                results,
                by,
                on.0,
                &progress,
            )
        });
        progress.finish()?;
        let done = done?;
        let received = Received {
            recorded: done.value.recorded,
            report: done.value.report.clone(),
        };
        let init = PyClassInitializer::from(Committed::of(&done)).add_subclass(received);
        Py::new(py, init)
    }

    // -----------------------------------------------------------------------
    // The journal

    /// Checks the hash chain of every event.
    fn verify(&self, py: Python<'_>) -> PyResult<VerifyReport> {
        let report = self.detached(py, |store| store.verify())?;
        Ok(VerifyReport(report.map_err(store_error)?))
    }

    /// The journal as JSON Lines (each line with its hash and the previous one):
    /// written to `path` (returns the number of lines) or, without a path,
    /// returned as bytes.
    #[pyo3(signature = (path = None))]
    fn export_jsonl(&self, py: Python<'_>, path: Option<PathBuf>) -> PyResult<Py<PyAny>> {
        let bytes = self.detached(py, |store| {
            let mut out = Vec::new();
            store.export_jsonl(&mut out).map(|count| (count, out))
        })?;
        let (count, bytes) = bytes.map_err(store_error)?;
        match path {
            Some(path) => {
                py.detach(|| std::fs::write(&path, &bytes))?;
                Ok(count.into_pyobject(py)?.into_any().unbind())
            }
            None => Ok(PyBytes::new(py, &bytes).into_any().unbind()),
        }
    }

    /// Writes a snapshot of the state (opening replays from it); returns its
    /// sequence number.
    fn snapshot(&self, py: Python<'_>) -> PyResult<u64> {
        self.detached(py, |store| store.snapshot())?
            .map_err(store_error)
    }

    /// Reads events other processes appended to the file; returns how many.
    fn refresh(&self, py: Python<'_>) -> PyResult<u64> {
        self.detached(py, |store| store.refresh())?
            .map_err(store_error)
    }

    /// A stream's version (0 when it has no event): "register", "payments",
    /// `Store.roster_stream(id)`, `Store.review_stream(id)`.
    fn version(&self, py: Python<'_>, stream: &str) -> PyResult<u64> {
        self.detached(py, |store| store.version(stream))
    }

    /// The stream of a roster.
    #[staticmethod]
    fn roster_stream(roster_id: &str) -> String {
        yikatong::store::roster_stream(roster_id)
    }

    /// The stream of a roster's review.
    #[staticmethod]
    fn review_stream(roster_id: &str) -> String {
        yikatong::store::review_stream(roster_id)
    }

    /// The number of events in the journal.
    #[getter]
    fn event_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.detached(py, |store| store.head().seq)
    }

    // -----------------------------------------------------------------------
    // Read access

    /// A copy of the saved register (changing it changes nothing in the store until
    /// it is saved again).
    fn register(&self, py: Python<'_>) -> PyResult<crate::register::Register> {
        self.detached(py, |store| {
            crate::register::Register::from(store.register().clone())
        })
    }

    /// How many people the saved register holds.
    #[getter]
    fn beneficiary_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.detached(py, |store| store.register().beneficiaries().len())
    }

    /// The saved rosters' ids.
    fn roster_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.detached(py, |store| {
            store
                .state()
                .rosters()
                .map(|roster| roster.id().to_owned())
                .collect()
        })
    }

    /// A saved roster, or `None`.
    fn roster(&self, py: Python<'_>, roster_id: &str) -> PyResult<Option<Roster>> {
        self.detached(py, |store| store.roster(roster_id).cloned().map(Roster))
    }

    /// Where a roster's review stands ("draft", …, "finance_approved"), or `None`
    /// before it is opened.
    fn review_status(&self, py: Python<'_>, roster_id: &str) -> PyResult<Option<&'static str>> {
        self.detached(py, |store| {
            store.review(roster_id).map(|review| review.status().name())
        })
    }

    /// A batch by id, or `None`.
    fn batch(&self, py: Python<'_>, batch_id: &str) -> PyResult<Option<PaymentBatch>> {
        self.detached(py, |store| {
            store.ledger().batch(batch_id).cloned().map(PaymentBatch)
        })
    }

    /// The batch ids, in the order prepared.
    fn batch_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.detached(py, |store| {
            store
                .ledger()
                .batches()
                .map(|batch| batch.id.clone())
                .collect()
        })
    }

    /// Every batch, in the order prepared.
    fn batches(&self, py: Python<'_>) -> PyResult<Vec<PaymentBatch>> {
        self.detached(py, |store| {
            store
                .ledger()
                .batches()
                .cloned()
                .map(PaymentBatch)
                .collect()
        })
    }

    /// A batch's status ("prepared", "exported", "accepted", "rejected",
    /// "settling", "settled", "closed"), or `None` for no such batch.
    fn batch_status(&self, py: Python<'_>, batch_id: &str) -> PyResult<Option<String>> {
        self.detached(py, |store| {
            store
                .ledger()
                .batch_status(batch_id)
                .map(|status| snake!(&status))
        })
    }

    /// The files exported for a batch, oldest first: (file name, SHA-256).
    fn exports(&self, py: Python<'_>, batch_id: &str) -> PyResult<Vec<(String, String)>> {
        self.detached(py, |store| store.ledger().exports(batch_id))
    }

    /// A batch's lines by outcome: `{"instructed" | "settled" | "failed" |
    /// "pending": (count, Decimal yuan)}`; instructed = settled + failed + pending.
    fn batch_summary(
        &self,
        py: Python<'_>,
        batch_id: &str,
    ) -> PyResult<BTreeMap<&'static str, (u64, Decimal)>> {
        let summary = self.detached(py, |store| store.ledger().batch_summary(batch_id))?;
        let summary = summary.map_err(PyYikatongError)?;
        Ok([
            ("instructed", summary.instructed),
            ("settled", summary.settled),
            ("failed", summary.failed),
            ("pending", summary.pending),
        ]
        .into_iter()
        .map(|(name, tally)| (name, (tally.count, yuan(tally.fen))))
        .collect())
    }

    /// The attempt that counts as a payment's success, if it has settled.
    fn counted_attempt(&self, py: Python<'_>, payment_id: &str) -> PyResult<Option<u8>> {
        let id = parse_payment_id(payment_id)?;
        self.detached(py, |store| store.ledger().counted_attempt(&id))
    }

    /// How many payments the ledger knows (batched at least once).
    #[getter]
    fn payment_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.detached(py, |store| store.ledger().payment_count())
    }

    /// Every attempt of every batch as an Arrow table (see docs/arrow-tables.md):
    /// batch_id, payment_id, attempt, …, amount (decimal), amount_fen, status,
    /// settled_on.
    fn payments(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let table = self.detached(py, |store| formats::payments_to_arrow(store.ledger()))?;
        Ok(ArrowTable::new(table.map_err(table_error)?))
    }

    /// Every batch as an Arrow table: ids, project, period, county, bank, dates,
    /// status, count and amount, and the lines by outcome.
    fn batches_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let table = self.detached(py, |store| formats::batches_to_arrow(store.ledger()))?;
        Ok(ArrowTable::new(table.map_err(table_error)?))
    }

    /// The correction queue (待修正) as an Arrow table: payment, roster line, amount,
    /// the failed account, the reason and where it stands.
    fn corrections(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let table = self.detached(py, |store| formats::corrections_to_arrow(store.ledger()))?;
        Ok(ArrowTable::new(table.map_err(table_error)?))
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let place = self.path.as_ref().map_or_else(
            || "in memory".to_owned(),
            |path| format!("{:?}", path.display().to_string()),
        );
        match self.detached(py, |store| store.head().seq) {
            Ok(events) => format!("Store({place}, {events} events)"),
            Err(_) => format!("Store({place}, closed)"),
        }
    }
}

fn closed() -> PyErr {
    PyValueError::new_err("the store is closed: open it again with Store.open(path)")
}

/// The version a command expects its stream at: `None` (any), an int (exactly that
/// many events) or "no_stream" (none yet).
pub(crate) struct ExpectedArg(Expected);

impl<'a, 'py> FromPyObject<'a, 'py> for ExpectedArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Self(Expected::Any));
        }
        if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
            return Ok(Self(Expected::Exactly(obj.extract()?)));
        }
        if let Ok(text) = obj.cast::<PyString>() {
            return match &*text.to_cow()? {
                "no_stream" => Ok(Self(Expected::NoStream)),
                "any" => Ok(Self(Expected::Any)),
                other => Err(PyValueError::new_err(format!(
                    "expected is {other:?}: give None (any version), an int (the stream's version) or \"no_stream\""
                ))),
            };
        }
        Err(PyTypeError::new_err(format!(
            "expected must be None, an int or \"no_stream\", got {}",
            type_name(&obj)
        )))
    }
}

impl ExpectedArg {
    /// `None` is any version.
    fn of(expected: Option<ExpectedArg>) -> Expected {
        expected.map_or(Expected::Any, |expected| expected.0)
    }
}

/// A county as a key of the payers: a `RegionCode`, str or int.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CodeKey(yikatong::RegionCode);

impl<'a, 'py> FromPyObject<'a, 'py> for CodeKey {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self(obj.extract::<CodeArg>()?.0))
    }
}

/// What every payment command takes besides its own fields.
struct CommandArgs {
    command_id: String,
    expected: Expected,
    by: String,
    on: time::Date,
}

impl CommandArgs {
    fn new(command_id: String, expected: Option<ExpectedArg>, by: String, on: CivilDate) -> Self {
        Self {
            command_id,
            expected: ExpectedArg::of(expected),
            by,
            on: on.0,
        }
    }
}

/// A batch plan's parts, from Python.
struct PlanArgs<'a> {
    project: &'a SubsidyProject,
    payers: BTreeMap<yikatong::RegionCode, yikatong::Payer>,
    calendar: &'a WorkCalendar,
    register: Option<&'a Register>,
    prepared_on: time::Date,
    lead_working_days: u32,
}

/// The core actor behind a Python `Actor`.
fn core_actor(actor: &Bound<'_, Actor>) -> PyResult<yikatong::Actor> {
    let id: String = actor.getattr("id")?.extract()?;
    let name: String = actor.getattr("name")?.extract()?;
    let role: crate::review::Role = actor.getattr("role")?.extract()?;
    Ok(yikatong::Actor::new(id, name, role.into()))
}

fn parse_payment_id(text: &str) -> PyResult<yikatong::PaymentId> {
    Ok(yikatong::PaymentId::parse(text).map_err(PyYikatongError)?)
}

/// The optional fields of a review command.
struct ReviewFields {
    starts: Option<time::Date>,
    line: Option<u32>,
    text: Option<String>,
    filed_by: Option<String>,
    objection: Option<u32>,
    reason: Option<String>,
    note: Option<String>,
    size: Option<u32>,
    seed: Option<u64>,
}

fn needs<T>(value: Option<T>, action: &str, field: &str) -> PyResult<T> {
    value.ok_or_else(|| PyTypeError::new_err(format!("review action {action:?} needs {field}=")))
}

/// The review command an action names, with its fields.
fn review_command(action: &str, fields: ReviewFields) -> PyResult<ReviewCommand> {
    let ReviewFields {
        starts,
        line,
        text,
        filed_by,
        objection,
        reason,
        note,
        size,
        seed,
    } = fields;
    let a = action;
    Ok(match action {
        "start_publicity" => ReviewCommand::StartPublicity { starts },
        "file_objection" => ReviewCommand::FileObjection {
            line: needs(line, a, "line")?,
            text: needs(text, a, "text")?,
            filed_by,
        },
        "investigate_objection" => ReviewCommand::InvestigateObjection {
            objection: needs(objection, a, "objection")?,
        },
        "uphold_objection" => ReviewCommand::UpholdObjection {
            objection: needs(objection, a, "objection")?,
            resolution: yikatong::Resolution::RemoveLine,
        },
        "dismiss_objection" => ReviewCommand::DismissObjection {
            objection: needs(objection, a, "objection")?,
            reason: needs(reason, a, "reason")?,
        },
        "submit" => ReviewCommand::Submit,
        "withdraw" => ReviewCommand::Withdraw {
            reason: needs(reason, a, "reason")?,
        },
        "department_approve" => ReviewCommand::DepartmentApprove,
        "department_reject" => ReviewCommand::DepartmentReject {
            reason: needs(reason, a, "reason")?,
        },
        "finance_approve" => ReviewCommand::FinanceApprove,
        "finance_reject" => ReviewCommand::FinanceReject {
            reason: needs(reason, a, "reason")?,
        },
        "draw_sample" => ReviewCommand::DrawSample {
            size: needs(size, a, "size")?,
            seed: needs(seed, a, "seed")?,
        },
        "hold_line" => ReviewCommand::HoldLine {
            line: needs(line, a, "line")?,
            reason: needs(reason, a, "reason")?,
        },
        "clear_hold" => ReviewCommand::ClearHold {
            line: needs(line, a, "line")?,
            note: needs(note, a, "note")?,
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown review action {other:?}: use start_publicity, file_objection, \
                 investigate_objection, uphold_objection, dismiss_objection, submit, withdraw, \
                 department_approve, department_reject, finance_approve, finance_reject, \
                 draw_sample, hold_line or clear_hold"
            )));
        }
    })
}

/// What a committed command wrote: its stream and version, how many events, and
/// whether it is the stored outcome of an earlier call with the same id (`retried`).
#[pyclass(module = "yikatong._native", frozen, subclass)]
#[derive(Debug, Clone)]
pub struct Committed {
    command_id: String,
    stream: String,
    version: u64,
    first_seq: u64,
    event_count: u64,
    retried: bool,
}

impl Committed {
    fn of<T>(done: &yikatong::store::Committed<T>) -> Committed {
        Committed {
            command_id: done.command_id.clone(),
            stream: done.stream.clone(),
            version: done.version,
            first_seq: done.first_seq,
            event_count: done.event_count,
            retried: done.retried,
        }
    }
}

#[pymethods]
impl Committed {
    /// The command's id.
    #[getter]
    fn command_id(&self) -> &str {
        &self.command_id
    }

    /// The stream written.
    #[getter]
    fn stream(&self) -> &str {
        &self.stream
    }

    /// The stream's version after the command (pass it as `expected` next time).
    #[getter]
    fn version(&self) -> u64 {
        self.version
    }

    /// The sequence number of the command's first event.
    #[getter]
    fn first_seq(&self) -> u64 {
        self.first_seq
    }

    /// How many events the command appended (0 when nothing changed).
    #[getter]
    fn event_count(&self) -> u64 {
        self.event_count
    }

    /// Whether this is the stored outcome of an earlier call with the same id:
    /// nothing was written this time.
    #[getter]
    fn retried(&self) -> bool {
        self.retried
    }

    fn __repr__(&self) -> String {
        format!(
            "Committed({:?}, {} v{}, {} events{})",
            self.command_id,
            self.stream,
            self.version,
            self.event_count,
            if self.retried { ", retried" } else { "" }
        )
    }
}

/// What preparing batches (or a reissue) produced: the batch ids, the payments
/// queued for want of an account, and the lines held or with nothing to pay.
#[pyclass(module = "yikatong._native", frozen, extends = Committed)]
#[derive(Debug)]
pub struct Prepared {
    batch_ids: Vec<String>,
    queued: Vec<String>,
    held: Vec<(String, u32)>,
    zero: Vec<(String, u32)>,
}

#[pymethods]
impl Prepared {
    /// The batches built, in order.
    #[getter]
    fn batch_ids(&self) -> Vec<String> {
        self.batch_ids.clone()
    }

    /// Payments put in the correction queue (no account), by payment id.
    #[getter]
    fn queued(&self) -> Vec<String> {
        self.queued.clone()
    }

    /// Lines on hold by the auditor, not batched: (roster id, line).
    #[getter]
    fn held(&self) -> Vec<(String, u32)> {
        self.held.clone()
    }

    /// Lines with nothing to pay, not batched: (roster id, line).
    #[getter]
    fn zero(&self) -> Vec<(String, u32)> {
        self.zero.clone()
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let base = slf.as_super();
        format!(
            "Prepared({:?}, {} batches, {} queued{})",
            base.command_id,
            slf.batch_ids.len(),
            slf.queued.len(),
            if base.retried { ", retried" } else { "" }
        )
    }
}

/// What recording a result file did: whether anything was recorded and the
/// reconciliation report.
#[pyclass(module = "yikatong._native", frozen, extends = Committed)]
#[derive(Debug)]
pub struct Received {
    recorded: bool,
    report: yikatong::ReconciliationReport,
}

#[pymethods]
impl Received {
    /// Whether the file changed the ledger (false for a file recorded before).
    #[getter]
    fn recorded(&self) -> bool {
        self.recorded
    }

    /// The reconciliation of the file against its batch.
    #[getter]
    fn report(&self) -> ReconciliationReport {
        ReconciliationReport(self.report.clone())
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let base = slf.as_super();
        format!(
            "Received({:?}, {}, {} findings{})",
            base.command_id,
            if slf.recorded {
                "recorded"
            } else {
                "nothing new"
            },
            slf.report.findings.len(),
            if base.retried { ", retried" } else { "" }
        )
    }
}

/// The result of checking the journal's hash chain.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct VerifyReport(yikatong::store::VerifyReport);

#[pymethods]
impl VerifyReport {
    /// Events checked.
    #[getter]
    fn count(&self) -> u64 {
        self.0.count
    }

    /// The hash of the last event, hex.
    #[getter]
    fn head(&self) -> &str {
        &self.0.head
    }

    /// Whether every link holds.
    #[getter]
    fn intact(&self) -> bool {
        self.0.is_intact()
    }

    /// The first event whose link is broken, if any.
    #[getter]
    fn broken_seq(&self) -> Option<u64> {
        self.0.broken.as_ref().map(|broken| broken.seq)
    }

    fn __bool__(&self) -> bool {
        self.0.is_intact()
    }

    fn __repr__(&self) -> String {
        match &self.0.broken {
            None => format!("VerifyReport({} events, intact)", self.0.count),
            Some(broken) => format!(
                "VerifyReport({} events, broken at {})",
                self.0.count, broken.seq
            ),
        }
    }
}
