//! How the checks run over millions of rows.
//!
//! Reading a row costs more than checking it (a row is ~350 bytes; ten million are
//! several gigabytes), so the rows are read once, split between threads. That pass
//! runs the checks that need only the row, counts timeliness, and packs two
//! 16-byte keys per paid row: person · (period, project) · row, and account hash ·
//! household hash · row. Sorting the keys groups the rows for the duplicate,
//! over-payment, mutually-exclusive and shared-account checks, and a merge with the
//! sorted reference lists finds the people listed as dead or excluded, without a
//! hash lookup per row. Rows are read again only in groups that may hold a finding.

use std::hash::BuildHasher as _;
use std::num::NonZero;
use std::sync::{Mutex, PoisonError};

use foldhash::fast::RandomState;

use super::{
    AuditFinding, CheckConfig, PaidRow, References, Timeliness, deceased, duplicate, excluded,
    exclusive_projects, holder_name, mismatch, no_longer_eligible, over_payment, punctuality,
    shared_account,
};
use crate::progress::{Counter, Progress};
use crate::register::FastMap;
use crate::{Period, RegionCode};

/// Below this many rows one thread does it all.
const ROWS_PER_THREAD: usize = 100_000;
/// Bits of the account and household hashes in an account key.
const HASH_BITS: u32 = 48;

/// How many threads to split `rows` rows between: one per core, at most four,
/// and one for fewer than 200,000 rows.
pub(super) fn threads_for(rows: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .clamp(1, 4)
        .min(rows / ROWS_PER_THREAD)
        .max(1)
}

/// Every finding (unsorted) and the timeliness counts by county and project, with
/// the rows split between `threads` threads.
pub(super) fn run(
    rows: &[PaidRow],
    references: &References,
    config: &CheckConfig,
    threads: usize,
    progress: &dyn Progress,
) -> (Vec<AuditFinding>, Vec<Timeliness>) {
    let part = rows.len().div_ceil(threads.max(1)).max(1);
    let counter = Counter::new(progress, "checking rows", rows.len() as u64);
    let counter = &counter;
    let hasher = RandomState::default();
    let hasher = &hasher;
    // One buffer per kind of key, each pass writing its stretch (zeroed pages cost
    // nothing until written; a stretch is as long as the pass's rows).
    let mut people = vec![0u128; rows.len()];
    let mut accounts = vec![0u128; rows.len()];
    // Behind locks so that the closures only borrow them (see `spawn_or_run`).
    let stretches: Vec<Stretch<'_>> = people
        .chunks_mut(part)
        .zip(accounts.chunks_mut(part))
        .map(Mutex::new)
        .collect();
    let passes: Vec<Pass<'_>> = std::thread::scope(|scope| {
        let mut tasks: Vec<Task<'_, Pass<'_>>> = Vec::with_capacity(threads);
        for (n, (chunk, stretch)) in rows.chunks(part).zip(&stretches).enumerate().rev() {
            let first = u32::try_from(n * part).unwrap_or(u32::MAX);
            let work = move || pass(chunk, first, stretch, references, config, hasher, counter);
            // The first part on this thread, after the others have started.
            tasks.push(if n == 0 {
                Task::Done(work())
            } else {
                spawn_or_run(scope, work)
            });
        }
        tasks.into_iter().rev().map(Task::finish).collect()
    });
    drop(stretches);

    let mut findings = Vec::new();
    let pairs = Ranks::of(passes.iter().map(|pass| &pass.pairs));
    let counties = Ranks::of(passes.iter().map(|pass| &pass.counties));
    let mut counts = vec![[0u64; 4]; counties.names.len()];
    let mut over = Vec::new();
    let (mut people_end, mut accounts_end) = (0, 0);
    for (n, pass) in passes.into_iter().enumerate() {
        findings.extend(pass.findings);
        over.extend(pass.over);
        // Close the gaps between stretches; person keys carry the pass's own pair
        // numbers, which become the common rank.
        let start = n * part;
        accounts.copy_within(start..start + pass.accounts, accounts_end);
        accounts_end += pass.accounts;
        let rank_of = pairs.of_pass.get(n).map(Vec::as_slice).unwrap_or_default();
        for from in start..start + pass.people {
            let key = people[from];
            let rank = rank_of.get(pair_field(key)).copied().unwrap_or(0);
            people[people_end] =
                (key >> 64) << 64 | u128::from(rank) << 32 | (key & u128::from(u32::MAX));
            people_end += 1;
        }
        let rank_of = counties
            .of_pass
            .get(n)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (id, count) in pass.counts.iter().enumerate() {
            if let Some(total) = rank_of
                .get(id)
                .and_then(|&rank| counts.get_mut(rank as usize))
            {
                for (sum, add) in total.iter_mut().zip(count) {
                    *sum += add;
                }
            }
        }
    }
    people.truncate(people_end);
    accounts.truncate(accounts_end);

    let accounts = Mutex::new(accounts);
    let groupings = Counter::new(progress, "grouping rows", 3);
    let groupings = &groupings;
    std::thread::scope(|scope| {
        let shared = spawn_or_run(scope, || {
            let mut accounts = accounts.lock().unwrap_or_else(PoisonError::into_inner);
            accounts.sort_unstable();
            let found = shared_accounts(rows, &accounts, config);
            groupings.add(1);
            found
        });
        people.sort_unstable();
        findings.extend(grouped(rows, &people, &pairs.names, over, config));
        groupings.add(1);
        findings.extend(listed(rows, &people, references));
        groupings.add(1);
        findings.extend(shared.finish());
    });

    let timeliness = counties
        .names
        .iter()
        .zip(counts)
        .map(
            |(&(county, project), [on_time, late, missed, not_yet_due])| Timeliness {
                county,
                project: project.to_owned(),
                on_time,
                late,
                missed,
                not_yet_due,
            },
        )
        .collect();
    (findings, timeliness)
}

