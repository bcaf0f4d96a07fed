//! The store: a SQLite file holding the journal, the commands, snapshots and the
//! read models, and the state replayed from them.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;
use yikatong_core::progress::{Progress, Silent};
use yikatong_core::{
    Actor, BankReturn, BatchPlan, PaymentChange, PaymentCommand, PaymentEvent, PaymentId,
    PaymentLedger, ReconciliationReport, Register, Review, ReviewCommand, ReviewContext,
    ReviewEvent, Roster, WorkCalendar,
};

use crate::StoreError;
use crate::journal::{
    BrokenLink, Entry, Envelope, GENESIS, Head, PAYMENTS_STREAM, REGISTER_STREAM, VerifyReport,
    check_link, hex, link_hash, parse_hash, request_digest, review_stream, roster_stream,
    write_export_line,
};
use crate::read_model;
use crate::state::{Snapshot, State};

/// The schema version this library writes (SQLite `user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// The version a command expects its stream to have: optimistic concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expected {
    /// Whatever the stream's version is (no check).
    Any,
    /// The stream has no event yet.
    NoStream,
    /// The stream has exactly this many events.
    Exactly(u64),
}

impl Expected {
    /// Whether a stream at `actual` meets the expectation.
    pub fn admits(self, actual: u64) -> bool {
        match self {
            Expected::Any => true,
            Expected::NoStream => actual == 0,
            Expected::Exactly(version) => actual == version,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Any => f.write_str("any version"),
            Expected::NoStream => f.write_str("no event yet"),
            Expected::Exactly(version) => write!(f, "version {version}"),
        }
    }
}

/// What a committed command produced. A retry of a committed command (same id, same
/// content) returns the original outcome with `retried` set and writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed<T> {
    /// The command's id.
    pub command_id: String,
    /// The stream written.
    pub stream: String,
    /// The stream's version after the command.
    pub version: u64,
    /// The sequence number of the command's first event (the next one if it made none).
    pub first_seq: u64,
    /// How many events the command appended (0 when there was nothing to change).
    pub event_count: u64,
    /// Whether this is the stored outcome of an earlier call with the same id.
    pub retried: bool,
    /// The command's result.
    pub value: T,
}

/// The outcome as stored in the `commands` table.
#[derive(Serialize, Deserialize)]
struct StoredOutcome<T> {
    version: u64,
    value: T,
}

/// What preparing batches (or a reissue) produced.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prepared {
    /// The batches built, in order.
    pub batch_ids: Vec<String>,
    /// Payments sent to the correction queue (no account).
    pub queued: Vec<PaymentId>,
    /// Lines on hold by the auditor, not batched: (roster, line).
    pub held: Vec<(String, u32)>,
    /// Lines with nothing to pay, not batched: (roster, line).
    pub zero: Vec<(String, u32)>,
}

/// What recording a result file produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// Whether the file was recorded (false: the same file was recorded before).
    pub recorded: bool,
    /// The reconciliation of its lines.
    pub report: ReconciliationReport,
}

/// A review command with what the store needs besides the roster it holds.
#[derive(Debug, Clone, Copy)]
pub struct ReviewRequest<'a> {
    /// The roster reviewed.
    pub roster_id: &'a str,
    /// The command.
    pub command: &'a ReviewCommand,
    /// Who gives it.
    pub actor: &'a Actor,
    /// Today in China.
    pub today: Date,
    /// The working-day calendar.
    pub calendar: &'a WorkCalendar,
    /// The project's notice length in working days.
    pub publicity_working_days: u32,
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Start from the newest snapshot (true) or replay the whole journal (false).
    pub use_snapshots: bool,
    /// Write a snapshot, in the command's transaction, when this many events were
    /// appended since the last one (`None`: only on [`Store::snapshot`]).
    pub snapshot_every: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            use_snapshots: true,
            snapshot_every: Some(10_000),
        }
    }
}

/// A command as [`Store::run_with`] takes it.
struct Run<'a> {
    command_id: &'a str,
    stream: &'a str,
    expected: Expected,
    request: serde_json::Value,
    progress: &'a dyn Progress,
}

/// What a command decided, before it is appended.
struct Decision<T> {
    entries: Vec<Entry>,
    value: T,
    /// The entries' effects are already in the state (the ledger's `receive`).
    applied: bool,
    report: Option<ReconciliationReport>,
}

