//! Placeholder: being written.

/// The calendar.
#[derive(Debug)]
pub struct WorkCalendar;
/// Coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarCoverage {
    /// Covered.
    Statutory,
}