/// What one pass over a run of rows gathers.
struct Pass<'a> {
    findings: Vec<AuditFinding>,
    /// Person keys written: paid rows (person · (period, project) number · row).
    people: usize,
    /// Account keys written: paid rows with an account (account hash · household
    /// hash · row).
    accounts: usize,
    /// Over-payment findings on single rows (dropped where the row is a duplicate).
    over: Vec<(u32, AuditFinding)>,
    pairs: RunIds<'a, Period>,
    counties: RunIds<'a, RegionCode>,
    /// Timeliness counts by `counties` number.
    counts: Vec<[u64; 4]>,
}

/// A pass's stretches of the person and account key buffers.
type Stretch<'k> = Mutex<(&'k mut [u128], &'k mut [u128])>;

/// The pass over `rows`, the first of which is row number `first`; its keys go to
/// the start of its stretches.
fn pass<'a>(
    rows: &'a [PaidRow],
    first: u32,
    stretch: &Stretch<'_>,
    references: &References,
    config: &CheckConfig,
    hasher: &RandomState,
    counter: &Counter<'_>,
) -> Pass<'a> {
    let hash = |text: &str| u128::from(hasher.hash_one(text) >> (64 - HASH_BITS));
    let mut stretch = stretch.lock().unwrap_or_else(PoisonError::into_inner);
    let (people, accounts) = &mut *stretch;
    let mut pass = Pass {
        findings: Vec::new(),
        people: 0,
        accounts: 0,
        over: Vec::new(),
        pairs: RunIds::default(),
        counties: RunIds::default(),
        counts: Vec::new(),
    };
    for (index, row) in (first..).zip(rows) {
        if u64::from(index - first + 1) % Counter::EVERY == 0 {
            counter.add(Counter::EVERY);
        }
        let on_time = punctuality(row, &references.deaths, config.as_of, &mut pass.findings);
        if let Some(on_time) = on_time {
            let county = pass.counties.id(row.county, &row.project) as usize;
            if county == pass.counts.len() {
                pass.counts.push([0; 4]);
            }
            if let Some(count) = pass.counts.get_mut(county) {
                count[on_time as usize] += 1;
            }
        }
        if !row.is_paid() {
            continue;
        }
        // The beneficiary's death is found by the merge with the lists; a payee
        // paid for someone else is looked up here.
        if row.payee != row.beneficiary {
            pass.findings.extend(deceased(row, &references.deaths));
        }
        pass.findings.extend(no_longer_eligible(row));
        pass.findings.extend(mismatch(row));
        pass.findings.extend(holder_name(row));
        if let Some(found) = over_payment(row) {
            pass.over.push((index, found));
        }
        let pair = pass.pairs.id(row.period, &row.project);
        if let Some(key) = people.get_mut(pass.people) {
            *key = u128::from(row.beneficiary.to_u64()) << 64
                | u128::from(pair) << 32
                | u128::from(index);
            pass.people += 1;
        }
        if !row.account.is_empty()
            && let Some(key) = accounts.get_mut(pass.accounts)
        {
            *key = hash(&row.account) << 80 | hash(&row.household_id) << 32 | u128::from(index);
            pass.accounts += 1;
        }
    }
    counter.add(rows.len() as u64 % Counter::EVERY);
    pass
}

