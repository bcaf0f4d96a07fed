//! Random command sequences — review commands by any actor on any day, roster saves,
//! retries, reused ids, stale versions, snapshots and reopenings — keep the journal
//! and the state in step: the chain verifies, a reopened store equals the one in
//! memory, a retry returns the first outcome, and a refused command writes nothing.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::{Fixture, ROSTER_ID, clerk, day, finance, reviewer, scratch};
use proptest::prelude::*;
use yikatong_core::{Actor, ReviewCommand, Role};
use yikatong_store::{Expected, Options, Store, StoreError, review_stream, roster_stream};

fn fixtures() -> &'static Option<(Fixture, Fixture)> {
    static FIXTURES: OnceLock<Option<(Fixture, Fixture)>> = OnceLock::new();
    FIXTURES.get_or_init(|| Some((Fixture::new(12).ok()?, Fixture::new(13).ok()?)))
}

#[derive(Debug, Clone)]
enum Op {
    Open {
        expect: u8,
    },
    Review {
        command: u8,
        actor: u8,
        day: u8,
        expect: u8,
    },
    SaveRoster {
        variant: u8,
        expect: u8,
    },
    Retry {
        back: u8,
    },
    Reuse {
        back: u8,
    },
    Snapshot,
    Reopen,
}

#[derive(Debug, Clone, PartialEq)]
enum Request {
    Open {
        id: String,
        expect: u8,
    },
    Review {
        id: String,
        command: u8,
        actor: u8,
        day: u8,
        expect: u8,
    },
    SaveRoster {
        id: String,
        variant: u8,
        expect: u8,
    },
}

impl Request {
    fn id(&self) -> &str {
        match self {
            Request::Open { id, .. }
            | Request::Review { id, .. }
            | Request::SaveRoster { id, .. } => id,
        }
    }

    fn stream(&self) -> String {
        match self {
            Request::SaveRoster { .. } => roster_stream(ROSTER_ID),
            _ => review_stream(ROSTER_ID),
        }
    }

    fn expect(&self) -> u8 {
        match self {
            Request::Open { expect, .. }
            | Request::Review { expect, .. }
            | Request::SaveRoster { expect, .. } => *expect,
        }
    }

    /// The same id with other content.
    fn altered(&self) -> Request {
        match self.clone() {
            Request::Open { id, expect } => Request::SaveRoster {
                id,
                variant: 0,
                expect,
            },
            Request::Review {
                id,
                command,
                actor,
                day,
                expect,
            } => Request::Review {
                id,
                command,
                actor,
                day: day + 1,
                expect,
            },
            Request::SaveRoster {
                id,
                variant,
                expect,
            } => Request::SaveRoster {
                id,
                variant: 1 - variant,
                expect,
            },
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0u8..4).prop_map(|expect| Op::Open { expect }),
        // Mostly by the role the command needs (actor 4+), sometimes by anyone.
        8 => (0u8..8, 0u8..8, 0u8..20, 0u8..4).prop_map(|(command, actor, day, expect)| {
            Op::Review { command, actor, day, expect }
        }),
        2 => (0u8..2, 0u8..4).prop_map(|(variant, expect)| Op::SaveRoster { variant, expect }),
        2 => any::<u8>().prop_map(|back| Op::Retry { back }),
        1 => any::<u8>().prop_map(|back| Op::Reuse { back }),
        1 => Just(Op::Snapshot),
        1 => Just(Op::Reopen),
    ]
}

fn expected(mode: u8, version: u64) -> Expected {
    match mode {
        0 => Expected::Any,
        1 => Expected::Exactly(version),
        2 => Expected::Exactly(version + 1),
        _ => Expected::NoStream,
    }
}

fn actor(n: u8, command: u8) -> Actor {
    let n = if n >= 4 {
        match command {
            0 | 1 | 4 => 0,
            2 | 5 => 1,
            3 => 2,
            _ => 3,
        }
    } else {
        n
    };
    match n {
        0 => clerk(),
        1 => reviewer(),
        2 => finance(),
        _ => Actor::new("a1", "王五", Role::Auditor),
    }
}

fn review_command(n: u8) -> ReviewCommand {
    match n {
        0 => ReviewCommand::StartPublicity { starts: None },
        1 => ReviewCommand::Submit,
        2 => ReviewCommand::DepartmentApprove,
        3 => ReviewCommand::FinanceApprove,
        4 => ReviewCommand::Withdraw {
            reason: "重新核对".to_owned(),
        },
        5 => ReviewCommand::DepartmentReject {
            reason: "面积不符".to_owned(),
        },
        6 => ReviewCommand::HoldLine {
            line: 2,
            reason: "抽查".to_owned(),
        },
        _ => ReviewCommand::ClearHold {
            line: 2,
            note: "核实无误".to_owned(),
        },
    }
}

