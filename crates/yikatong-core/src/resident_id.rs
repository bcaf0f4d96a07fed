//! Resident ID numbers (公民身份号码, GB 11643-1999).
//!
//! An 18-character number: 6-digit area code, 8-digit birth date (YYYYMMDD),
//! 3-digit sequence number (odd for men, even for women) and a check character
//! (`0`–`9` or `X`, ISO 7064 MOD 11-2). Old 15-digit numbers (two-digit year, no
//! check character) are converted to the 18-character form on parsing.
//!
//! The area code is only checked to be digits: people keep the number they were
//! given even when their county is later merged or renamed, so an area code that is
//! missing from today's region table is not an error.
//!
//! ```
//! use yikatong_core::{ResidentId, Sex};
//!
//! let id = ResidentId::parse("11010519491231002x")?;
//! assert_eq!(id.as_str(), "11010519491231002X");
//! assert_eq!(id.sex(), Sex::Female);
//! assert_eq!(id.birth_date(), time::macros::date!(1949-12-31));
//! assert_eq!(id.masked(), "110105********002X");
//!
//! // A 15-digit legacy number becomes the 18-character number.
//! assert_eq!(ResidentId::parse("110105491231002")?, id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use time::{Date, Month};

use crate::clock::today_in_china;
use crate::error::{Error, Result};

/// The GB 11643-1999 rule a resident ID number broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResidentIdRule {
    /// Nothing was given (or only spaces).
    #[error("the number is empty")]
    Empty,
    /// The number is neither 18 characters (nor the old 15-digit form) long.
    #[error("must be 18 characters (or an old 15-digit number) but has {found}")]
    Length {
        /// How many characters were given, surrounding spaces not counted.
        found: usize,
    },
    /// A character that cannot be there: only digits, and `X` as the last of 18.
    #[error("character {position} is {found:?}; only digits 0-9 are allowed (and X as the 18th)")]
    Character {
        /// One-based position, surrounding spaces not counted.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The birth date (characters 7–14) is not a real calendar date, or is before 1800.
    #[error("birth date {date} is not a real date")]
    BirthDate {
        /// The eight birth-date digits as given (YYYYMMDD).
        date: String,
    },
    /// The birth date (characters 7–14) is after today.
    #[error("birth date {date} is in the future")]
    BirthDateInFuture {
        /// The eight birth-date digits (YYYYMMDD).
        date: String,
    },
    /// The check character (the 18th) does not match the first 17 digits.
    #[error(
        "check character should be {expected:?} but is {found:?}; \
         most likely a digit was mistyped, so compare the whole number with the ID card"
    )]
    CheckCharacter {
        /// The check character the first 17 digits call for.
        expected: char,
        /// The check character given.
        found: char,
    },
}

/// Sex, as encoded in the 17th digit of a resident ID number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Sex {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sex::Male => "male",
            Sex::Female => "female",
        })
    }
}

/// A valid 18-character resident ID number (公民身份号码).
///
/// It can only be built by validating, so holding one means: 17 digits, a real
/// birth date from 1800 on that was not in the future when parsed, and a correct
/// check character (upper-case `X`). Ordering is the ordering of the text.
#[derive(Clone, Copy, PartialOrd, Ord)]
pub struct ResidentId([u8; 18]);

impl ResidentId {
    /// The 18 bytes as two words, for comparing and hashing without a call to
    /// `memcmp` (IDs are compared and hashed millions of times in roster intake).
    fn words(&self) -> (u128, u16) {
        let [head @ .., a, b] = self.0;
        (u128::from_ne_bytes(head), u16::from_ne_bytes([a, b]))
    }

    /// The number as one integer (the 17 digits times 11, plus the check value with
    /// `X` as 10), in the order of the text: a sort key that fits a machine word.
    pub(crate) fn to_u64(self) -> u64 {
        let digits = self.0[..17].iter().fold(0u64, |n, &digit| {
            n * 10 + u64::from(digit.wrapping_sub(b'0'))
        });
        let check = match self.0[17] {
            b'X' => 10,
            digit => u64::from(digit.wrapping_sub(b'0')),
        };
        digits * 11 + check
    }
}

