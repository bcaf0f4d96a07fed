//! Civil dates in China. Everything in yikatong is dated in UTC+8, whatever the host's zone.

use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time, UTC+8 (no daylight saving).
pub const CHINA_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Today's civil date in China, read from the system clock.
pub fn today_in_china() -> Date {
    OffsetDateTime::now_utc().to_offset(CHINA_OFFSET).date()
}