/// Runs a request; the outcome's value as JSON and whether it was a retry.
fn run(
    store: &mut Store,
    fixtures: &(Fixture, Fixture),
    request: &Request,
) -> Result<(serde_json::Value, bool, u64), StoreError> {
    let version = store.version(&request.stream());
    let expect = expected(request.expect(), version);
    match request {
        Request::Open { id, .. } => {
            let done = store.open_review(id, expect, ROSTER_ID, &clerk(), day(0))?;
            Ok((
                serde_json::to_value(&done.value)?,
                done.retried,
                done.version,
            ))
        }
        Request::Review {
            id,
            command,
            actor: who,
            day: offset,
            ..
        } => {
            let done = store.review_command(
                id,
                expect,
                &yikatong_store::ReviewRequest {
                    roster_id: ROSTER_ID,
                    command: &review_command(*command),
                    actor: &actor(*who, *command),
                    today: day(i64::from(*offset)),
                    calendar: &fixtures.0.calendar,
                    publicity_working_days: 3,
                },
            )?;
            Ok((
                serde_json::to_value(&done.value)?,
                done.retried,
                done.version,
            ))
        }
        Request::SaveRoster { id, variant, .. } => {
            let roster = if *variant == 0 {
                &fixtures.0.roster
            } else {
                &fixtures.1.roster
            };
            let done = store.save_roster(id, expect, roster)?;
            Ok((
                serde_json::to_value(&done.value)?,
                done.retried,
                done.version,
            ))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_journal_replays_to_the_state_in_memory(ops in prop::collection::vec(op(), 1..40)) {
        let Some(fixtures) = fixtures() else {
            return Err(TestCaseError::fail("no fixture"));
        };
        let dir = scratch("model").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.join("store.db");
        let options = Options { use_snapshots: true, snapshot_every: None };
        let mut store = Store::open_with(&path, options).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut history: Vec<Request> = Vec::new();
        let mut committed: BTreeMap<String, (Request, serde_json::Value)> = BTreeMap::new();
        // Most sequences start from a saved roster with an open review.
        let prefix = [
            Op::SaveRoster { variant: 0, expect: 3 },
            Op::Open { expect: 3 },
        ];
        let skip = if ops.len() % 4 == 0 { 0 } else { prefix.len() };
        let ops: Vec<Op> = prefix.into_iter().skip(2 - skip).chain(ops).collect();
        for (n, op) in ops.into_iter().enumerate() {
            let request = match op {
                Op::Open { expect } => Request::Open { id: format!("c{n}"), expect },
                Op::Review { command, actor, day, expect } => {
                    Request::Review { id: format!("c{n}"), command, actor, day, expect }
                }
                Op::SaveRoster { variant, expect } => {
                    Request::SaveRoster { id: format!("c{n}"), variant, expect }
                }
                Op::Retry { back } | Op::Reuse { back } if history.is_empty() => {
                    let _ = back;
                    continue;
                }
                Op::Retry { back } => history[usize::from(back) % history.len()].clone(),
                Op::Reuse { back } => history[usize::from(back) % history.len()].altered(),
                Op::Snapshot => {
                    store.snapshot().map_err(|e| TestCaseError::fail(e.to_string()))?;
                    continue;
                }
                Op::Reopen => {
                    let reopened = Store::open_with(&path, options)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert!(reopened.state() == store.state());
                    store = reopened;
                    continue;
                }
            };
            let head = store.head();
            let version = store.version(&request.stream());
            let outcome = run(&mut store, fixtures, &request);
            let known = committed.get(request.id()).cloned();
            match (&outcome, known) {
                (Ok((value, retried, _)), Some((first, first_value))) => {
                    prop_assert_eq!(&first, &request, "a committed id accepted other content");
                    prop_assert!(*retried);
                    prop_assert_eq!(value, &first_value);
                    prop_assert_eq!(store.head(), head);
                }
                (Err(StoreError::CommandReused { .. }), Some((first, _))) => {
                    prop_assert!(first != request);
                }
                (Ok((value, retried, new_version)), None) => {
                    prop_assert!(!retried);
                    prop_assert!(expected(request.expect(), version).admits(version));
                    prop_assert_eq!(*new_version, store.version(&request.stream()));
                    committed.insert(request.id().to_owned(), (request.clone(), value.clone()));
                }
                (Err(StoreError::Conflict { actual, .. }), None) => {
                    prop_assert_eq!(*actual, version);
                    prop_assert!(!expected(request.expect(), version).admits(version));
                    prop_assert_eq!(store.head(), head);
                }
                (Err(error), known) => {
                    prop_assert!(
                        matches!(
                            error,
                            StoreError::Domain(_)
                                | StoreError::NoReview { .. }
                                | StoreError::ReviewExists { .. }
                                | StoreError::RosterFrozen { .. }
                                | StoreError::UnknownRoster { .. }
                        ),
                        "unexpected {error:?} (known: {known:?})"
                    );
                    prop_assert_eq!(store.head(), head, "a refused command wrote");
                }
            }
            history.push(request);
        }
        let report = store.verify().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(report.is_intact());
        prop_assert_eq!(report.count, store.head().seq);
        for replay in [true, false] {
            let reopened = Store::open_with(&path, Options { use_snapshots: replay, snapshot_every: None })
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(reopened.state() == store.state());
        }
        for stream in [review_stream(ROSTER_ID), roster_stream(ROSTER_ID)] {
            let events = store.stream_events(&stream).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(events.len() as u64, store.version(&stream));
        }
        let commands: i64 = store
            .connection()
            .query_row("SELECT COUNT(*) FROM commands", [], |row| row.get(0))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(commands as usize, committed.len());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
