//! A roster together with its review: the unit a township posts, submits and the
//! departments approve. It keeps the two consistent, which neither can do alone:
//!
//! - the roster can be edited only while the review allows it (draft or on public
//!   notice); after finance approval it is frozen (DESIGN invariant 3);
//! - an objection upheld with [`Resolution::RemoveLine`] removes the line in the same
//!   step, so the review's decision and the roster never disagree;
//! - submission needs a validation of the current content without errors and with
//!   every warning acknowledged;
//! - the review's context (line numbers, content hash) is always taken from the roster.
//!
//! Every refused command or edit changes neither the roster nor the review.

use std::collections::BTreeSet;

use time::Date;

use crate::review::{ReviewChange, ReviewContext, ReviewEvent};
use crate::{
    Actor, Error, HeldProjects, LineChange, MaskingPolicy, PolicyCatalog, ProblemKey,
    PublicityEntry, PublicityInput, RegionTree, Register, Resolution, Result, Review,
    ReviewCommand, ReviewRule, Role, Roster, RosterLine, ValidationReport, WorkCalendar,
};

/// A roster and its review, changed only together. (Persisted as the review's events
/// and the roster's changes; the store of a later issue replays them.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterCase {
    roster: Roster,
    review: Review,
    report: ValidationReport,
    /// The content hash the report was made for.
    validated_hash: String,
}

/// What a case command needs besides the actor: today, the calendar and the notice length.
#[derive(Debug, Clone, Copy)]
pub struct CaseContext<'a> {
    /// Today's date in China.
    pub today: Date,
    /// The working-day calendar.
    pub calendar: &'a WorkCalendar,
    /// The project's notice length in working days.
    pub publicity_working_days: u32,
}

impl RosterCase {
    /// Opens a case for a roster just built or taken in, with its validation report;
    /// the clerk creating it is recorded as its creator.
    pub fn open(
        roster: Roster,
        report: ValidationReport,
        clerk: &Actor,
        on: Date,
    ) -> Result<RosterCase> {
        let review = Review::new(clerk, on)?;
        let validated_hash = roster.content_hash();
        Ok(RosterCase {
            roster,
            review,
            report,
            validated_hash,
        })
    }

    /// The roster.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The review.
    pub fn review(&self) -> &Review {
        &self.review
    }

    /// The latest validation report.
    pub fn report(&self) -> &ValidationReport {
        &self.report
    }

    /// Whether the latest validation is of the roster as it is now.
    pub fn is_validation_current(&self) -> bool {
        self.validated_hash == self.roster.content_hash()
    }

    /// Gives a review command. The context comes from the roster; an upheld removal is
    /// applied to the roster at once; a submission needs a current validation without
    /// blocking problems. Returns the events, already applied.
    pub fn execute(
        &mut self,
        command: &ReviewCommand,
        actor: &Actor,
        context: &CaseContext<'_>,
    ) -> Result<Vec<ReviewEvent>> {
        let lines: BTreeSet<u32> = self.roster.lines().iter().map(|l| l.line_no).collect();
        let hash = self.roster.content_hash();
        let review_context = ReviewContext {
            today: context.today,
            calendar: context.calendar,
            publicity_working_days: context.publicity_working_days,
            lines: &lines,
            content_hash: &hash,
        };
        let events = self.review.decide(command, actor, &review_context)?;
        if *command == ReviewCommand::Submit {
            self.check_validated(actor, &hash)?;
        }
        // Every upheld removal names a line of the roster (the review checked it against
        // the context's lines), so applying cannot fail half-way; check anyway, before
        // changing anything.
        let removals: Vec<u32> = events
            .iter()
            .filter_map(|event| match &event.change {
                ReviewChange::ObjectionUpheld {
                    line,
                    resolution: Resolution::RemoveLine,
                    ..
                } => Some(*line),
                _ => None,
            })
            .collect();
        if let Some(&missing) = removals
            .iter()
            .find(|&&line| self.roster.line(line).is_none())
        {
            return Err(self.refusal(
                command.name(),
                actor,
                ReviewRule::UnknownLine { line: missing },
            ));
        }
        for line in removals {
            self.roster.remove_line(line)?;
        }
        for event in &events {
            self.review.apply(event);
        }
        Ok(events)
    }