/// The row number in a key.
fn row_of(key: u128) -> usize {
    (key & u128::from(u32::MAX)) as usize
}

/// The (period, project) field of a person key.
fn pair_field(key: u128) -> usize {
    ((key >> 32) as u32) as usize
}

/// Duplicates, over-payments on single rows, and mutually exclusive projects, over
/// the person keys sorted (so one person's rows for a period lie together, by
/// project).
fn grouped(
    rows: &[PaidRow],
    people: &[u128],
    pairs: &[(Period, &str)],
    over: Vec<(u32, AuditFinding)>,
    config: &CheckConfig,
) -> Vec<AuditFinding> {
    let mut findings = Vec::new();
    let mut duplicated = Vec::new();
    for group in people.chunk_by(|a, b| a >> 32 == b >> 32) {
        if group.len() < 2 {
            continue;
        }
        let mut members: Vec<&PaidRow> = group.iter().map(|&key| &rows[row_of(key)]).collect();
        members.sort_by_key(|row| (row.payment_id, row.attempt));
        findings.extend(duplicate(&members));
        duplicated.extend(group.iter().map(|&key| row_of(key) as u32));
    }
    // Over-payment is judged on a single paid row; more is a duplicate.
    duplicated.sort_unstable();
    findings.extend(
        over.into_iter()
            .filter(|(index, _)| duplicated.binary_search(index).is_err())
            .map(|(_, found)| found),
    );

    if config.exclusive_pairs.is_empty() {
        return findings;
    }
    let pair_of = |key: u128| pairs.get(pair_field(key)).copied();
    let period_of = |key: u128| pair_of(key).map(|(period, _)| period);
    for group in people.chunk_by(|a, b| a >> 64 == b >> 64 && period_of(*a) == period_of(*b)) {
        if group.len() < 2 {
            continue;
        }
        let mut projects: Vec<&str> = group
            .iter()
            .filter_map(|&key| pair_of(key).map(|(_, project)| project))
            .collect();
        projects.dedup();
        let any_exclusive = projects.iter().enumerate().any(|(i, first)| {
            projects[i + 1..]
                .iter()
                .any(|second| config.excludes(first, second))
        });
        if any_exclusive {
            let members = group.iter().map(|&key| &rows[row_of(key)]);
            exclusive_projects(members, config, &mut findings);
        }
    }
    findings
}

/// Deaths and exclusions of beneficiaries: the sorted person keys merged with the
/// sorted people of the reference lists.
fn listed(rows: &[PaidRow], people: &[u128], references: &References) -> Vec<AuditFinding> {
    let mut listed: Vec<u64> = references
        .deaths
        .died
        .keys()
        .chain(references.exclusions.tags.keys())
        .map(|person| person.to_u64())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    let mut findings = Vec::new();
    let mut next = listed.iter().peekable();
    for &key in people {
        let person = (key >> 64) as u64;
        while next.next_if(|&&listed| listed < person).is_some() {}
        if next.peek() != Some(&&person) {
            continue;
        }
        let row = &rows[row_of(key)];
        if row.payee == row.beneficiary {
            findings.extend(deceased(row, &references.deaths));
        }
        findings.extend(excluded(row, &references.exclusions));
    }
    findings
}

