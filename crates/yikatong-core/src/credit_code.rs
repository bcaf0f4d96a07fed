//! Unified social credit codes (统一社会信用代码, GB 32100-2015).
//!
//! 18 characters from the 31-character alphabet `0-9` and `A-Y` without
//! `I`, `O`, `S`, `V` and `Z`: registration authority (1), entity type (1),
//! region code (6), organisation code (9) and a check character (MOD 31).
//! Only the alphabet and the check character are verified; the codes inside are
//! not looked up in any table.
//!
//! ```
//! use yikatong_core::CreditCode;
//!
//! let code = CreditCode::parse("91350100m000100y43")?;
//! assert_eq!(code.as_str(), "91350100M000100Y43");
//! assert_eq!(code.registration_authority(), '9');
//! assert_eq!(code.entity_type(), '1');
//! assert_eq!(code.region_code(), "350100");
//! assert_eq!(code.organisation_code(), "M000100Y4");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The GB 32100-2015 rule a unified social credit code broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreditCodeRule {
    /// The code is not 18 characters long.
    #[error("must be 18 characters but has {found}")]
    Length {
        /// How many characters were given, surrounding spaces not counted.
        found: usize,
    },
    /// A character outside the alphabet (digits and capital letters except I, O, S, V, Z).
    #[error(
        "character {position} is {found:?}; only digits and the letters \
         A-H, J-N, P-R, T, U, W-Y are used (never I, O, S, V or Z)"
    )]
    Character {
        /// One-based position, surrounding spaces not counted.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The check character (the 18th) does not match the first 17.
    #[error(
        "check character should be {expected:?} but is {found:?}; \
         most likely a character was mistyped, so compare the whole code with the licence"
    )]
    CheckCharacter {
        /// The check character the first 17 characters call for.
        expected: char,
        /// The check character given (upper-cased).
        found: char,
    },
}

/// A valid unified social credit code (统一社会信用代码), upper case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditCode([u8; 18]);

/// The 31 characters of the code, in order of value.
const ALPHABET: [u8; 31] = *b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^(i-1) mod 31 for positions 1..=17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Marks a byte that is not in the alphabet.
const INVALID: u8 = u8::MAX;
/// Value of each byte (either case), or `INVALID`.
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        table[ALPHABET[i].to_ascii_lowercase() as usize] = i as u8;
        i += 1;
    }
    table
};

impl CreditCode {
    /// Validates a unified social credit code. Surrounding spaces are ignored and
    /// lower-case letters are accepted (stored upper case).
    ///
    /// ```
    /// use yikatong_core::CreditCode;
    ///
    /// let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
    /// assert!(err.to_string().contains("check character should be '3' but is '4'"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str) -> Result<CreditCode> {
        let trimmed = text.trim();
        let fail = |rule| Error::CreditCode {
            value: text.to_owned(),
            rule,
        };
        let bytes = trimmed.as_bytes();
        let Ok(bytes) = <&[u8; 18]>::try_from(bytes) else {
            return Err(fail(slow_rule(trimmed)));
        };
        let mut code = [0u8; 18];
        let mut sum = 0u32;
        for (i, &b) in bytes.iter().enumerate() {
            let value = VALUES[usize::from(b)];
            if value == INVALID {
                return Err(fail(slow_rule(trimmed)));
            }
            code[i] = ALPHABET[usize::from(value)];
            if let Some(w) = WEIGHTS.get(i) {
                sum += u32::from(value) * w;
            }
        }
        let expected = ALPHABET[((31 - sum % 31) % 31) as usize];
        if code[17] != expected {
            return Err(fail(CreditCodeRule::CheckCharacter {
                expected: char::from(expected),
                found: char::from(code[17]),
            }));
        }
        Ok(CreditCode(code))
    }

    /// The check character for the first 17 characters of a code (either case),
    /// or `None` if `first17` is not exactly 17 characters of the alphabet.
    ///
    /// ```
    /// use yikatong_core::CreditCode;
    ///
    /// assert_eq!(CreditCode::check_character(b"91350100M000100Y4"), Some('3'));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_character(first17: &[u8]) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (&b, w) in first17.iter().zip(WEIGHTS) {
            let value = VALUES[usize::from(b)];
            if value == INVALID {
                return None;
            }
            sum += u32::from(value) * w;
        }
        Some(char::from(ALPHABET[((31 - sum % 31) % 31) as usize]))
    }

    /// The 18-character code, upper case.
    pub fn as_str(&self) -> &str {
        // Only alphabet bytes (ASCII) are ever stored, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The registration authority (登记管理部门) code, character 1 (e.g. `'9'` for
    /// market regulation).
    pub fn registration_authority(&self) -> char {
        char::from(self.0[0])
    }

    /// The entity type (机构类别) code, character 2.
    pub fn entity_type(&self) -> char {
        char::from(self.0[1])
    }

    /// The region code (登记管理机关行政区划码), characters 3–8.
    pub fn region_code(&self) -> &str {
        self.as_str().get(2..8).unwrap_or_default()
    }

    /// The organisation code (主体标识码, the old 组织机构代码), characters 9–17.
    pub fn organisation_code(&self) -> &str {
        self.as_str().get(8..17).unwrap_or_default()
    }
}

