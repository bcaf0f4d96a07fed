//! Account numbers at agent banks: social security cards, bank cards and passbooks.
//!
//! Spaces and hyphens, as people write card numbers, are dropped; what is left must
//! be digits. Card numbers (12–19 digits) must pass the Luhn check. Passbook
//! numbers (6–32 digits) often have no Luhn check digit at all, so one that fails
//! the check is accepted *with a warning* on the value, to be confirmed with the
//! bank rather than silently trusted.
//!
//! ```
//! use yikatong_core::{AccountKind, AccountNumber, AccountWarning};
//!
//! let card = AccountNumber::parse("6228 4800 0000 0000 018", AccountKind::BankCard)?;
//! assert_eq!(card.as_str(), "6228480000000000018");
//! assert_eq!(card.masked(), "***************0018");
//! assert_eq!(card.warning(), None);
//!
//! let passbook = AccountNumber::parse("15-0102-0000-1234", AccountKind::Passbook)?;
//! assert_eq!(passbook.warning(), Some(AccountWarning::NoCheckDigit));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use compact_str::CompactString;
use std::fmt;

use crate::error::{Error, Result};

/// The rule an account number broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountRule {
    /// A character other than a digit, a space or a hyphen.
    #[error(
        "character {position} is {found:?}; an account number has only digits \
         (spaces and hyphens are ignored)"
    )]
    Character {
        /// One-based position in the text as given.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// Too few or too many digits for this kind of account.
    #[error("must have {min} to {max} digits but has {found}")]
    Length {
        /// How many digits were given.
        found: usize,
        /// The fewest digits allowed.
        min: usize,
        /// The most digits allowed.
        max: usize,
    },
    /// A card number whose last digit does not match the others (Luhn check).
    #[error(
        "fails the card check digit (Luhn) test; most likely a digit was mistyped, \
         so compare the whole number with the card"
    )]
    Luhn,
}

/// What kind of account a subsidy is paid into.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AccountKind {
    /// The beneficiary's social security card (社会保障卡), the preferred account.
    SocialSecurityCard,
    /// A bank card (银行卡).
    BankCard,
    /// A passbook (存折).
    Passbook,
}

impl AccountKind {
    /// All kinds, in declaration order.
    pub const ALL: [AccountKind; 3] = [
        AccountKind::SocialSecurityCard,
        AccountKind::BankCard,
        AccountKind::Passbook,
    ];

    /// The Chinese name: 社会保障卡, 银行卡 or 存折.
    pub fn name_zh(self) -> &'static str {
        match self {
            AccountKind::SocialSecurityCard => "社会保障卡",
            AccountKind::BankCard => "银行卡",
            AccountKind::Passbook => "存折",
        }
    }

    /// The fewest and most digits a number of this kind may have.
    pub fn digit_range(self) -> (usize, usize) {
        match self {
            AccountKind::SocialSecurityCard | AccountKind::BankCard => (12, 19),
            AccountKind::Passbook => (6, 32),
        }
    }

    /// Whether numbers of this kind must pass the Luhn check.
    pub fn requires_luhn(self) -> bool {
        match self {
            AccountKind::SocialSecurityCard | AccountKind::BankCard => true,
            AccountKind::Passbook => false,
        }
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            AccountKind::SocialSecurityCard => "social security card",
            AccountKind::BankCard => "bank card",
            AccountKind::Passbook => "passbook",
        })
    }
}

/// Something about an accepted account number that a person should confirm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum AccountWarning {
    /// A passbook number without a Luhn check digit: a typing mistake cannot be
    /// detected here.
    NoCheckDigit,
}

impl fmt::Display for AccountWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountWarning::NoCheckDigit => {
                "passbook number has no check digit to verify; confirm it with the agent bank"
            }
        })
    }
}

/// A validated account number of a known kind: digits only.
///
/// `Display` shows the full number; public outputs must use [`AccountNumber::masked`].
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "AccountNumberFields", into = "AccountNumberFields")]
pub struct AccountNumber {
    number: CompactString,
    kind: AccountKind,
    warning: Option<AccountWarning>,
}

/// The serialized form: number and kind. The warning is derived again on reading.
#[derive(serde::Serialize, serde::Deserialize)]
struct AccountNumberFields {
    number: String,
    kind: AccountKind,
}

impl TryFrom<AccountNumberFields> for AccountNumber {
    type Error = Error;

    fn try_from(fields: AccountNumberFields) -> Result<Self> {
        AccountNumber::parse(&fields.number, fields.kind)
    }
}