impl PartialEq for ResidentId {
    fn eq(&self, other: &ResidentId) -> bool {
        self.words() == other.words()
    }
}

impl Eq for ResidentId {}

impl std::hash::Hash for ResidentId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (head, tail) = self.words();
        state.write_u128(head);
        state.write_u16(tail);
    }
}

/// ISO 7064 MOD 11-2 weights, 2^(18-i) mod 11 for positions 1..=17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by the weighted sum mod 11.
const CHECK: [u8; 11] = *b"10X98765432";
/// Birth years before this are impossible for a living or recently living person.
const MIN_BIRTH_YEAR: u32 = 1800;

/// The latest "today" (YYYYMMDD) that [`ResidentId::parse`] has read from the clock.
/// The civil date only moves forward, so any birth date on or before it is not in
/// the future; the clock is read again only for birth dates after it (rare). Reading
/// the clock for every number would cost more than the whole validation.
static LATEST_TODAY: AtomicU32 = AtomicU32::new(0);

/// Where "today" comes from, for the future-birth-date rule.
#[derive(Clone, Copy)]
enum Today {
    /// The system clock (China civil date), read only when needed.
    Clock,
    /// A date given by the caller, encoded YYYYMMDD.
    Fixed(u32),
}

impl Today {
    /// Whether a birth date (YYYYMMDD) is after today.
    fn is_before(self, birth: u32) -> bool {
        match self {
            Today::Fixed(today) => birth > today,
            Today::Clock => {
                if birth <= LATEST_TODAY.load(Ordering::Relaxed) {
                    return false;
                }
                let today = encode_date(today_in_china());
                LATEST_TODAY.fetch_max(today, Ordering::Relaxed);
                birth > today
            }
        }
    }
}

fn encode_date(date: Date) -> u32 {
    // Years before 0 cannot be compared this way; they are before any birth date.
    let year = u32::try_from(date.year()).unwrap_or(0);
    year * 10_000 + u32::from(u8::from(date.month())) * 100 + u32::from(date.day())
}

fn is_leap_year(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Value of ASCII digits already known to be digits.
fn digits_value(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, &b| acc * 10 + u32::from(b.wrapping_sub(b'0')))
}

/// Check character for 17 bytes, or `None` if one is not an ASCII digit.
fn check_of(first17: &[u8; 17]) -> Option<u8> {
    let mut sum = 0u32;
    let mut bad = false;
    // No early exit: a branch-free loop is faster on the (usual) valid path.
    for (&b, &w) in first17.iter().zip(WEIGHTS.iter()) {
        let d = b.wrapping_sub(b'0');
        bad |= d > 9;
        sum += u32::from(d) * w;
    }
    if bad {
        None
    } else {
        Some(CHECK[(sum % 11) as usize])
    }
}