/// The rule broken by text that failed the fast checks (errors only).
fn slow_rule(trimmed: &str) -> CreditCodeRule {
    let count = trimmed.chars().count();
    if count != 18 {
        return CreditCodeRule::Length { found: count };
    }
    for (index, c) in trimmed.chars().enumerate() {
        let known = u8::try_from(c).is_ok_and(|b| VALUES[usize::from(b)] != INVALID);
        if !known {
            return CreditCodeRule::Character {
                position: index + 1,
                found: c,
            };
        }
    }
    // Not reached for text that failed the fast checks.
    CreditCodeRule::Length { found: count }
}

impl FromStr for CreditCode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        CreditCode::parse(s)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CreditCode").field(&self.as_str()).finish()
    }
}

impl serde::Serialize for CreditCode {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CreditCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an 18-character unified social credit code")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<CreditCode, E> {
                CreditCode::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(any(test, feature = "proptest"))]
mod strategy {
    use super::{ALPHABET, CreditCode, WEIGHTS};
    use proptest::prelude::*;

    /// A valid code built from 17 alphabet indices.
    pub(super) fn build(values: &[u8; 17]) -> CreditCode {
        let mut code = [0u8; 18];
        let mut sum = 0u32;
        for (i, (&v, w)) in values.iter().zip(WEIGHTS).enumerate() {
            let v = v % 31;
            code[i] = ALPHABET[usize::from(v)];
            sum += u32::from(v) * w;
        }
        code[17] = ALPHABET[((31 - sum % 31) % 31) as usize];
        CreditCode(code)
    }

    impl Arbitrary for CreditCode {
        type Parameters = ();
        type Strategy = BoxedStrategy<CreditCode>;