impl From<AccountNumber> for AccountNumberFields {
    fn from(account: AccountNumber) -> Self {
        AccountNumberFields {
            number: account.number.into(),
            kind: account.kind,
        }
    }
}

/// Whether a string of ASCII digits passes the Luhn check.
fn passes_luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        let d = u32::from(b.wrapping_sub(b'0'));
        sum += if i % 2 == 1 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
    }
    sum % 10 == 0
}

impl AccountNumber {
    /// Validates an account number of the given kind. Spaces and hyphens are
    /// dropped. Cards must pass the Luhn check; a passbook number that does not is
    /// accepted with [`AccountWarning::NoCheckDigit`].
    ///
    /// ```
    /// use yikatong_core::{AccountKind, AccountNumber};
    ///
    /// let err = AccountNumber::parse("6228480000000000019", AccountKind::BankCard).unwrap_err();
    /// assert!(err.to_string().contains("Luhn"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str, kind: AccountKind) -> Result<AccountNumber> {
        let fail = |rule| Error::AccountNumber {
            value: text.to_owned(),
            rule,
        };
        let mut number = CompactString::with_capacity(text.len());
        for (index, c) in text.chars().enumerate() {
            if c.is_ascii_digit() {
                number.push(c);
            } else if !(c == '-' || c.is_whitespace()) {
                return Err(fail(AccountRule::Character {
                    position: index + 1,
                    found: c,
                }));
            }
        }
        let (min, max) = kind.digit_range();
        if !(min..=max).contains(&number.len()) {
            return Err(fail(AccountRule::Length {
                found: number.len(),
                min,
                max,
            }));
        }
        let mut warning = None;
        if !passes_luhn(number.as_bytes()) {
            if kind.requires_luhn() {
                return Err(fail(AccountRule::Luhn));
            }
            warning = Some(AccountWarning::NoCheckDigit);
        }
        Ok(AccountNumber {
            number,
            kind,
            warning,
        })
    }

    /// The number as one integer that tells accounts apart exactly: its last 19
    /// digits, the (at most 13) digits before them from bit 64, and the digit count
    /// from bit 110, so that leading zeros count. For maps keyed by account on hot
    /// paths.
    pub(crate) fn key(&self) -> u128 {
        // In 64-bit pieces: the last 19 digits, and the (at most 13) before them.
        let bytes = self.number.as_bytes();
        let split = bytes.len().saturating_sub(19);
        let value = |digits: &[u8]| {
            digits
                .iter()
                .fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'))
        };
        let (high, low) = (value(&bytes[..split]), value(&bytes[split..]));
        u128::from(low) | (u128::from(high) << 64) | ((bytes.len() as u128) << 110)
    }

    /// The digits, without spaces or hyphens.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The kind of account.
    pub fn kind(&self) -> AccountKind {
        self.kind
    }

    /// What a person should confirm about this number, if anything.
    pub fn warning(&self) -> Option<AccountWarning> {
        self.warning
    }

    /// The last four digits.
    pub fn last4(&self) -> &str {
        let start = self.number.len().saturating_sub(4);
        self.number.get(start..).unwrap_or_default()
    }

    /// The number for public outputs: every digit but the last four replaced by `*`.
    pub fn masked(&self) -> String {
        let last4 = self.last4();
        let mut out = "*".repeat(self.number.len() - last4.len());
        out.push_str(last4);
        out
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.number)
    }
}

#[cfg(any(test, feature = "proptest"))]
mod strategy {
    use super::{AccountKind, AccountNumber, passes_luhn};
    use proptest::prelude::*;

    /// Appends the digit that makes `body` (ASCII digits) pass the Luhn check.
    pub(super) fn with_luhn_digit(mut body: Vec<u8>) -> Vec<u8> {
        body.push(b'0');
        for d in b'0'..=b'9' {
            if let Some(last) = body.last_mut() {
                *last = d;
            }
            if passes_luhn(&body) {
                break;
            }
        }
        body
    }

    /// Luhn-valid card numbers of 12–19 digits.
    pub(super) fn card_number() -> impl Strategy<Value = String> {
        proptest::collection::vec(b'0'..=b'9', 11..=18)
            .prop_map(|body| String::from_utf8_lossy(&with_luhn_digit(body)).into_owned())
    }

    impl Arbitrary for AccountKind {
        type Parameters = ();
        type Strategy = BoxedStrategy<AccountKind>;

        fn arbitrary_with((): ()) -> Self::Strategy {
            proptest::sample::select(AccountKind::ALL.to_vec()).boxed()
        }
    }