impl ResidentId {
    /// Validates a resident ID number, checking its birth date against today's date
    /// in China. Surrounding spaces are ignored; a lower-case `x` is accepted; a
    /// 15-digit legacy number is converted to 18 characters.
    ///
    /// ```
    /// use yikatong_core::ResidentId;
    ///
    /// let err = ResidentId::parse("110105194912310021").unwrap_err();
    /// assert!(err.to_string().contains("check character should be 'X' but is '1'"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str) -> Result<ResidentId> {
        parse_with(text, Today::Clock)
    }

    /// Like [`ResidentId::parse`], but a birth date after `today` is the one that is
    /// rejected as in the future. Use it to make results reproducible.
    pub fn parse_as_of(text: &str, today: Date) -> Result<ResidentId> {
        parse_with(text, Today::Fixed(encode_date(today)))
    }

    /// The check character (`'0'`–`'9'` or `'X'`) for the first 17 digits of a
    /// number, or `None` if `first17` is not exactly 17 ASCII digits.
    ///
    /// ```
    /// use yikatong_core::ResidentId;
    ///
    /// assert_eq!(ResidentId::check_character(b"11010519491231002"), Some('X'));
    /// assert_eq!(ResidentId::check_character(b"1101051949123100"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_character(first17: &[u8]) -> Option<char> {
        let digits: &[u8; 17] = first17.try_into().ok()?;
        check_of(digits).map(char::from)
    }

    /// The 18-character number, with an upper-case `X` if it has one.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 6-digit area code of the place the number was first issued.
    pub fn area_code(&self) -> &str {
        self.as_str().get(..6).unwrap_or_default()
    }

    /// The date of birth (characters 7–14).
    pub fn birth_date(&self) -> Date {
        let (year, month, day) = self.birth_parts();
        let month = Month::try_from(month as u8).unwrap_or(Month::January);
        // Validated on parsing, so the fallback is never taken.
        Date::from_calendar_date(year as i32, month, day as u8).unwrap_or(Date::MIN)
    }

    /// Sex: an odd 17th digit is male, an even one female.
    pub fn sex(&self) -> Sex {
        if self.0[16] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in completed years on `date` (周岁); 0 if `date` is before the birth date.
    /// Someone born on 29 February has their birthday on 1 March in common years.
    ///
    /// ```
    /// use time::macros::date;
    /// use yikatong_core::ResidentId;
    ///
    /// let id = ResidentId::parse("11010519491231002X")?;
    /// assert_eq!(id.age_on(date!(2029-12-30)), 79);
    /// assert_eq!(id.age_on(date!(2029-12-31)), 80);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn age_on(&self, date: Date) -> u32 {
        let (year, month, day) = self.birth_parts();
        let Ok(on_year) = u32::try_from(date.year()) else {
            return 0;
        };
        let on = (u32::from(u8::from(date.month())), u32::from(date.day()));
        if on_year <= year {
            return 0;
        }
        let years = on_year - year;
        // Comparing (month, day) puts a 29 February birthday between 28 February
        // and 1 March, so in common years it is reached on 1 March.
        if on < (month, day) { years - 1 } else { years }
    }

    /// The number with the birth date and sequence hidden, for public outputs:
    /// the first 6 and last 4 characters, 8 asterisks between.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        let mut out = String::with_capacity(18);
        out.push_str(s.get(..6).unwrap_or_default());
        out.push_str("********");
        out.push_str(s.get(14..).unwrap_or_default());
        out
    }

    fn birth_parts(&self) -> (u32, u32, u32) {
        (
            digits_value(&self.0[6..10]),
            digits_value(&self.0[10..12]),
            digits_value(&self.0[12..14]),
        )
    }
}

fn parse_with(text: &str, today: Today) -> Result<ResidentId> {
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let fail = |rule| Error::ResidentId {
        value: text.to_owned(),
        rule,
    };
    let mut id = [0u8; 18];
    match bytes.len() {
        18 => {
            id.copy_from_slice(bytes);
            id[17] = id[17].to_ascii_uppercase();
        }
        15 => {
            id[..6].copy_from_slice(&bytes[..6]);
            id[6..8].copy_from_slice(b"19");
            id[8..17].copy_from_slice(&bytes[6..]);
            id[17] = bytes[14];
        }
        _ => return Err(fail(character_rule(trimmed))),
    }
    // One pass checks the digits and computes the check character.
    let Some(expected) = id.first_chunk::<17>().and_then(check_of) else {
        return Err(fail(character_rule(trimmed)));
    };
    let last = id[17];
    if !(last.is_ascii_digit() || (last == b'X' && bytes.len() == 18)) {
        return Err(fail(character_rule(trimmed)));
    }

    let year = digits_value(&id[6..10]);
    let month = digits_value(&id[10..12]);
    let day = digits_value(&id[12..14]);
    if year < MIN_BIRTH_YEAR || day == 0 || day > days_in_month(year, month) {
        return Err(fail(ResidentIdRule::BirthDate {
            date: birth_text(&id),
        }));
    }
    if today.is_before(year * 10_000 + month * 100 + day) {
        return Err(fail(ResidentIdRule::BirthDateInFuture {
            date: birth_text(&id),
        }));
    }

    if bytes.len() == 15 {
        id[17] = expected;
    } else if last != expected {
        return Err(fail(ResidentIdRule::CheckCharacter {
            expected: char::from(expected),
            found: char::from(last),
        }));
    }
    Ok(ResidentId(id))
}

fn birth_text(id: &[u8; 18]) -> String {
    String::from_utf8_lossy(&id[6..14]).into_owned()
}

