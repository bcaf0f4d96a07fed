//! Amounts of money in yuan.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use yikatong::Rounding;

use crate::Result;

/// How to round to an amount: half-up (四舍五入).
#[uniffi::remote(Enum)]
enum Rounding {
    /// To the fen (0.01 yuan).
    Fen,
    /// To the whole yuan.
    Yuan,
}

/// A non-negative amount of money in yuan, exact to the fen, at most
/// 999,999,999,999.99. `toString()` gives two decimals ("1234.50"); decimals cross as
/// `java.math.BigDecimal` (Kotlin) / `Decimal` (Swift), never as floating point.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Ord, Hash)]
pub struct Amount(yikatong::Amount);

impl Amount {
    fn wrap(amount: yikatong::Amount) -> Arc<Self> {
        Arc::new(Self(amount))
    }

    fn wrap_all(amounts: Vec<yikatong::Amount>) -> Vec<Arc<Self>> {
        amounts.into_iter().map(Self::wrap).collect()
    }
}

#[uniffi::export]
impl Amount {
    /// Reads an amount in yuan as a clerk writes it: "1234.5", " 1,234.50 ", "人民币80元".
    /// More than two decimals that are not zero are refused (see `parse_rounded`).
    #[uniffi::constructor]
    pub fn parse(text: &str) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Amount::parse(text)?))
    }

    /// Reads an amount like `parse`, but rounds half-up to the fen or the whole yuan.
    #[uniffi::constructor]
    pub fn parse_rounded(text: &str, rounding: Rounding) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Amount::parse_rounded(text, rounding)?))
    }

    /// Takes a decimal that is already a whole number of fen, not negative, at most the maximum.
    #[uniffi::constructor]
    pub fn from_decimal(value: Decimal) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Amount::from_decimal(value)?))
    }

    /// Rounds a decimal half-up to the fen or the whole yuan and takes it as an amount.
    #[uniffi::constructor]
    pub fn from_decimal_rounded(value: Decimal, rounding: Rounding) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Amount::from_decimal_rounded(
            value, rounding,
        )?))
    }

    /// Takes a whole number of fen (1 yuan = 100 fen).
    #[uniffi::constructor]
    pub fn from_fen(fen: i64) -> Result<Arc<Self>> {
        Ok(Self::wrap(yikatong::Amount::from_fen(fen)?))
    }

    /// Zero yuan (`Amount::ZERO`).
    #[uniffi::constructor]
    pub fn zero() -> Arc<Self> {
        Self::wrap(yikatong::Amount::ZERO)
    }

    /// The largest amount, 999,999,999,999.99 yuan (`Amount::MAX`).
    #[uniffi::constructor]
    pub fn max() -> Arc<Self> {
        Self::wrap(yikatong::Amount::MAX)
    }

    /// The amount as a whole number of fen.
    pub fn to_fen(&self) -> i64 {
        self.0.to_fen()
    }

    /// The amount in yuan as a decimal with exactly two decimals (scale 2).
    pub fn as_decimal(&self) -> Decimal {
        self.0.as_decimal()
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Rounds half-up to the fen (no change) or to the whole yuan.
    pub fn round(&self, rounding: Rounding) -> Result<Arc<Amount>> {
        Ok(Self::wrap(self.0.round(rounding)?))
    }

    /// `self + other`, or an error if that is more than the maximum.
    pub fn checked_add(&self, other: &Amount) -> Result<Arc<Amount>> {
        Ok(Self::wrap(self.0.checked_add(other.0)?))
    }

    /// `self - other`, or an error if that would be negative.
    pub fn checked_sub(&self, other: &Amount) -> Result<Arc<Amount>> {
        Ok(Self::wrap(self.0.checked_sub(other.0)?))
    }

    /// The amount times `quantity` (e.g. per-mu rate times area), rounded half-up.
    pub fn checked_mul(&self, quantity: Decimal, rounding: Rounding) -> Result<Arc<Amount>> {
        Ok(Self::wrap(self.0.checked_mul(quantity, rounding)?))
    }

    /// Splits the amount in proportion to `weights`; the parts always add up to the
    /// whole exactly and each is within 1 fen of its exact share.
    pub fn split(&self, weights: Vec<Decimal>) -> Result<Vec<Arc<Amount>>> {
        Ok(Self::wrap_all(self.0.split(&weights)?))
    }

    /// Splits the amount into `parts` instalments that differ by at most 1 fen, the
    /// earlier ones taking the odd fen.
    pub fn split_evenly(&self, parts: u32) -> Result<Vec<Arc<Amount>>> {
        // u32 always fits in usize on the platforms the binding is built for.
        let parts = usize::try_from(parts).unwrap_or(usize::MAX);
        Ok(Self::wrap_all(self.0.split_evenly(parts)?))
    }

    /// The amount in Chinese capitals (大写金额) for cheques and receipts: "壹万零伍元整".
    pub fn to_capitals(&self) -> String {
        self.0.to_capitals()
    }

    /// `to_capitals` with the 人民币 prefix: "人民币壹拾元整".
    pub fn to_capitals_with_prefix(&self) -> String {
        self.0.to_capitals_with_prefix()
    }

    /// The amount with two decimals and thousands separators: "1,234,567.50".
    pub fn to_grouped_string(&self) -> String {
        self.0.to_grouped_string()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The sum of all the amounts, or an error as soon as it passes the maximum.
/// (`Amount::checked_sum` in Rust.)
#[uniffi::export]
pub fn amount_checked_sum(amounts: Vec<Arc<Amount>>) -> Result<Arc<Amount>> {
    Ok(Amount::wrap(yikatong::Amount::checked_sum(
        amounts.iter().map(|amount| amount.0),
    )?))
}