impl<T> Decision<T> {
    fn new(entries: Vec<Entry>, value: T) -> Decision<T> {
        Decision {
            entries,
            value,
            applied: false,
            report: None,
        }
    }
}

/// The embedded store. One `Store` per connection; several, in one process or many,
/// may share a file: each command runs in one `BEGIN IMMEDIATE` transaction and first
/// reads what the others appended.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    state: State,
    options: Options,
    /// The state may differ from the file (a command failed half-way): reload first.
    dirty: bool,
}

impl Store {
    /// Opens (or creates) the store file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path, Options::default())
    }

    /// Opens (or creates) the store file at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Store, StoreError> {
        Store::start(Connection::open(path)?, options)
    }

    /// A store in memory, for tests and one-off work.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::start(Connection::open_in_memory()?, Options::default())
    }

    fn start(mut conn: Connection, options: Options) -> Result<Store, StoreError> {
        conn.busy_timeout(Duration::from_secs(30))?;
        // In memory SQLite answers "memory": there is no file to log ahead of.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found == 0 {
            tx.execute_batch(read_model::SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        } else if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaVersion {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        tx.commit()?;
        let state = load(&conn, options.use_snapshots)?;
        Ok(Store {
            conn,
            state,
            options,
            dirty: false,
        })
    }

    // -----------------------------------------------------------------------
    // Reading

    /// The state as of the last command or [`Store::refresh`].
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The register.
    pub fn register(&self) -> &Register {
        self.state.register()
    }

    /// A roster by id.
    pub fn roster(&self, roster_id: &str) -> Option<&Roster> {
        self.state.roster(roster_id)
    }

    /// A roster's review.
    pub fn review(&self, roster_id: &str) -> Option<&Review> {
        self.state.review(roster_id)
    }

    /// The payment ledger.
    pub fn ledger(&self) -> &PaymentLedger {
        self.state.ledger()
    }

    /// A stream's version (number of events).
    pub fn version(&self, stream: &str) -> u64 {
        self.state.version(stream)
    }

    /// The last event read.
    pub fn head(&self) -> Head {
        self.state.head()
    }

    /// The SQLite connection, for queries of the read models. Write nothing through
    /// it: the journal is append-only and hash-chained.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Reads the events other writers appended since; returns how many.
    pub fn refresh(&mut self) -> Result<u64, StoreError> {
        if self.dirty {
            self.reload()?;
        }
        let before = self.state.head().seq;
        self.dirty = true;
        catch_up(&self.conn, &mut self.state)?;
        self.dirty = false;
        Ok(self.state.head().seq - before)
    }

    /// The envelopes of one stream, oldest first.
    pub fn stream_events(&self, stream: &str) -> Result<Vec<Envelope>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT seq, body FROM events WHERE stream = ?1 ORDER BY seq")?;
        let rows = statement.query_map(params![stream], |row| {
            Ok((row.get::<_, u64>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut envelopes = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            envelopes.push(parse_envelope(seq, &body)?);
        }
        Ok(envelopes)
    }

    // -----------------------------------------------------------------------
    // Commands

    /// Saves the register whole (stream `register`).
    pub fn save_register(
        &mut self,
        command_id: &str,
        expected: Expected,
        register: &Register,
    ) -> Result<Committed<()>, StoreError> {
        let request = json!({ "save_register": register });
        self.run(command_id, REGISTER_STREAM, expected, request, |_| {
            Ok(Decision::new(
                vec![Entry::RegisterSaved {
                    register: register.clone(),
                }],
                (),
            ))
        })
    }

    /// Saves a roster whole (stream `roster/<id>`); returns its content hash. Refused
    /// once finance approved it: a change is a new supplementary roster.
    pub fn save_roster(
        &mut self,
        command_id: &str,
        expected: Expected,
        roster: &Roster,
    ) -> Result<Committed<String>, StoreError> {
        let request = json!({ "save_roster": roster });
        let stream = roster_stream(roster.id());
        self.run(command_id, &stream, expected, request, |state| {
            if let Some(frozen) = state.review(roster.id()).and_then(Review::frozen_hash) {
                return Err(StoreError::RosterFrozen {
                    roster_id: roster.id().to_owned(),
                    frozen: frozen.to_owned(),
                });
            }
            Ok(Decision::new(
                vec![Entry::RosterSaved {
                    roster: roster.clone(),
                }],
                roster.content_hash(),
            ))
        })
    }

    /// Opens the review of a stored roster (stream `review/<id>`), by a township clerk.
    pub fn open_review(
        &mut self,
        command_id: &str,
        expected: Expected,
        roster_id: &str,
        actor: &Actor,
        on: Date,
    ) -> Result<Committed<Vec<ReviewEvent>>, StoreError> {
        let request = json!({ "open_review": roster_id, "actor": actor, "on": on.to_string() });
        self.create_review(command_id, expected, roster_id, request, |_| {
            Ok(Review::create(actor, on)?)
        })
    }

    /// Opens the review of a stored supplementary roster (补充底册) correcting
    /// `approved_roster_id`, whose review must be frozen.
    pub fn open_supplementary_review(
        &mut self,
        command_id: &str,
        expected: Expected,
        roster_id: &str,
        approved_roster_id: &str,
        actor: &Actor,
        on: Date,
    ) -> Result<Committed<Vec<ReviewEvent>>, StoreError> {
        let request = json!({
            "open_supplementary_review": roster_id,
            "approved": approved_roster_id,
            "actor": actor,
            "on": on.to_string(),
        });
        self.create_review(command_id, expected, roster_id, request, |state| {
            let approved =
                state
                    .review(approved_roster_id)
                    .ok_or_else(|| StoreError::NoReview {
                        roster_id: approved_roster_id.to_owned(),
                    })?;
            Ok(Review::create_supplementary(actor, on, approved)?)
        })
    }

    fn create_review<F>(
        &mut self,
        command_id: &str,
        expected: Expected,
        roster_id: &str,
        request: serde_json::Value,
        create: F,
    ) -> Result<Committed<Vec<ReviewEvent>>, StoreError>
    where
        F: FnOnce(&State) -> Result<ReviewEvent, StoreError>,
    {
        let stream = review_stream(roster_id);
        self.run(command_id, &stream, expected, request, |state| {
            if state.roster(roster_id).is_none() {
                return Err(StoreError::UnknownRoster {
                    roster_id: roster_id.to_owned(),
                });
            }
            if let Some(review) = state.review(roster_id) {
                return Err(StoreError::ReviewExists {
                    roster_id: roster_id.to_owned(),
                    status: review.status(),
                });
            }
            let event = create(state)?;
            let entries = vec![Entry::Review {
                roster_id: roster_id.to_owned(),
                event: event.clone(),
            }];
            Ok(Decision::new(entries, vec![event]))
        })
    }

    /// Gives a review command (stream `review/<id>`). The store builds the context
    /// from the roster it holds (its line numbers and content hash), so a caller
    /// cannot approve other content than what is stored.
    pub fn review_command(
        &mut self,
        command_id: &str,
        expected: Expected,
        request: &ReviewRequest<'_>,
    ) -> Result<Committed<Vec<ReviewEvent>>, StoreError> {
        let roster_id = request.roster_id;
        let digest_input = json!({
            "review": roster_id,
            "command": request.command,
            "actor": request.actor,
            "today": request.today.to_string(),
            "publicity_working_days": request.publicity_working_days,
        });
        let stream = review_stream(roster_id);
        self.run(command_id, &stream, expected, digest_input, |state| {
            let roster = state
                .roster(roster_id)
                .ok_or_else(|| StoreError::UnknownRoster {
                    roster_id: roster_id.to_owned(),
                })?;
            let review = state
                .review(roster_id)
                .ok_or_else(|| StoreError::NoReview {
                    roster_id: roster_id.to_owned(),
                })?;
            let lines = roster.lines().iter().map(|line| line.line_no).collect();
            let content_hash = roster.content_hash();
            let context = ReviewContext {
                today: request.today,
                calendar: request.calendar,
                publicity_working_days: request.publicity_working_days,
                lines: &lines,
                content_hash: &content_hash,
            };
            let events = review.decide(request.command, request.actor, &context)?;
            let entries = events
                .iter()
                .map(|event| Entry::Review {
                    roster_id: roster_id.to_owned(),
                    event: event.clone(),
                })
                .collect();
            Ok(Decision::new(entries, events))
        })
    }

    /// Prepares batches paying the stored rosters `roster_ids` with their stored
    /// reviews (stream `payments`).
    pub fn prepare_batches(
        &mut self,
        command_id: &str,
        expected: Expected,
        plan: &BatchPlan<'_>,
        roster_ids: &[&str],
        by: &str,
    ) -> Result<Committed<Prepared>, StoreError> {
        let request = json!({
            "prepare_batches": roster_ids,
            "plan": plan_json(plan),
            "by": by,
        });
        self.run(command_id, PAYMENTS_STREAM, expected, request, |state| {
            let mut pairs = Vec::with_capacity(roster_ids.len());
            for &roster_id in roster_ids {
                let roster = state
                    .roster(roster_id)
                    .ok_or_else(|| StoreError::UnknownRoster {
                        roster_id: roster_id.to_owned(),
                    })?;
                let review = state
                    .review(roster_id)
                    .ok_or_else(|| StoreError::NoReview {
                        roster_id: roster_id.to_owned(),
                    })?;
                pairs.push((roster, review));
            }
            let preparation = state.ledger().prepare(plan, &pairs, by)?;
            let mut prepared = prepared_of(&preparation.events);
            prepared.held = preparation.held;
            prepared.zero = preparation.zero;
            let entries = preparation
                .events
                .into_iter()
                .map(|event| Entry::Payment { event })
                .collect();
            Ok(Decision::new(entries, prepared))
        })
    }

    /// Prepares reissue batches (补发) for the queued payments that are ready
    /// (stream `payments`).
    pub fn prepare_reissue(
        &mut self,
        command_id: &str,
        expected: Expected,
        plan: &BatchPlan<'_>,
        by: &str,
    ) -> Result<Committed<Prepared>, StoreError> {
        let request = json!({ "prepare_reissue": plan_json(plan), "by": by });
        self.run(command_id, PAYMENTS_STREAM, expected, request, |state| {
            let events = state.ledger().prepare_reissue(plan, by)?;
            let prepared = prepared_of(&events);
            let entries = events
                .into_iter()
                .map(|event| Entry::Payment { event })
                .collect();
            Ok(Decision::new(entries, prepared))
        })
    }

    /// Gives a ledger command: export, accept, reject, cancel, correct, release,
    /// close, record a recovery (stream `payments`).
    pub fn payment_command(
        &mut self,
        command_id: &str,
        expected: Expected,
        command: PaymentCommand,
        by: &str,
        on: Date,
    ) -> Result<Committed<PaymentEvent>, StoreError> {
        let request = json!({ "payment_command": &command, "by": by, "on": on.to_string() });
        self.run(command_id, PAYMENTS_STREAM, expected, request, |state| {
            let event = state.ledger().decide(command, by, on)?;
            Ok(Decision::new(
                vec![Entry::Payment {
                    event: event.clone(),
                }],
                event,
            ))
        })
    }

    /// Records a bank's result file and reconciles it (stream `payments`). A file
    /// recorded before (same SHA-256) appends nothing and reports every line as a repeat.
    pub fn receive(
        &mut self,
        command_id: &str,
        expected: Expected,
        bank_return: BankReturn,
        by: &str,
        on: Date,
    ) -> Result<Committed<Received>, StoreError> {
        self.receive_with_progress(command_id, expected, bank_return, by, on, &Silent)
    }

    /// [`Store::receive`], reporting to `progress` as the read models are written:
    /// `"recording results"` (result lines) and then `"updating payments"`.
    pub fn receive_with_progress(
        &mut self,
        command_id: &str,
        expected: Expected,
        bank_return: BankReturn,
        by: &str,
        on: Date,
        progress: &dyn Progress,
    ) -> Result<Committed<Received>, StoreError> {
        let request = json!({ "receive": &bank_return, "by": by, "on": on.to_string() });
        let run = Run {
            command_id,
            stream: PAYMENTS_STREAM,
            expected,
            request,
            progress,
        };
        self.run_with(run, |state| {
            // `receive` applies what it records: from here on the state is ahead
            // of the file until the commit (the caller reloads on failure).
            let (event, report) = state.ledger_mut().receive(bank_return, by, on)?;
            let recorded = event.is_some();
            let entries = event
                .into_iter()
                .map(|event| Entry::Payment { event })
                .collect();
            Ok(Decision {
                entries,
                value: Received {
                    recorded,
                    report: report.clone(),
                },
                applied: recorded,
                report: Some(report),
            })
        })
    }

    fn run<T, F>(
        &mut self,
        command_id: &str,
        stream: &str,
        expected: Expected,
        request: serde_json::Value,
        decide: F,
    ) -> Result<Committed<T>, StoreError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&mut State) -> Result<Decision<T>, StoreError>,
    {
        let run = Run {
            command_id,
            stream,
            expected,
            request,
            progress: &Silent,
        };
        self.run_with(run, decide)
    }

    fn run_with<T, F>(&mut self, run: Run<'_>, decide: F) -> Result<Committed<T>, StoreError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&mut State) -> Result<Decision<T>, StoreError>,
    {
        let Run {
            command_id,
            stream,
            expected,
            request,
            progress,
        } = run;
        if command_id.trim().is_empty() {
            return Err(StoreError::BlankCommandId);
        }
        if self.dirty {
            self.reload()?;
        }
        let digest = request_digest(&json!({ "stream": stream, "request": request }));
        let outcome =
            self.run_in_transaction(command_id, stream, expected, &digest, progress, decide);
        if outcome.is_err() && self.dirty {
            // The state went ahead of the file: read it again. If even that fails,
            // the next call tries again (`dirty` stays set).
            let _ = self.reload();
        }
        outcome
    }

    fn run_in_transaction<T, F>(
        &mut self,
        command_id: &str,
        stream: &str,
        expected: Expected,
        digest: &str,
        progress: &dyn Progress,
        decide: F,
    ) -> Result<Committed<T>, StoreError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&mut State) -> Result<Decision<T>, StoreError>,
    {
        let Store {
            conn,
            state,
            options,
            dirty,
        } = self;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        *dirty = true;
        catch_up(&tx, state)?;
        *dirty = false;

        // Idempotency: a known id returns its outcome, or is refused if reused.
        let known = tx
            .query_row(
                "SELECT stream, digest, first_seq, event_count, outcome FROM commands \
                 WHERE command_id = ?1",
                params![command_id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, u64>(2)?,
                        row.get::<_, u64>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        if let Some((known_stream, known_digest, first_seq, event_count, outcome)) = known {
            if known_stream != stream || known_digest != digest {
                return Err(StoreError::CommandReused {
                    command_id: command_id.to_owned(),
                    stream: known_stream,
                });
            }
            let stored: StoredOutcome<T> = serde_json::from_str(&outcome)?;
            return Ok(Committed {
                command_id: command_id.to_owned(),
                stream: known_stream,
                version: stored.version,
                first_seq,
                event_count,
                retried: true,
                value: stored.value,
            });
        }

        let actual = state.version(stream);
        if !expected.admits(actual) {
            return Err(StoreError::Conflict {
                stream: stream.to_owned(),
                expected,
                actual,
            });
        }
        let decision = decide(state)?;
        *dirty = true;

        let first_seq = state.head().seq + 1;
        let mut appended = Vec::with_capacity(decision.entries.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (seq, stream, version, command_id, kind, body, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for entry in decision.entries {
                let entry_stream = entry.stream();
                if entry_stream != stream {
                    return Err(StoreError::Corrupt {
                        seq: state.head().seq + 1,
                        detail: format!(
                            "command {command_id:?} on {stream} made an event of {entry_stream}"
                        ),
                    });
                }
                let envelope = Envelope {
                    seq: state.head().seq + 1,
                    version: state.version(stream) + 1,
                    stream: entry_stream,
                    command_id: command_id.to_owned(),
                    entry,
                };
                let body = serde_json::to_string(&envelope)?;
                let hash = link_hash(&state.head().hash, body.as_bytes());
                insert.execute(params![
                    envelope.seq,
                    envelope.stream,
                    envelope.version,
                    command_id,
                    envelope.entry.kind(),
                    body,
                    hex(&hash),
                ])?;
                state.apply(&envelope, hash, !decision.applied)?;
                appended.push(envelope);
            }
        }
        let pairs: Vec<(u64, &Entry)> = appended
            .iter()
            .map(|envelope| (envelope.seq, &envelope.entry))
            .collect();
        read_model::update(&tx, state, &pairs, decision.report.as_ref(), progress)?;

        let version = state.version(stream);
        let event_count = appended.len() as u64;
        let stored = serde_json::to_string(&StoredOutcome {
            version,
            value: &decision.value,
        })?;
        tx.execute(
            "INSERT INTO commands (command_id, stream, digest, first_seq, event_count, outcome) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![command_id, stream, digest, first_seq, event_count, stored],
        )?;
        if let Some(every) = options.snapshot_every {
            let last: u64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM snapshots", [], |row| {
                    row.get(0)
                })?;
            if state.head().seq >= last + every.max(1) {
                write_snapshot(&tx, state)?;
            }
        }
        tx.commit()?;
        *dirty = false;
        Ok(Committed {
            command_id: command_id.to_owned(),
            stream: stream.to_owned(),
            version,
            first_seq,
            event_count,
            retried: false,
            value: decision.value,
        })
    }

    fn reload(&mut self) -> Result<(), StoreError> {
        self.state = load(&self.conn, self.options.use_snapshots)?;
        self.dirty = false;
        Ok(())
    }

    // -----------------------------------------------------------------------
    // Snapshots, verification, export

    /// Writes a snapshot of the state at the journal's head (replacing older ones);
    /// returns its sequence number. Opening then reads it and the events after it.
    pub fn snapshot(&mut self) -> Result<u64, StoreError> {
        if self.dirty {
            self.reload()?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.dirty = true;
        catch_up(&tx, &mut self.state)?;
        self.dirty = false;
        // Before the first event there is nothing to keep.
        if self.state.head().seq > 0 {
            write_snapshot(&tx, &self.state)?;
        }
        tx.commit()?;
        Ok(self.state.head().seq)
    }

    /// Checks the whole hash chain from the first event: every hash, every
    /// sequence number, every envelope's stream and version. Reports the first
    /// broken link.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT seq, stream, version, body, hash FROM events ORDER BY seq")?;
        let mut rows = statement.query([])?;
        let mut previous = GENESIS;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let seq: u64 = row.get(0)?;
            let stream: String = row.get(1)?;
            let version: u64 = row.get(2)?;
            let body: String = row.get(3)?;
            let hash: String = row.get(4)?;
            let broken = if seq != count + 1 {
                Some(BrokenLink {
                    seq: count + 1,
                    expected: format!("event {}", count + 1),
                    found: format!("event {seq} (events missing)"),
                })
            } else {
                check_link(seq, &previous, &body, &hash, Some((&stream, version)))
            };
            if let Some(broken) = broken {
                return Ok(VerifyReport {
                    count,
                    head: hex(&previous),
                    broken: Some(broken),
                });
            }
            previous = parse_hash(&hash).ok_or_else(|| StoreError::Corrupt {
                seq,
                detail: format!("hash {hash:?} is not 64 hex digits"),
            })?;
            count += 1;
        }
        Ok(VerifyReport {
            count,
            head: hex(&previous),
            broken: None,
        })
    }

    /// Writes the journal as JSON Lines for auditors (format in
    /// docs/journal-format.md); returns the number of lines. Verify it with
    /// [`crate::verify_jsonl`] or the Python snippet in the format's description.
    pub fn export_jsonl<W: Write>(&self, mut writer: W) -> Result<u64, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT seq, body, hash FROM events ORDER BY seq")?;
        let mut rows = statement.query([])?;
        let mut previous = GENESIS;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let seq: u64 = row.get(0)?;
            let body: String = row.get(1)?;
            let hash: String = row.get(2)?;
            write_export_line(&mut writer, seq, &previous, &hash, &body)?;
            previous = parse_hash(&hash).ok_or_else(|| StoreError::Corrupt {
                seq,
                detail: format!("hash {hash:?} is not 64 hex digits"),
            })?;
            count += 1;
        }
        writer.flush()?;
        Ok(count)
    }
}