/// The rule broken by text that is not 15 or 18 acceptable characters (slow path,
/// errors only): the length if it is wrong, else the first unacceptable character.
fn character_rule(trimmed: &str) -> ResidentIdRule {
    let count = trimmed.chars().count();
    if count == 0 {
        return ResidentIdRule::Empty;
    }
    if count != 15 && count != 18 {
        return ResidentIdRule::Length { found: count };
    }
    for (index, c) in trimmed.chars().enumerate() {
        let allowed = c.is_ascii_digit() || (count == 18 && index == 17 && matches!(c, 'X' | 'x'));
        if !allowed {
            return ResidentIdRule::Character {
                position: index + 1,
                found: c,
            };
        }
    }
    // Not reached for text that failed the fast checks; a length error is the
    // honest fallback.
    ResidentIdRule::Length { found: count }
}

impl FromStr for ResidentId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ResidentId::parse(s)
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.as_str()).finish()
    }
}

impl serde::Serialize for ResidentId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ResidentId {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ResidentId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an 18-character resident ID number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<ResidentId, E> {
                ResidentId::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Strategies for valid resident ID numbers (for the `proptest` feature and tests).
#[cfg(any(test, feature = "proptest"))]
mod strategy {
    use super::{ResidentId, check_of};
    use proptest::prelude::*;
    use time::Date;

    /// Julian days of 1900-01-01 and 2020-12-31.
    const FIRST_DAY: i32 = 2_415_021;
    const LAST_DAY: i32 = 2_459_215;

    /// Area code, birth date, sequence number → a valid number.
    pub(super) fn parts() -> impl Strategy<Value = (u32, Date, u32)> {
        (
            0u32..1_000_000,
            (FIRST_DAY..=LAST_DAY).prop_map(|day| Date::from_julian_day(day).unwrap_or(Date::MIN)),
            0u32..1000,
        )
    }

    pub(super) fn build(area: u32, birth: Date, sequence: u32) -> ResidentId {
        let text = format!(
            "{area:06}{:04}{:02}{:02}{sequence:03}",
            birth.year(),
            u8::from(birth.month()),
            birth.day()
        );
        let mut id = [b'0'; 18];
        id[..17].copy_from_slice(text.as_bytes());
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&id[..17]);
        id[17] = check_of(&first17).unwrap_or(b'0');
        ResidentId(id)
    }

    impl Arbitrary for ResidentId {
        type Parameters = ();
        type Strategy = BoxedStrategy<ResidentId>;