        /// Valid codes with any characters of the alphabet in positions 1–17.
        fn arbitrary_with((): ()) -> Self::Strategy {
            proptest::array::uniform17(0u8..31)
                .prop_map(|values| build(&values))
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn rule_of(text: &str) -> Option<CreditCodeRule> {
        match CreditCode::parse(text) {
            Err(Error::CreditCode { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    #[test]
    fn known_real_code() -> TestResult {
        let code = CreditCode::parse("91350100M000100Y43")?;
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.to_string(), "91350100M000100Y43");
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.entity_type(), '1');
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.organisation_code(), "M000100Y4");
        assert_eq!(CreditCode::parse(" 91350100m000100y43 ")?, code);
        assert_eq!("91350100M000100Y43".parse::<CreditCode>()?, code);
        Ok(())
    }

    #[test]
    fn each_rule() {
        assert_eq!(
            rule_of("91350100M000100Y44"),
            Some(CreditCodeRule::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        assert_eq!(rule_of(""), Some(CreditCodeRule::Length { found: 0 }));
        assert_eq!(
            rule_of("91350100M000100Y4"),
            Some(CreditCodeRule::Length { found: 17 })
        );
        assert_eq!(
            rule_of("91350100M000100Y433"),
            Some(CreditCodeRule::Length { found: 19 })
        );
        // The letter O looks like zero but is not in the alphabet.
        assert_eq!(
            rule_of("91350100MO00100Y43"),
            Some(CreditCodeRule::Character {
                position: 10,
                found: 'O'
            })
        );
        assert_eq!(
            rule_of("91350100M000100Y4i"),
            Some(CreditCodeRule::Character {
                position: 18,
                found: 'i'
            })
        );
        assert_eq!(
            rule_of("９1350100M000100Y43"),
            Some(CreditCodeRule::Character {
                position: 1,
                found: '９'
            })
        );
        let message = CreditCode::parse("91350100M000100Y44")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("\"91350100M000100Y44\"")
                && message.contains("check character should be '3' but is '4'"),
            "{message}"
        );
    }

    #[test]
    fn check_character_helper() {
        assert_eq!(CreditCode::check_character(b"91350100M000100Y4"), Some('3'));
        assert_eq!(CreditCode::check_character(b"91350100m000100y4"), Some('3'));
        assert_eq!(CreditCode::check_character(b"91350100M000100Z4"), None);
        assert_eq!(CreditCode::check_character(b"91350100M000100Y"), None);
    }

    #[test]
    fn deserializing_validates() {
        let de: StrDeserializer<'_, DeError> = "91350100m000100y43".into_deserializer();
        let code: std::result::Result<CreditCode, _> = serde::Deserialize::deserialize(de);
        assert_eq!(
            code.ok().map(|c| c.to_string()),
            Some("91350100M000100Y43".to_owned())
        );
        let de: StrDeserializer<'_, DeError> = "91350100M000100Y44".into_deserializer();
        let code: std::result::Result<CreditCode, _> = serde::Deserialize::deserialize(de);
        assert!(code.is_err());
    }

    fn csv_round_trip(
        code: &CreditCode,
    ) -> std::result::Result<String, Box<dyn std::error::Error>> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.serialize(code)?;
        let text = String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let back: Option<CreditCode> = reader.deserialize().next().transpose()?;
        if back != Some(*code) {
            return Err(format!("{text:?} came back as {back:?}").into());
        }
        Ok(text)
    }

    proptest! {
        #[test]
        fn generated_codes_round_trip(code in any::<CreditCode>()) {
            prop_assert_eq!(CreditCode::parse(code.as_str()).ok(), Some(code));
            prop_assert_eq!(CreditCode::parse(&code.as_str().to_lowercase()).ok(), Some(code));
            prop_assert_eq!(csv_round_trip(&code).ok(), Some(format!("{code}\n")));
            let s = code.as_str();
            prop_assert_eq!(
                format!("{}{}{}{}{}", code.registration_authority(), code.entity_type(),
                    code.region_code(), code.organisation_code(), &s[17..]),
                s
            );
        }

        #[test]
        fn single_character_changes_are_rejected(
            code in any::<CreditCode>(),
            position in 0usize..18,
            replacement in proptest::sample::select(ALPHABET.to_vec()),
        ) {
            let mut bytes = code.0;
            prop_assume!(bytes[position] != replacement);
            bytes[position] = replacement;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert_eq!(
                rule_of(&text).map(|r| matches!(r, CreditCodeRule::CheckCharacter { .. })),
                Some(true)
            );
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
            let _ = CreditCode::parse(&text);
        }

        #[test]
        fn near_codes_never_panic(text in "[0-9A-Za-z ]{16,20}") {
            if let Ok(code) = CreditCode::parse(&text) {
                prop_assert_eq!(code.as_str(), text.trim().to_uppercase());
            }
        }
    }
}