/// The plan's content for a command's digest (the calendar is left out: it is
/// not serialisable, and the statutory calendar is the same for every caller).
fn plan_json(plan: &BatchPlan<'_>) -> serde_json::Value {
    json!({
        "project": plan.project,
        "payers": plan.payers.iter().collect::<Vec<_>>(),
        "agreements": plan.agreements,
        "prepared_on": plan.prepared_on.to_string(),
        "lead_working_days": plan.lead_working_days,
    })
}

fn prepared_of(events: &[PaymentEvent]) -> Prepared {
    let mut prepared = Prepared::default();
    for event in events {
        match &event.change {
            PaymentChange::BatchPrepared { batch } => prepared.batch_ids.push(batch.id.clone()),
            PaymentChange::LinesQueued { items } => prepared
                .queued
                .extend(items.iter().map(|item| item.payment_id)),
            _ => {}
        }
    }
    prepared
}

fn parse_envelope(seq: u64, body: &str) -> Result<Envelope, StoreError> {
    let envelope: Envelope = serde_json::from_str(body).map_err(|error| StoreError::Corrupt {
        seq,
        detail: format!("unreadable event ({error})"),
    })?;
    if envelope.seq != seq {
        return Err(StoreError::Corrupt {
            seq,
            detail: format!("the event says it is event {}", envelope.seq),
        });
    }
    Ok(envelope)
}