    impl Arbitrary for AccountNumber {
        type Parameters = ();
        type Strategy = BoxedStrategy<AccountNumber>;

        /// Luhn-valid cards, and passbooks of 6–32 digits with or without a check digit.
        fn arbitrary_with((): ()) -> Self::Strategy {
            let passbook = "[0-9]{6,32}"
                .prop_map(|number| AccountNumber::parse(&number, AccountKind::Passbook));
            let card = (
                card_number(),
                prop_oneof![
                    Just(AccountKind::SocialSecurityCard),
                    Just(AccountKind::BankCard)
                ],
            )
                .prop_map(|(number, kind)| AccountNumber::parse(&number, kind));
            prop_oneof![card, passbook]
                .prop_filter_map("always valid", Result::ok)
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn rule_of(text: &str, kind: AccountKind) -> Option<AccountRule> {
        match AccountNumber::parse(text, kind) {
            Err(Error::AccountNumber { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    #[test]
    fn luhn_known_values() {
        assert!(passes_luhn(b"79927398713"));
        assert!(!passes_luhn(b"79927398710"));
        assert!(passes_luhn(b"4111111111111111"));
        assert!(passes_luhn(b"6228480000000000018"));
        assert!(!passes_luhn(b"6228480000000000019"));
    }

    #[test]
    fn card_numbers() -> TestResult {
        let card = AccountNumber::parse(" 6228-4800-0000-0000-018 ", AccountKind::BankCard)?;
        assert_eq!(card.as_str(), "6228480000000000018");
        assert_eq!(card.kind(), AccountKind::BankCard);
        assert_eq!(card.last4(), "0018");
        assert_eq!(card.masked(), "***************0018");
        assert_eq!(card.to_string(), "6228480000000000018");
        assert_eq!(card.warning(), None);
        let ssc = AccountNumber::parse("4111111111111111", AccountKind::SocialSecurityCard)?;
        assert_eq!(ssc.kind(), AccountKind::SocialSecurityCard);
        // 12 digits is the shortest card.
        assert!(AccountNumber::parse("411111111117", AccountKind::BankCard).is_ok());
        Ok(())
    }

    #[test]
    fn card_rules() {
        assert_eq!(
            rule_of("6228480000000000019", AccountKind::BankCard),
            Some(AccountRule::Luhn)
        );
        assert_eq!(
            rule_of("4111111111111112", AccountKind::SocialSecurityCard),
            Some(AccountRule::Luhn)
        );
        assert_eq!(
            rule_of("6228 48O0", AccountKind::BankCard),
            Some(AccountRule::Character {
                position: 8,
                found: 'O'
            })
        );
        assert_eq!(
            rule_of("62284800000", AccountKind::BankCard),
            Some(AccountRule::Length {
                found: 11,
                min: 12,
                max: 19
            })
        );
        assert_eq!(
            rule_of("62284800000000000000", AccountKind::BankCard),
            Some(AccountRule::Length {
                found: 20,
                min: 12,
                max: 19
            })
        );
        assert_eq!(
            rule_of(" - ", AccountKind::BankCard),
            Some(AccountRule::Length {
                found: 0,
                min: 12,
                max: 19
            })
        );
        let message = AccountNumber::parse("6228480000000000019", AccountKind::BankCard)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("\"6228480000000000019\"") && message.contains("mistyped"),
            "{message}"
        );
    }

    #[test]
    fn passbooks_warn_instead_of_rejecting() -> TestResult {
        let plain = AccountNumber::parse("150102000012345", AccountKind::Passbook)?;
        assert!(!passes_luhn(b"150102000012345"));
        assert_eq!(plain.warning(), Some(AccountWarning::NoCheckDigit));
        assert_eq!(
            plain.warning().map(|w| w.to_string()).as_deref(),
            Some("passbook number has no check digit to verify; confirm it with the agent bank")
        );
        let luhn = AccountNumber::parse("79927398713", AccountKind::Passbook)?;
        assert_eq!(luhn.warning(), None);
        assert_eq!(luhn.masked(), "*******8713");
        assert!(AccountNumber::parse("123455", AccountKind::Passbook).is_ok());
        assert_eq!(
            rule_of("12345", AccountKind::Passbook),
            Some(AccountRule::Length {
                found: 5,
                min: 6,
                max: 32
            })
        );
        assert_eq!(
            rule_of(&"1".repeat(33), AccountKind::Passbook),
            Some(AccountRule::Length {
                found: 33,
                min: 6,
                max: 32
            })
        );
        Ok(())
    }

    #[test]
    fn kind_names() {
        assert_eq!(
            AccountKind::SocialSecurityCard.to_string(),
            "social security card"
        );
        assert_eq!(AccountKind::BankCard.to_string(), "bank card");
        assert_eq!(AccountKind::Passbook.to_string(), "passbook");
        assert_eq!(AccountKind::SocialSecurityCard.name_zh(), "社会保障卡");
        assert_eq!(AccountKind::BankCard.name_zh(), "银行卡");
        assert_eq!(AccountKind::Passbook.name_zh(), "存折");
    }

    /// Writes accounts with csv (a serde format the core has) and reads them back.
    fn csv_round_trip(
        accounts: &[AccountNumber],
    ) -> std::result::Result<(String, Vec<AccountNumber>), Box<dyn std::error::Error>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for account in accounts {
            writer.serialize(account)?;
        }
        let text = String::from_utf8(writer.into_inner().map_err(|e| e.to_string())?)?;
        let back = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect::<std::result::Result<Vec<AccountNumber>, _>>()?;
        Ok((text, back))
    }

    #[test]
    fn serde_keeps_number_and_kind_and_validates() -> TestResult {
        let accounts = [
            AccountNumber::parse("6228480000000000018", AccountKind::BankCard)?,
            AccountNumber::parse("150102000012345", AccountKind::Passbook)?,
        ];
        let (text, back) = csv_round_trip(&accounts)?;
        assert_eq!(
            text,
            "number,kind\n6228480000000000018,BankCard\n150102000012345,Passbook\n"
        );
        assert_eq!(back, accounts);
        assert_eq!(back[1].warning(), Some(AccountWarning::NoCheckDigit));

        let bad = "number,kind\n6228480000000000019,BankCard\n";
        let read: std::result::Result<Vec<AccountNumber>, _> =
            csv::Reader::from_reader(bad.as_bytes())
                .deserialize()
                .collect();
        let message = read.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("Luhn"), "{message}");
        Ok(())
    }

    proptest! {
        #[test]
        fn keys_tell_account_numbers_apart(
            a in "[0-9]{6,32}",
            b in "[0-9]{6,32}",
        ) {
            let x = AccountNumber::parse(&a, AccountKind::Passbook)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let y = AccountNumber::parse(&b, AccountKind::Passbook)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(x.key() == y.key(), a == b);
            // Leading zeros count.
            let z = AccountNumber::parse(&format!("0{}", &a[1..]), AccountKind::Passbook)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(z.key() == x.key(), a.starts_with('0'));
        }

        #[test]
        fn luhn_valid_cards_are_accepted(
            number in strategy::card_number(),
            kind in prop_oneof![Just(AccountKind::SocialSecurityCard), Just(AccountKind::BankCard)],
        ) {
            let account = AccountNumber::parse(&number, kind);
            prop_assert_eq!(account.as_ref().map(AccountNumber::as_str).ok(), Some(number.as_str()));
            prop_assert_eq!(account.as_ref().ok().and_then(AccountNumber::warning), None);
        }

        #[test]
        fn single_digit_changes_of_cards_are_rejected(
            number in strategy::card_number(),
            position in any::<proptest::sample::Index>(),
            replacement in b'0'..=b'9',
        ) {
            let mut bytes = number.into_bytes();
            let i = position.index(bytes.len());
            prop_assume!(bytes[i] != replacement);
            bytes[i] = replacement;
            let changed = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert_eq!(rule_of(&changed, AccountKind::BankCard), Some(AccountRule::Luhn));
        }

        #[test]
        fn generated_accounts_round_trip(account in any::<AccountNumber>()) {
            let again = AccountNumber::parse(account.as_str(), account.kind());
            prop_assert_eq!(again.as_ref().ok(), Some(&account));
            prop_assert_eq!(
                account.warning().is_some(),
                !passes_luhn(account.as_str().as_bytes())
            );
            let masked = account.masked();
            prop_assert_eq!(masked.len(), account.as_str().len());
            prop_assert!(masked.ends_with(account.last4()));
            prop_assert_eq!(masked.matches('*').count(), account.as_str().len() - 4);
            let back = csv_round_trip(std::slice::from_ref(&account)).map(|(_, back)| back);
            prop_assert_eq!(back.ok(), Some(vec![account]));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}", kind in any::<AccountKind>()) {
            if let Ok(account) = AccountNumber::parse(&text, kind) {
                prop_assert!(account.as_str().bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
