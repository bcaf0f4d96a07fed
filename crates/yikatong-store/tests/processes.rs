//! Several processes on one store file: concurrent writers lose nothing, a stale one
//! conflicts, and a writer killed (SIGKILL) at random points leaves a store that
//! opens, verifies and holds exactly the commands committed before the kill.
//!
//! The children are this test binary run again with `--exact <child test>` and an
//! environment variable naming the file; without it the child tests do nothing.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Error, Fixture, TestResult, cycle, no_double_success, scratch};
use yikatong_core::Register;
use yikatong_store::{Expected, Options, State, Store, StoreError};

const FILE_VAR: &str = "YIKATONG_STORE_CHILD_FILE";
const NAME_VAR: &str = "YIKATONG_STORE_CHILD_NAME";
const APPENDS: u64 = 15;

fn spawn(test: &str, file: &Path, name: &str) -> Result<Child, Error> {
    Ok(Command::new(std::env::current_exe()?)
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(FILE_VAR, file)
        .env(NAME_VAR, name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?)
}

/// Child: appends `APPENDS` register saves with ids of its own.
#[test]
fn child_appender() -> TestResult {
    let (Ok(file), Ok(name)) = (std::env::var(FILE_VAR), std::env::var(NAME_VAR)) else {
        return Ok(());
    };
    let mut store = Store::open(file)?;
    for i in 0..APPENDS {
        store.save_register(&format!("{name}-{i}"), Expected::Any, &Register::new())?;
    }
    Ok(())
}

#[test]
fn two_processes_append_to_one_file_and_nothing_is_lost() -> TestResult {
    let dir = scratch("two-processes")?;
    let path = dir.join("store.db");
    let mut parent = Store::open(&path)?;
    parent.save_register("parent", Expected::NoStream, &Register::new())?;
    let children = [
        spawn("child_appender", &path, "left")?,
        spawn("child_appender", &path, "right")?,
    ];
    for mut child in children {
        assert!(child.wait()?.success(), "a child failed");
    }
    // The parent's expectation is stale now: it conflicts, and catches up.
    let stale = parent.save_register("parent-2", Expected::Exactly(1), &Register::new());
    let total = 1 + 2 * APPENDS;
    assert!(
        matches!(&stale, Err(StoreError::Conflict { actual, .. }) if *actual == total),
        "{stale:?}"
    );
    assert_eq!(parent.version("register"), total);
    let ids: Vec<String> = {
        let mut statement = parent
            .connection()
            .prepare("SELECT command_id FROM commands ORDER BY command_id")?;
        statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?
    };
    assert_eq!(ids.len() as u64, total);
    for name in ["left", "right"] {
        for i in 0..APPENDS {
            assert!(ids.contains(&format!("{name}-{i}")), "{name}-{i} lost");
        }
    }
    let report = parent.verify()?;
    assert!(report.is_intact() && report.count == total, "{report:?}");
    assert_eq!(Store::open(&path)?.state(), parent.state());
    Ok(())
}

fn crash_options() -> Options {
    // Snapshots every few events, so that kills also hit snapshot writes.
    Options {
        use_snapshots: true,
        snapshot_every: Some(5),
    }
}

const CRASH_HOUSEHOLDS: usize = 40;

/// Child: runs the whole cycle on the file (committed commands are retries).
#[test]
fn child_cycle() -> TestResult {
    let Ok(file) = std::env::var(FILE_VAR) else {
        return Ok(());
    };
    let fixture = Fixture::new(CRASH_HOUSEHOLDS)?;
    let mut store = Store::open_with(file, crash_options())?;
    cycle(&mut store, &fixture, |_| {})?;
    Ok(())
}

/// A small deterministic generator for the kill times.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

fn remove_store(path: &Path) -> Result<(), Error> {
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        if Path::new(&file).exists() {
            std::fs::remove_file(&file)?;
        }
    }
    Ok(())
}

#[test]
fn a_writer_killed_at_random_points_leaves_a_consistent_store() -> TestResult {
    // The states after 0, 1, 2, … commands of an uninterrupted run.
    let fixture = Fixture::new(CRASH_HOUSEHOLDS)?;
    let mut expected: Vec<State> = Vec::new();
    let mut memory = Store::open_in_memory()?;
    expected.push(memory.state().clone());
    let total = cycle(&mut memory, &fixture, |store| {
        expected.push(store.state().clone())
    })?;
    assert_eq!(expected.len() as u64, total + 1);

    let dir = scratch("crash")?;
    let path = dir.join("store.db");
    // How long an uninterrupted child takes: kills are drawn within that time.
    let started = Instant::now();
    let status = spawn("child_cycle", &path, "")?.wait()?;
    assert!(status.success(), "the child cycle fails on its own");
    let full = started.elapsed().as_millis() as u64;
    remove_store(&path)?;

    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut kills, mut completed, mut runs) = (0, 0, 0);
    let mut seen = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    // A restarted child only retries what is committed, so it finishes sooner than a
    // full run: each run that finished before its kill narrows the window, so that
    // kills keep coming on a loaded machine too.
    let mut window = full + 20;
    while kills < 60 && Instant::now() < deadline {
        runs += 1;
        let mut child = spawn("child_cycle", &path, "")?;
        std::thread::sleep(Duration::from_millis(random.below(window)));
        let finished = child.try_wait()?.is_some();
        if finished {
            window = (window * 2 / 3).max(5);
        } else {
            child.kill()?; // SIGKILL on Unix
            kills += 1;
        }
        child.wait()?;

        let store = Store::open_with(&path, crash_options())?;
        let report = store.verify()?;
        assert!(report.is_intact(), "after run {runs}: {report:?}");
        assert_eq!(report.count, store.head().seq);
        let committed: i64 =
            store
                .connection()
                .query_row("SELECT COUNT(*) FROM commands", [], |row| row.get(0))?;
        let k = committed as usize;
        let want = expected.get(k).ok_or("more commands than the cycle has")?;
        assert!(
            store.state() == want,
            "after run {runs}: state differs after {k} commands"
        );
        // A replay from the first event agrees with the snapshot.
        let replayed = Store::open_with(
            &path,
            Options {
                use_snapshots: false,
                snapshot_every: None,
            },
        )?;
        assert!(
            replayed.state() == want,
            "replay differs after {k} commands"
        );
        no_double_success(&store)?;
        seen.insert(k);
        if k as u64 == total {
            completed += 1;
            drop(store);
            drop(replayed);
            remove_store(&path)?;
        }
    }
    assert!(kills >= 50, "only {kills} kills in {runs} runs");
    assert!(seen.len() > 5, "kills hit too few points: {seen:?}");
    eprintln!(
        "{kills} kills in {runs} runs, {completed} completed cycles, {} distinct points of {total}",
        seen.len()
    );
    Ok(())
}