/// The state from the newest snapshot (if wanted) and the events after it.
fn load(conn: &Connection, use_snapshots: bool) -> Result<State, StoreError> {
    let mut state = State::default();
    if use_snapshots {
        let newest = conn
            .query_row(
                "SELECT s.state, e.hash FROM snapshots s LEFT JOIN events e ON e.seq = s.seq \
                 ORDER BY s.seq DESC LIMIT 1",
                [],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)),
            )
            .optional()?;
        if let Some((text, event_hash)) = newest {
            let snapshot: Snapshot = serde_json::from_str(&text)?;
            // A snapshot must sit on the chain: its hash is its event's hash.
            if event_hash.as_deref() != Some(snapshot.hash.as_str()) {
                return Err(StoreError::Corrupt {
                    seq: snapshot.seq,
                    detail: "the snapshot does not match the journal's event".to_owned(),
                });
            }
            state = State::from_snapshot(snapshot)?;
        }
    }
    catch_up(conn, &mut state)?;
    Ok(state)
}

/// Applies the events after the state's head, checking each link of the chain.
fn catch_up(conn: &Connection, state: &mut State) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, stream, version, body, hash FROM events WHERE seq > ?1 ORDER BY seq",
    )?;
    let mut rows = statement.query(params![state.head().seq])?;
    while let Some(row) = rows.next()? {
        let seq: u64 = row.get(0)?;
        let stream: String = row.get(1)?;
        let version: u64 = row.get(2)?;
        let body: String = row.get(3)?;
        let hash: String = row.get(4)?;
        if let Some(broken) = check_link(
            seq,
            &state.head().hash,
            &body,
            &hash,
            Some((&stream, version)),
        ) {
            return Err(StoreError::Corrupt {
                seq,
                detail: format!("the hash chain is broken ({broken})"),
            });
        }
        let envelope = parse_envelope(seq, &body)?;
        let hash = parse_hash(&hash).ok_or_else(|| StoreError::Corrupt {
            seq,
            detail: "bad hash".to_owned(),
        })?;
        state.apply(&envelope, hash, true)?;
    }
    Ok(())
}

fn write_snapshot(tx: &Transaction<'_>, state: &State) -> Result<(), StoreError> {
    let mut payments = Vec::new();
    {
        let mut statement = tx.prepare_cached(
            "SELECT seq, body FROM events WHERE stream = ?1 AND seq <= ?2 ORDER BY seq",
        )?;
        let mut rows = statement.query(params![PAYMENTS_STREAM, state.head().seq])?;
        while let Some(row) = rows.next()? {
            let seq: u64 = row.get(0)?;
            let body: String = row.get(1)?;
            if let Entry::Payment { event } = parse_envelope(seq, &body)?.entry {
                payments.push(event);
            }
        }
    }
    let text = serde_json::to_string(&state.snapshot(&payments))?;
    let seq = state.head().seq;
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (seq, hash, state) VALUES (?1, ?2, ?3)",
        params![seq, hex(&state.head().hash), text],
    )?;
    tx.execute("DELETE FROM snapshots WHERE seq < ?1", params![seq])?;
    Ok(())
}