        /// Valid numbers born 1900–2020, any area code.
        fn arbitrary_with((): ()) -> Self::Strategy {
            parts().prop_map(|(a, b, s)| build(a, b, s)).boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn rule_of(text: &str) -> Option<ResidentIdRule> {
        match ResidentId::parse_as_of(text, TODAY) {
            Err(Error::ResidentId { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    #[test]
    fn known_valid_number() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.to_string(), "11010519491231002X");
        assert_eq!(id.area_code(), "110105");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        Ok(())
    }

    #[test]
    fn wrong_check_character_names_expected() {
        assert_eq!(
            rule_of("110105194912310021"),
            Some(ResidentIdRule::CheckCharacter {
                expected: 'X',
                found: '1'
            })
        );
        let err = error_text("110105194912310021");
        assert!(
            err.contains("check character should be 'X' but is '1'"),
            "{err}"
        );
        assert!(err.contains("110105194912310021"), "{err}");
    }

    /// The 17 digits followed by their check character.
    fn with_check(first17: &str) -> String {
        let check = ResidentId::check_character(first17.as_bytes()).unwrap_or('?');
        format!("{first17}{check}")
    }

    fn error_text(text: &str) -> String {
        ResidentId::parse(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn lower_case_x_and_spaces() -> TestResult {
        let id = ResidentId::parse("  11010519491231002x\t")?;
        assert_eq!(id.as_str(), "11010519491231002X");
        Ok(())
    }

    #[test]
    fn fifteen_digit_legacy_number() -> TestResult {
        let id = ResidentId::parse("110105491231002")?;
        assert_eq!(id.as_str(), "11010519491231002X");
        // Odd sequence digit: male.
        let id = ResidentId::parse_as_of("150102800229013", TODAY)?;
        assert_eq!(id.birth_date(), date!(1980 - 02 - 29));
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(
            ResidentId::check_character(&id.as_str().as_bytes()[..17]),
            id.as_str().chars().last()
        );
        assert_eq!(
            rule_of("110105490231002"),
            Some(ResidentIdRule::BirthDate {
                date: "19490231".into()
            })
        );
        assert_eq!(
            rule_of("11010549123100A"),
            Some(ResidentIdRule::Character {
                position: 15,
                found: 'A'
            })
        );
        // X is never part of a 15-digit number.
        assert_eq!(
            rule_of("11010549123100X"),
            Some(ResidentIdRule::Character {
                position: 15,
                found: 'X'
            })
        );
        Ok(())
    }

    #[test]
    fn length_and_empty() {
        assert_eq!(rule_of(""), Some(ResidentIdRule::Empty));
        assert_eq!(rule_of("   "), Some(ResidentIdRule::Empty));
        assert_eq!(
            rule_of("11010519491231002"),
            Some(ResidentIdRule::Length { found: 17 })
        );
        assert_eq!(
            rule_of("11010519491231002X1"),
            Some(ResidentIdRule::Length { found: 19 })
        );
        // Counted in characters, not bytes.
        assert_eq!(
            rule_of("身份证号码"),
            Some(ResidentIdRule::Length { found: 5 })
        );
    }

    #[test]
    fn bad_characters() {
        assert_eq!(
            rule_of("1101051949123100X2"),
            Some(ResidentIdRule::Character {
                position: 17,
                found: 'X'
            })
        );
        assert_eq!(
            rule_of("11010519491231002Y"),
            Some(ResidentIdRule::Character {
                position: 18,
                found: 'Y'
            })
        );
        // A full-width digit is reported where it stands.
        assert_eq!(
            rule_of("１1010519491231002X"),
            Some(ResidentIdRule::Character {
                position: 1,
                found: '１'
            })
        );
        assert_eq!(
            rule_of("110105 19491231002X"),
            Some(ResidentIdRule::Length { found: 19 })
        );
    }

    #[test]
    fn impossible_birth_dates() {
        for (text, date) in [
            ("110105199902300010", "19990230"),
            ("110105190002290010", "19000229"),
            ("110105199913010010", "19991301"),
            ("110105199900010010", "19990001"),
            ("110105199901000010", "19990100"),
            ("110105199904310010", "19990431"),
            ("110105179912310010", "17991231"),
        ] {
            assert_eq!(
                rule_of(text),
                Some(ResidentIdRule::BirthDate { date: date.into() }),
                "{text}"
            );
        }
        // 2000 is a leap year; 1800 is the first possible year.
        assert!(ResidentId::parse_as_of(&with_check("11010520000229001"), TODAY).is_ok());
        assert!(ResidentId::parse_as_of(&with_check("11010518000101001"), TODAY).is_ok());
    }

    #[test]
    fn birth_date_in_future() -> TestResult {
        let full = with_check("11010520261127001");
        assert_eq!(
            rule_of(&full),
            Some(ResidentIdRule::BirthDateInFuture {
                date: "20261127".into()
            })
        );
        assert!(ResidentId::parse_as_of(&full, date!(2026 - 11 - 27)).is_ok());
        // Against the clock: a birth date in 2999 is in the future, the cached
        // "latest today" notwithstanding.
        assert!(ResidentId::parse(&with_check("11010520000101001")).is_ok());
        let err = error_text(&with_check("11010529991231001"));
        assert!(
            err.contains("birth date 29991231 is in the future"),
            "{err}"
        );
        Ok(())
    }

    #[test]
    fn area_codes_not_in_the_table_are_accepted() -> TestResult {
        // 000000 and retired codes alike: only digits are required.
        let id = ResidentId::parse(&with_check("00000019800101001"))?;
        assert_eq!(id.area_code(), "000000");
        Ok(())
    }

    #[test]
    fn age_in_completed_years() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        assert_eq!(id.age_on(date!(1949 - 12 - 31)), 0);
        assert_eq!(id.age_on(date!(1949 - 01 - 01)), 0);
        assert_eq!(id.age_on(date!(1900 - 01 - 01)), 0);
        assert_eq!(id.age_on(date!(2029 - 12 - 30)), 79);
        assert_eq!(id.age_on(date!(2029 - 12 - 31)), 80);

        let leap = ResidentId::parse_as_of("150102800229013", TODAY)?;
        assert_eq!(leap.age_on(date!(2000 - 02 - 28)), 19);
        assert_eq!(leap.age_on(date!(2000 - 02 - 29)), 20);
        assert_eq!(leap.age_on(date!(2001 - 02 - 28)), 20);
        assert_eq!(leap.age_on(date!(2001 - 03 - 01)), 21);
        Ok(())
    }

    #[test]
    fn check_character_helper() {
        assert_eq!(ResidentId::check_character(b"11010519491231002"), Some('X'));
        assert_eq!(ResidentId::check_character(b"1101051949123100A"), None);
        assert_eq!(ResidentId::check_character(b""), None);
        assert_eq!(ResidentId::check_character(b"110105194912310021"), None);
    }

    #[test]
    fn serde_as_string() -> TestResult {
        let id = ResidentId::parse("11010519491231002X")?;
        assert_eq!(csv_round_trip(&id)?, "11010519491231002X\n");
        // Deserializing validates.
        let de: StrDeserializer<'_, DeError> = "110105194912310021".into_deserializer();
        let back: std::result::Result<ResidentId, _> = serde::Deserialize::deserialize(de);
        let err = back.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("check character should be 'X'"), "{err}");
        Ok(())
    }

    /// Serializes through serde (csv is the serde format the core already has) and
    /// checks that it deserializes back to the same value; returns the text.
    fn csv_round_trip(id: &ResidentId) -> std::result::Result<String, Box<dyn std::error::Error>> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.serialize(id)?;
        let text = String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let back: Option<ResidentId> = reader.deserialize().next().transpose()?;
        if back != Some(*id) {
            return Err(format!("{text:?} came back as {back:?}").into());
        }
        Ok(text)
    }

    proptest! {
        #[test]
        fn the_number_as_an_integer_keeps_order_and_identity(a in any::<ResidentId>(), b in any::<ResidentId>()) {
            prop_assert_eq!(a.to_u64().cmp(&b.to_u64()), a.cmp(&b));
            let digits: u64 = a.as_str()[..17].parse().unwrap_or(u64::MAX);
            prop_assert_eq!(a.to_u64() / 11, digits);
        }

        #[test]
        fn generated_numbers_round_trip((area, birth, seq) in strategy::parts()) {
            let id = strategy::build(area, birth, seq);
            let parsed = ResidentId::parse_as_of(id.as_str(), TODAY);
            prop_assert_eq!(parsed.as_ref().ok(), Some(&id));
            prop_assert_eq!(ResidentId::parse(&id.to_string()).ok(), Some(id));
            prop_assert_eq!(csv_round_trip(&id).ok(), Some(format!("{id}\n")));
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
            prop_assert_eq!(id.area_code(), format!("{area:06}"));
            let on = birth.replace_year(birth.year() + 60).unwrap_or(birth);
            // Someone born on 29 February turns 60 on 1 March in a common year.
            let expected = if on == birth { 59 } else { 60 };
            prop_assert_eq!(id.age_on(on), expected);
            prop_assert_eq!(id.age_on(on.previous_day().unwrap_or(on)), 59);
            prop_assert_eq!(id.masked(), format!("{}********{}", &id.as_str()[..6], &id.as_str()[14..]));
        }

        #[test]
        fn single_character_changes_are_rejected(
            id in any::<ResidentId>(),
            position in 0usize..18,
            replacement in proptest::sample::select(b"0123456789X".to_vec()),
        ) {
            let mut bytes = *id.as_str().as_bytes().first_chunk::<18>().unwrap_or(&[b'0'; 18]);
            prop_assume!(bytes[position] != replacement);
            bytes[position] = replacement;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert!(ResidentId::parse_as_of(&text, TODAY).is_err(), "{} accepted", text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
            let _ = ResidentId::parse(&text);
        }

        #[test]
        fn digit_strings_never_panic(text in "[0-9xX ]{0,20}") {
            if let Ok(id) = ResidentId::parse_as_of(&text, TODAY) {
                prop_assert_eq!(id.as_str().len(), 18);
            }
        }
    }
}