/// Accounts paid for people of several households, over the account keys sorted.
/// A group with enough distinct household hashes is checked on the rows
/// themselves, which also tells apart different accounts that share a hash. (Two
/// households sharing an account and a 48-bit hash, seeded afresh per run, would
/// count as one: about one chance in 10^14 per pair.)
fn shared_accounts(rows: &[PaidRow], accounts: &[u128], config: &CheckConfig) -> Vec<AuditFinding> {
    let threshold = config.households_per_account.max(2);
    let household_of = |key: u128| key >> 32;
    let mut findings = Vec::new();
    for group in accounts.chunk_by(|a, b| a >> 80 == b >> 80) {
        if group.len() < threshold {
            continue; // too few payments to span enough households
        }
        let households = 1 + group
            .windows(2)
            .filter(|pair| household_of(pair[0]) != household_of(pair[1]))
            .count();
        if households < threshold {
            continue;
        }
        let mut members: Vec<&PaidRow> = group.iter().map(|&key| &rows[row_of(key)]).collect();
        members.sort_by(|x, y| {
            (
                &x.account,
                &x.household_id,
                &x.project,
                x.period,
                x.payment_id,
                x.attempt,
            )
                .cmp(&(
                    &y.account,
                    &y.household_id,
                    &y.project,
                    y.period,
                    y.payment_id,
                    y.attempt,
                ))
        });
        for account in members.chunk_by(|x, y| x.account == y.account) {
            findings.extend(shared_account(account, threshold));
        }
    }
    findings
}

/// Numbers for the (key, name) pairs met in a pass, e.g. (period, project). Names
/// are told apart by address (rows of one roster share one project string), and
/// the last pair is checked before the map: rows come in runs.
struct RunIds<'a, K> {
    ids: FastMap<(K, usize, usize), u32>,
    names: Vec<(K, &'a str)>,
    last: Option<(K, usize, usize, u32)>,
}

impl<K> Default for RunIds<'_, K> {
    fn default() -> Self {
        RunIds {
            ids: FastMap::default(),
            names: Vec::new(),
            last: None,
        }
    }
}

impl<'a, K: Copy + Eq + std::hash::Hash> RunIds<'a, K> {
    /// The pair's number: 0 for the first pair met, then 1, 2, … (Two copies of one
    /// name may get two numbers; [`Ranks`] joins them.)
    fn id(&mut self, key: K, name: &'a str) -> u32 {
        let address = (key, name.as_ptr() as usize, name.len());
        if let Some((last_key, last_at, last_len, id)) = self.last
            && (last_key, last_at, last_len) == address
        {
            return id;
        }
        let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let id = *self.ids.entry(address).or_insert_with(|| {
            self.names.push((key, name));
            next
        });
        self.last = Some((address.0, address.1, address.2, id));
        id
    }
}

/// The distinct pairs of several passes in order, and per pass the rank of each of
/// its numbers.
struct Ranks<'a, K> {
    names: Vec<(K, &'a str)>,
    of_pass: Vec<Vec<u32>>,
}

impl<'a, K: Copy + Ord> Ranks<'a, K> {
    fn of<'r>(runs: impl Iterator<Item = &'r RunIds<'a, K>> + Clone) -> Ranks<'a, K>
    where
        'a: 'r,
        K: 'r,
    {
        let mut names: Vec<(K, &'a str)> = runs
            .clone()
            .flat_map(|run| run.names.iter().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        let of_pass = runs
            .map(|run| {
                run.names
                    .iter()
                    .map(|pair| {
                        names
                            .binary_search(pair)
                            .map_or(0, |rank| u32::try_from(rank).unwrap_or(u32::MAX))
                    })
                    .collect()
            })
            .collect();
        Ranks { names, of_pass }
    }
}

/// Work started on a scoped thread, or already done.
enum Task<'scope, T> {
    Running(std::thread::ScopedJoinHandle<'scope, T>),
    Done(T),
}

impl<T> Task<'_, T> {
    fn finish(self) -> T {
        match self {
            Task::Running(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Task::Done(value) => value,
        }
    }
}

/// Starts `work` on a thread of `scope`, or runs it here when no thread can start
/// (the closure only borrows, so it is `Copy` and can still run after a failed start).
fn spawn_or_run<'scope, T, F>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    work: F,
) -> Task<'scope, T>
where
    T: Send + 'scope,
    F: FnOnce() -> T + Send + Copy + 'scope,
{
    match std::thread::Builder::new()
        .name("yikatong-checks".to_owned())
        .spawn_scoped(scope, work)
    {
        Ok(handle) => Task::Running(handle),
        Err(_) => Task::Done(work()),
    }
}