    /// Changes a line (amount, account, note) while the review allows changes: by the
    /// township clerk, in draft or on public notice. Validate again before submitting.
    pub fn amend_line(&mut self, line_no: u32, change: LineChange, clerk: &Actor) -> Result<()> {
        self.check_editable("amend_line", clerk)?;
        self.roster.amend_line(line_no, change)
    }

    /// Removes a line while the review allows changes (township clerk).
    pub fn remove_line(&mut self, line_no: u32, clerk: &Actor) -> Result<RosterLine> {
        self.check_editable("remove_line", clerk)?;
        if self.review.holds().contains_key(&line_no) {
            return Err(self.refusal(
                "remove_line",
                clerk,
                ReviewRule::LineOnHold { line: line_no },
            ));
        }
        self.roster.remove_line(line_no)
    }

    /// Validates the roster again against the register, the catalogue and the projects
    /// held, and keeps the report; acknowledgements of unchanged lines stay.
    pub fn validate(
        &mut self,
        register: &Register,
        catalog: &PolicyCatalog,
        held: &HeldProjects,
        on: Date,
    ) -> Result<&ValidationReport> {
        self.report = self.roster.validate(register, catalog, held, on)?;
        self.validated_hash = self.roster.content_hash();
        Ok(&self.report)
    }

    /// Records that a warning was seen and accepted, with the reason (township clerk,
    /// while the roster may change).
    pub fn acknowledge(&mut self, key: ProblemKey, clerk: &Actor, reason: &str) -> Result<()> {
        self.check_editable("acknowledge", clerk)?;
        self.roster.acknowledge(key, &clerk.id, reason)
    }

    /// The public notice's rows for the roster as it is now, masked by `masking`
    /// (DESIGN invariant 6): village names from `regions` where known, else codes.
    pub fn publicity_entries(
        &self,
        masking: &MaskingPolicy,
        project_name: &str,
        regions: Option<&RegionTree>,
    ) -> Vec<PublicityEntry> {
        let villages: Vec<String> = self
            .roster
            .lines()
            .iter()
            .map(|line| {
                let code = line.facts.region;
                regions
                    .and_then(|tree| tree.get(code))
                    .map_or_else(|| code.to_string(), |region| region.name().to_owned())
            })
            .collect();
        masking.entries(
            self.roster
                .lines()
                .iter()
                .zip(&villages)
                .map(|(line, village)| PublicityInput {
                    line: line.line_no,
                    name: &line.name,
                    resident_id: &line.facts.resident_id,
                    account: line.account.as_ref().map(|account| &account.number),
                    amount: line.amount,
                    village,
                    project: project_name,
                }),
        )
    }

    fn check_validated(&self, actor: &Actor, hash: &str) -> Result<()> {
        if self.validated_hash != hash {
            return Err(self.refusal(
                "submit",
                actor,
                ReviewRule::NotValidated {
                    validated: self.validated_hash.clone(),
                    current: hash.to_owned(),
                },
            ));
        }
        self.roster.ready_for_submission(&self.report)
    }

    fn check_editable(&self, command: &'static str, actor: &Actor) -> Result<()> {
        if let Some(hash) = self.review.frozen_hash() {
            return Err(self.refusal(
                command,
                actor,
                ReviewRule::Frozen {
                    content_hash: hash.to_owned(),
                },
            ));
        }
        if actor.role != Role::TownshipClerk {
            return Err(self.refusal(
                command,
                actor,
                ReviewRule::WrongRole {
                    required: &[Role::TownshipClerk],
                },
            ));
        }
        if !self.review.allows_roster_changes() {
            return Err(self.refusal(
                command,
                actor,
                ReviewRule::WrongState {
                    allowed: &[crate::ReviewStatus::Draft, crate::ReviewStatus::InPublicity],
                },
            ));
        }
        Ok(())
    }

    fn refusal(&self, command: &'static str, actor: &Actor, rule: ReviewRule) -> Error {
        Error::Review {
            status: self.review.status(),
            command,
            role: Some(actor.role),
            rule,
        }
    }
}
