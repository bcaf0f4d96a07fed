//! Resident ID numbers (公民身份号码).

use std::fmt;
use std::sync::Arc;

use yikatong::Sex;

use crate::{LocalDate, Result};

/// Sex, from the 17th digit of a resident ID number.
#[uniffi::remote(Enum)]
enum Sex {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

/// A valid 18-character resident ID number (公民身份号码). Built only by validating.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct ResidentId(yikatong::ResidentId);

#[uniffi::export]
impl ResidentId {
    /// Validates a resident ID number, checking its birth date against today's date in
    /// China. Surrounding spaces are ignored; a lower-case `x` is accepted; a 15-digit
    /// legacy number is converted to 18 characters.
    #[uniffi::constructor]
    pub fn parse(text: &str) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(yikatong::ResidentId::parse(text)?)))
    }

    /// Like `parse`, but a birth date after `today` is the one rejected as in the future.
    #[uniffi::constructor]
    pub fn parse_as_of(text: &str, today: LocalDate) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(yikatong::ResidentId::parse_as_of(
            text, today,
        )?)))
    }

    /// The 18-character number, with an upper-case `X` if it has one.
    pub fn as_str(&self) -> String {
        self.0.as_str().to_owned()
    }

    /// The 6-digit area code of the place the number was first issued.
    pub fn area_code(&self) -> String {
        self.0.area_code().to_owned()
    }

    /// The date of birth.
    pub fn birth_date(&self) -> LocalDate {
        self.0.birth_date()
    }

    /// Sex: an odd 17th digit is male, an even one female.
    pub fn sex(&self) -> Sex {
        self.0.sex()
    }

    /// Age in completed years on `date` (周岁); 0 if `date` is before the birth date.
    pub fn age_on(&self, date: LocalDate) -> u32 {
        self.0.age_on(date)
    }

    /// The number with the birth date and sequence hidden: first 6 and last 4 characters.
    pub fn masked(&self) -> String {
        self.0.masked()
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The check character ("0"–"9" or "X") for the first 17 digits of a resident ID
/// number, or null if `first17` is not exactly 17 ASCII digits.
/// (`ResidentId::check_character` in Rust.)
#[uniffi::export]
pub fn resident_id_check_character(first17: &str) -> Option<String> {
    yikatong::ResidentId::check_character(first17.as_bytes()).map(String::from)
}
