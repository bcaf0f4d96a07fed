//! Unified social credit codes (统一社会信用代码).

use std::fmt;
use std::sync::Arc;

use crate::Result;

/// A valid 18-character unified social credit code. Built only by validating.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct CreditCode(yikatong::CreditCode);

#[uniffi::export]
impl CreditCode {
    /// Validates a unified social credit code. Surrounding spaces are ignored and
    /// lower-case letters are accepted (stored upper case).
    #[uniffi::constructor]
    pub fn parse(text: &str) -> Result<Arc<Self>> {
        Ok(Arc::new(Self(yikatong::CreditCode::parse(text)?)))
    }

    /// The 18-character code, upper case.
    pub fn as_str(&self) -> String {
        self.0.as_str().to_owned()
    }

    /// The registration authority (登记管理部门) code, character 1, e.g. "9".
    pub fn registration_authority(&self) -> String {
        self.0.registration_authority().to_string()
    }

    /// The entity type (机构类别) code, character 2.
    pub fn entity_type(&self) -> String {
        self.0.entity_type().to_string()
    }

    /// The region code (登记管理机关行政区划码), characters 3–8.
    pub fn region_code(&self) -> String {
        self.0.region_code().to_owned()
    }

    /// The organisation code (主体标识码), characters 9–17.
    pub fn organisation_code(&self) -> String {
        self.0.organisation_code().to_owned()
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The check character for the first 17 characters of a credit code, or null if they
/// are not 17 characters of the code alphabet. (`CreditCode::check_character` in Rust.)
#[uniffi::export]
pub fn credit_code_check_character(first17: &str) -> Option<String> {
    yikatong::CreditCode::check_character(first17.as_bytes()).map(String::from)
}
