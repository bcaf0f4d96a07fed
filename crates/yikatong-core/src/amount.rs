//! Amounts of money in yuan (元), exact to the fen (分).
//!
//! An [`Amount`] is never negative and never larger than [`Amount::MAX`]; it is
//! held as a [`Decimal`] at scale 2, so it never passes through floating point.
//! Arithmetic is checked (an overflow is an error, never a panic), rounding is
//! half-up (四舍五入) and happens once, and splits use the largest-remainder
//! method so that the parts always add up to the whole.
//!
//! ```
//! use yikatong_core::{Amount, Rounding};
//! use rust_decimal::Decimal;
//!
//! let standard = Amount::parse("¥1,234.50")?;
//! assert_eq!(standard.to_string(), "1234.50");
//! assert_eq!(standard.to_grouped_string(), "1,234.50");
//! assert_eq!(standard.to_capitals(), "壹仟贰佰叁拾肆元伍角");
//!
//! // 12.5 mu at 95.37 yuan per mu, rounded once on the product.
//! let paid = Amount::parse("95.37")?.checked_mul(Decimal::new(125, 1), Rounding::Fen)?;
//! assert_eq!(paid.to_string(), "1192.13");
//!
//! // Province 60%, prefecture 30%, county 10%: the parts add up to the whole.
//! let shares = [Decimal::new(6, 1), Decimal::new(3, 1), Decimal::new(1, 1)];
//! let parts = Amount::parse("100.01")?.split(&shares)?;
//! assert_eq!(parts, [Amount::parse("60.01")?, Amount::parse("30.00")?, Amount::parse("10.00")?]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod capitals;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::{Error, Result};

/// The largest amount in fen: 999,999,999,999.99 yuan.
const MAX_FEN: i64 = 99_999_999_999_999;
/// The largest whole number of yuan.
const MAX_YUAN: u64 = 999_999_999_999;

/// The rule an amount broke. Each message tells a clerk what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountRule {
    /// Nothing but whitespace (or a currency sign) was written.
    #[error("is empty; write the amount in yuan, e.g. 1234.50")]
    Empty,
    /// No digits before the decimal point, none after it, or two decimal points.
    #[error("is not a number; write the amount in yuan with digits, e.g. 1234.50")]
    NotANumber,
    /// A character that has no place in an amount.
    #[error(
        "contains {found:?}, which has no place in an amount; write the amount in yuan with \
         ASCII digits and at most one decimal point, e.g. 1234.50"
    )]
    UnexpectedCharacter {
        /// The first such character.
        found: char,
    },
    /// Exponent form such as `1.2E3`, as spreadsheets sometimes export.
    #[error(
        "is in exponent form; write the amount out in full, e.g. 1200.00 instead of 1.2E3 \
         (format the spreadsheet column as a number with 2 decimals)"
    )]
    Exponent,
    /// Thousands separators that are not every three digits of the whole yuan.
    #[error(
        "has misplaced thousands separators; put a comma every three digits of the whole \
         yuan (1,234,567.00) or write none (1234567.00)"
    )]
    BadGrouping,
    /// A minus sign on an amount that is not zero.
    #[error("is negative; a subsidy amount is never negative")]
    Negative,
    /// More than two decimals that are not zero.
    #[error(
        "has {decimals} decimals; amounts are in yuan with at most 2 decimals (fen), e.g. 1234.56"
    )]
    TooManyDecimals {
        /// How many decimals the value has, not counting trailing zeros.
        decimals: u32,
    },
    /// More than [`Amount::MAX`].
    #[error("is larger than the largest amount allowed, 999,999,999,999.99 yuan")]
    TooLarge,
    /// The result of a calculation would be more than [`Amount::MAX`].
    #[error("the result would be larger than the largest amount allowed, 999,999,999,999.99 yuan")]
    Overflow,
    /// The result of a calculation would be below zero.
    #[error("the result would be negative; an amount cannot go below zero")]
    WouldBeNegative,
    /// A split into no shares at all.
    #[error("there are no shares to split the amount into; give at least one share")]
    NoShares,
    /// A split with a negative share.
    #[error("share no. {} is {weight}; shares must be zero or more", .index + 1)]
    NegativeShare {
        /// Zero-based position of the share in the list.
        index: usize,
        /// The share as given.
        weight: Decimal,
    },
    /// A split where every share is zero.
    #[error("all shares are zero; at least one share must be more than zero")]
    AllSharesZero,
    /// Shares with so many digits that they cannot be split exactly.
    #[error("the shares have too many digits to split exactly; write them with fewer digits")]
    SharesTooPrecise,
}

/// How to round to an amount: half-up (四舍五入), i.e. a midpoint goes away from zero.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    /// To the fen (0.01 yuan), the usual rule for a roster line.
    #[default]
    Fen,
    /// To the whole yuan, where a policy says so.
    Yuan,
}

impl Rounding {
    /// Decimal places kept by this rounding.
    pub(crate) const fn places(self) -> u32 {
        match self {
            Rounding::Fen => 2,
            Rounding::Yuan => 0,
        }
    }
}

/// A non-negative amount of money in yuan, exact to the fen, at most [`Amount::MAX`].
///
/// Displays with exactly two decimals (`"1234.50"`) and serializes as that string;
/// it deserializes only from a string, never from a number, so money never passes
/// through floating point.
#[derive(Clone, Copy)]
pub struct Amount(Decimal);

/// Builds the scale-2 decimal for `fen`, which must be in `0..=MAX_FEN`.
const fn decimal_of_fen(fen: i64) -> Decimal {
    // MAX_FEN < 2^47, so two 32-bit words suffice.
    let fen = fen as u64;
    Decimal::from_parts(fen as u32, (fen >> 32) as u32, 0, false, 2)
}

impl Amount {
    /// Zero yuan.
    pub const ZERO: Amount = Amount(decimal_of_fen(0));
    /// The largest amount: 999,999,999,999.99 yuan, the most that the capitals rules
    /// write with the groups 元, 万 and 亿.
    pub const MAX: Amount = Amount(decimal_of_fen(MAX_FEN));

    /// Wraps a number of fen already known to be in range.
    const fn of_fen(fen: i64) -> Amount {
        Amount(decimal_of_fen(fen))
    }

    /// Reads an amount in yuan, such as `"1234.5"`, `"1,234.50"`, `"¥1234.50"`,
    /// `"￥1234.50"`, `"1234.50元"`, `"RMB 1234.50"` or `"人民币1234.50"`.
    ///
    /// Whitespace around the amount is ignored; thousands separators must be every
    /// three digits; decimals beyond the second must be zero (`"1200.0000"` is
    /// fine, `"1.005"` is not: use [`Amount::parse_rounded`] to round it). A minus
    /// sign is refused unless the amount is zero. Allocates nothing unless it fails.
    ///
    /// ```
    /// use yikatong_core::Amount;
    ///
    /// assert_eq!(Amount::parse(" 1,234.5 ")?.to_fen(), 123_450);
    /// assert_eq!(Amount::parse("人民币80元")?.to_string(), "80.00");
    /// assert!(Amount::parse("1.005").is_err());
    /// assert!(Amount::parse("12,34.00").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(text: &str) -> Result<Amount> {
        scan(text)
            .and_then(|scanned| scanned.exact())
            .map(Amount::of_fen)
            .map_err(|rule| parse_error(text, rule))
    }

    /// Reads an amount like [`Amount::parse`], but rounds half-up to the fen or to
    /// the whole yuan instead of refusing extra decimals.
    ///
    /// ```
    /// use yikatong_core::{Amount, Rounding};
    ///
    /// assert_eq!(Amount::parse_rounded("1.005", Rounding::Fen)?.to_string(), "1.01");
    /// assert_eq!(Amount::parse_rounded("1.004", Rounding::Fen)?.to_string(), "1.00");
    /// assert_eq!(Amount::parse_rounded("2.50", Rounding::Yuan)?.to_string(), "3.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_rounded(text: &str, rounding: Rounding) -> Result<Amount> {
        scan(text)
            .and_then(|scanned| scanned.rounded(rounding))
            .map(Amount::of_fen)
            .map_err(|rule| parse_error(text, rule))
    }

    /// Takes a decimal that is already a whole number of fen: at most two decimals
    /// that are not zero, not negative, at most [`Amount::MAX`].
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yikatong_core::Amount;
    ///
    /// assert_eq!(Amount::from_decimal(Decimal::new(12_3400, 4))?.to_string(), "12.34");
    /// assert!(Amount::from_decimal(Decimal::new(12_345, 3)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_decimal(value: Decimal) -> Result<Amount> {
        let fail = |rule| Error::Amount {
            value: value.to_string(),
            rule,
        };
        if value.is_sign_negative() && !value.is_zero() {
            return Err(fail(AmountRule::Negative));
        }
        if value > Amount::MAX.0 {
            return Err(fail(AmountRule::TooLarge));
        }
        // Normalizing (dropping trailing zeros) is only needed past two decimals.
        let normal = if value.scale() <= 2 {
            value
        } else {
            value.normalize()
        };
        if normal.scale() > 2 {
            return Err(fail(AmountRule::TooManyDecimals {
                decimals: normal.scale(),
            }));
        }
        // At most 2 decimals and at most MAX, so the fen fit easily in an i64.
        let fen = normal.mantissa().unsigned_abs() * 10u128.pow(2 - normal.scale());
        i64::try_from(fen)
            .map(Amount::of_fen)
            .map_err(|_| fail(AmountRule::TooLarge))
    }

    /// Rounds a decimal half-up to the fen or to the whole yuan and takes it as an
    /// amount. A negative value is refused, even one that would round to zero.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yikatong_core::{Amount, Rounding};
    ///
    /// let amount = Amount::from_decimal_rounded(Decimal::new(12_345, 3), Rounding::Fen)?;
    /// assert_eq!(amount.to_string(), "12.35");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_decimal_rounded(value: Decimal, rounding: Rounding) -> Result<Amount> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(Error::Amount {
                value: value.to_string(),
                rule: AmountRule::Negative,
            });
        }
        let rounded =
            value.round_dp_with_strategy(rounding.places(), RoundingStrategy::MidpointAwayFromZero);
        Amount::from_decimal(rounded).map_err(|error| match error {
            Error::Amount { rule, .. } => Error::Amount {
                value: value.to_string(),
                rule,
            },
            other => other,
        })
    }

    /// Takes a whole number of fen (1 yuan = 100 fen).
    ///
    /// ```
    /// use yikatong_core::Amount;
    ///
    /// assert_eq!(Amount::from_fen(123_450)?.to_string(), "1234.50");
    /// assert!(Amount::from_fen(-1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_fen(fen: i64) -> Result<Amount> {
        let rule = if fen < 0 {
            AmountRule::Negative
        } else if fen > MAX_FEN {
            AmountRule::TooLarge
        } else {
            return Ok(Amount::of_fen(fen));
        };
        Err(Error::Amount {
            value: format!("{fen} fen"),
            rule,
        })
    }

    /// The amount as a whole number of fen.
    pub const fn to_fen(self) -> i64 {
        // Always scale 2 and at most MAX_FEN, so the mantissa is the fen.
        self.0.mantissa() as i64
    }

    /// The amount in yuan as a decimal with exactly two decimals.
    pub const fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Whether the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Rounds half-up to the fen (no change) or to the whole yuan; rounding
    /// [`Amount::MAX`] to the yuan overflows.
    ///
    /// ```
    /// use yikatong_core::{Amount, Rounding};
    ///
    /// assert_eq!(Amount::parse("12.50")?.round(Rounding::Yuan)?.to_string(), "13.00");
    /// assert_eq!(Amount::parse("12.49")?.round(Rounding::Yuan)?.to_string(), "12.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn round(self, rounding: Rounding) -> Result<Amount> {
        match rounding {
            Rounding::Fen => Ok(self),
            Rounding::Yuan => {
                let fen = (self.to_fen() + 50) / 100 * 100;
                if fen > MAX_FEN {
                    Err(Error::Amount {
                        value: format!("{self} rounded to the yuan"),
                        rule: AmountRule::Overflow,
                    })
                } else {
                    Ok(Amount::of_fen(fen))
                }
            }
        }
    }

    /// `self + other`, or an error if that is more than [`Amount::MAX`].
    pub fn checked_add(self, other: Amount) -> Result<Amount> {
        let fen = self.to_fen() + other.to_fen();
        if fen > MAX_FEN {
            return Err(Error::Amount {
                value: format!("{self} + {other}"),
                rule: AmountRule::Overflow,
            });
        }
        Ok(Amount::of_fen(fen))
    }

    /// `self − other`, or an error if that would be negative.
    pub fn checked_sub(self, other: Amount) -> Result<Amount> {
        let fen = self.to_fen() - other.to_fen();
        if fen < 0 {
            return Err(Error::Amount {
                value: format!("{self} - {other}"),
                rule: AmountRule::WouldBeNegative,
            });
        }
        Ok(Amount::of_fen(fen))
    }

    /// `self × quantity`, computed exactly and rounded once, half-up, to the fen or
    /// the yuan: the rule for per-unit standards (per mu, per head, per month).
    ///
    /// A negative quantity is refused unless the amount is zero.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yikatong_core::{Amount, Rounding};
    ///
    /// let per_mu = Amount::parse("10.05")?;
    /// let area = Decimal::new(15, 1); // 1.5 mu
    /// assert_eq!(per_mu.checked_mul(area, Rounding::Fen)?.to_string(), "15.08");
    /// assert_eq!(per_mu.checked_mul(area, Rounding::Yuan)?.to_string(), "15.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checked_mul(self, quantity: Decimal, rounding: Rounding) -> Result<Amount> {
        let fail = |rule| Error::Amount {
            value: format!("{self} × {quantity}"),
            rule,
        };
        if self.is_zero() || quantity.is_zero() {
            return Ok(Amount::ZERO);
        }
        if quantity.is_sign_negative() {
            return Err(fail(AmountRule::WouldBeNegative));
        }
        // fen × mantissa / 10^scale, in integers: exact, then rounded once.
        let extra = match rounding {
            Rounding::Fen => 0,
            Rounding::Yuan => 2,
        };
        let divisor = 10u128.pow(quantity.scale() + extra);
        let (high, low) = mul_wide(
            quantity.mantissa().unsigned_abs(),
            self.to_fen().unsigned_abs(),
        );
        let (quotient, remainder) =
            div_wide(high, low, divisor).ok_or_else(|| fail(AmountRule::Overflow))?;
        let rounded = quotient + u128::from(remainder >= divisor - remainder);
        let fen = rounded
            .checked_mul(10u128.pow(extra))
            .and_then(|fen| i64::try_from(fen).ok())
            .filter(|&fen| fen <= MAX_FEN)
            .ok_or_else(|| fail(AmountRule::Overflow))?;
        Ok(Amount::of_fen(fen))
    }

    /// The sum of all the amounts, or an error as soon as it passes [`Amount::MAX`].
    ///
    /// ```
    /// use yikatong_core::Amount;
    ///
    /// let lines = ["100.00", "250.50", "0.50"].map(Amount::parse);
    /// let total = Amount::checked_sum(lines.into_iter().collect::<Result<Vec<_>, _>>()?)?;
    /// assert_eq!(total.to_string(), "351.00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checked_sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Result<Amount> {
        let mut total = 0i64;
        for amount in amounts {
            let next = total + amount.to_fen();
            if next > MAX_FEN {
                return Err(Error::Amount {
                    value: format!("sum of amounts, at {} + {amount}", Amount::of_fen(total)),
                    rule: AmountRule::Overflow,
                });
            }
            total = next;
        }
        Ok(Amount::of_fen(total))
    }

    /// Splits the amount in proportion to `weights` (funding shares, e.g. 0.6, 0.3,
    /// 0.1) by the largest-remainder method at the fen: each part first gets
    /// ⌊fen × weight / Σweights⌋, then the fen left over go one each to the parts
    /// with the largest remainders, the earlier part first on a tie. The parts
    /// always add up to the whole exactly and each is within 1 fen of its exact share.
    ///
    /// Weights must be zero or more and not all zero. Runs in O(n) on average.
    ///
    /// ```
    /// use rust_decimal::Decimal;
    /// use yikatong_core::Amount;
    ///
    /// let parts = Amount::parse("1.00")?.split(&[Decimal::ONE; 3])?;
    /// assert_eq!(parts.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["0.34", "0.33", "0.33"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn split(self, weights: &[Decimal]) -> Result<Vec<Amount>> {
        let fail = |rule| Error::Amount {
            value: format!("{self} split into {} shares", weights.len()),
            rule,
        };
        if weights.is_empty() {
            return Err(fail(AmountRule::NoShares));
        }
        // Bring every weight to one scale so the shares are exact integer ratios.
        let mut scale = 0;
        for (index, &weight) in weights.iter().enumerate() {
            if weight.is_sign_negative() && !weight.is_zero() {
                return Err(fail(AmountRule::NegativeShare { index, weight }));
            }
            scale = scale.max(weight.normalize().scale());
        }
        let mut units = Vec::with_capacity(weights.len());
        let mut sum = 0u128;
        for weight in weights {
            let normal = weight.normalize();
            let unit = normal
                .mantissa()
                .unsigned_abs()
                .checked_mul(10u128.pow(scale - normal.scale()))
                .ok_or_else(|| fail(AmountRule::SharesTooPrecise))?;
            sum = sum
                .checked_add(unit)
                .ok_or_else(|| fail(AmountRule::SharesTooPrecise))?;
            units.push(unit);
        }
        if sum == 0 {
            return Err(fail(AmountRule::AllSharesZero));
        }
        let total = self.to_fen().unsigned_abs();
        let mut parts = Vec::with_capacity(units.len());
        let mut remainders = Vec::new();
        let mut handed_out = 0u64;
        for (index, unit) in units.into_iter().enumerate() {
            let (high, low) = mul_wide(unit, total);
            // unit ≤ sum, so the quotient is at most `total`: never None.
            let (quotient, remainder) =
                div_wide(high, low, sum).ok_or_else(|| fail(AmountRule::SharesTooPrecise))?;
            let quotient =
                u64::try_from(quotient).map_err(|_| fail(AmountRule::SharesTooPrecise))?;
            handed_out += quotient;
            parts.push(quotient);
            if remainder > 0 {
                remainders.push((remainder, index));
            }
        }
        // The remainders add up to a whole number of `sum`s, one per fen left over,
        // and each is below `sum`: so at least `left` parts have one.
        let left = usize::try_from(total.saturating_sub(handed_out)).unwrap_or(usize::MAX);
        let by_remainder = |a: &(u128, usize), b: &(u128, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if left > 0 && left < remainders.len() {
            remainders.select_nth_unstable_by(left, by_remainder);
        }
        for &(_, index) in remainders.iter().take(left) {
            if let Some(part) = parts.get_mut(index) {
                *part += 1;
            }
        }
        Ok(parts
            .into_iter()
            .map(|fen| Amount::of_fen(fen as i64))
            .collect())
    }

    /// Splits the amount into `parts` instalments that differ by at most 1 fen, the
    /// earlier instalments taking the odd fen; the same as [`Amount::split`] with
    /// equal weights.
    ///
    /// ```
    /// use yikatong_core::Amount;
    ///
    /// let parts = Amount::parse("100.00")?.split_evenly(3)?;
    /// assert_eq!(parts.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["33.34", "33.33", "33.33"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn split_evenly(self, parts: usize) -> Result<Vec<Amount>> {
        if parts == 0 {
            return Err(Error::Amount {
                value: format!("{self} split into 0 parts"),
                rule: AmountRule::NoShares,
            });
        }
        let total = self.to_fen();
        // A count beyond i64 only means every part is zero.
        let count = i64::try_from(parts).unwrap_or(i64::MAX);
        let (base, extra) = (total / count, total % count);
        Ok((0..parts)
            .map(|index| {
                let bonus = i64::from(i64::try_from(index).unwrap_or(i64::MAX) < extra);
                Amount::of_fen(base + bonus)
            })
            .collect())
    }

    /// The amount in Chinese capitals (大写金额) as banks require on payment
    /// documents, without the 人民币 prefix.
    ///
    /// Follows the People's Bank rules: 整 after an amount that ends at 元; none
    /// after 分 and none after 角 (the rules make it optional there, and leaving it
    /// out matches 壹仟肆佰零玖元伍角 as banks print it). A run of zeros inside the
    /// whole yuan is one 零; a zero 角 before a non-zero 分 is written (…元零伍分).
    /// Zeros that close a group, in the 亿, 万 or 元 place, are not written when a
    /// non-zero digit follows at once (壹拾万柒仟元, 壹拾元伍角): the rules allow
    /// either way, and this is the form of their own example ¥107,000.53.
    ///
    /// ```
    /// use yikatong_core::Amount;
    ///
    /// assert_eq!(Amount::parse("10005")?.to_capitals(), "壹万零伍元整");
    /// assert_eq!(Amount::parse("105000000.50")?.to_capitals(), "壹亿零伍佰万元伍角");
    /// assert_eq!(Amount::parse("325.04")?.to_capitals(), "叁佰贰拾伍元零肆分");
    /// assert_eq!(Amount::parse("0")?.to_capitals(), "零元整");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_capitals(self) -> String {
        let mut out = String::with_capacity(72);
        capitals::write(&mut out, self.to_fen().unsigned_abs());
        out
    }

    /// [`Amount::to_capitals`] with the 人民币 prefix: `"人民币壹拾元整"`.
    pub fn to_capitals_with_prefix(self) -> String {
        let mut out = String::with_capacity(81);
        out.push_str("人民币");
        capitals::write(&mut out, self.to_fen().unsigned_abs());
        out
    }

    /// The amount with two decimals and thousands separators: `"1,234,567.50"`.
    pub fn to_grouped_string(self) -> String {
        let mut buffer = [0u8; BUFFER];
        self.render(&mut buffer, true).to_owned()
    }

    /// Writes the amount right-aligned into `buffer` and returns the written part.
    fn render(self, buffer: &mut [u8; BUFFER], grouped: bool) -> &str {
        let fen = self.to_fen().unsigned_abs();
        let mut start = BUFFER;
        let mut put = |byte: u8| {
            start -= 1;
            buffer[start] = byte;
        };
        put(b'0' + (fen % 10) as u8);
        put(b'0' + (fen / 10 % 10) as u8);
        put(b'.');
        let mut yuan = fen / 100;
        let mut digits = 0;
        loop {
            if grouped && digits > 0 && digits % 3 == 0 {
                put(b',');
            }
            put(b'0' + (yuan % 10) as u8);
            digits += 1;
            yuan /= 10;
            if yuan == 0 {
                break;
            }
        }
        std::str::from_utf8(&buffer[start..]).unwrap_or_default()
    }
}

/// Room for "999,999,999,999.99" and then some.
const BUFFER: usize = 24;

impl Default for Amount {
    fn default() -> Amount {
        Amount::ZERO
    }
}

// Equality, order and hash go by fen: cheaper than Decimal's, and the same
// thing since the scale is always 2.
impl PartialEq for Amount {
    fn eq(&self, other: &Amount) -> bool {
        self.to_fen() == other.to_fen()
    }
}

impl Eq for Amount {}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Amount) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Amount) -> Ordering {
        self.to_fen().cmp(&other.to_fen())
    }
}

impl Hash for Amount {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_fen().hash(state);
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = [0u8; BUFFER];
        f.pad(self.render(&mut buffer, false))
    }
}

impl FromStr for Amount {
    type Err = Error;

    fn from_str(text: &str) -> Result<Amount> {
        Amount::parse(text)
    }
}

impl TryFrom<Decimal> for Amount {
    type Error = Error;

    fn try_from(value: Decimal) -> Result<Amount> {
        Amount::from_decimal(value)
    }
}

impl From<Amount> for Decimal {
    fn from(amount: Amount) -> Decimal {
        amount.0
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut buffer = [0u8; BUFFER];
        serializer.serialize_str(self.render(&mut buffer, false))
    }
}

impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Amount, D::Error> {
        // deserialize_str, not _any: a self-describing format must hand over the
        // text, and one that holds a number is refused.
        deserializer.deserialize_str(AmountVisitor)
    }
}

/// Accepts only strings.
struct AmountVisitor;

impl serde::de::Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an amount in yuan as a string such as \"1234.50\" (not a number: money never \
             passes through floating point)",
        )
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Amount, E> {
        Amount::parse(text).map_err(E::custom)
    }
}

fn parse_error(text: &str, rule: AmountRule) -> Error {
    Error::Amount {
        value: text.to_owned(),
        rule,
    }
}

/// What the scanner found in the text: the whole yuan (saturating) and the first
/// three decimals, which is all that exact reading and both roundings need.
#[derive(Debug, Clone, Copy)]
struct Scanned {
    yuan: u64,
    /// The first three decimal digits, missing ones as 0.
    decimals: [u8; 3],
    /// Position of the last non-zero decimal (0 when there is none).
    significant: u32,
    negative: bool,
}

impl Scanned {
    fn check_sign(&self) -> Result<(), AmountRule> {
        if self.negative && (self.yuan > 0 || self.significant > 0) {
            return Err(AmountRule::Negative);
        }
        Ok(())
    }

    fn whole_fen(&self) -> Result<i64, AmountRule> {
        if self.yuan > MAX_YUAN {
            return Err(AmountRule::TooLarge);
        }
        let [tenths, hundredths, _] = self.decimals;
        // yuan ≤ MAX_YUAN, so this is at most MAX_FEN.
        Ok(self.yuan as i64 * 100 + i64::from(tenths) * 10 + i64::from(hundredths))
    }

    fn exact(self) -> Result<i64, AmountRule> {
        self.check_sign()?;
        let fen = self.whole_fen()?;
        if self.significant > 2 {
            return Err(AmountRule::TooManyDecimals {
                decimals: self.significant,
            });
        }
        Ok(fen)
    }

    fn rounded(self, rounding: Rounding) -> Result<i64, AmountRule> {
        self.check_sign()?;
        let fen = self.whole_fen()?;
        let [tenths, _, thousandths] = self.decimals;
        let fen = match rounding {
            Rounding::Fen => fen + i64::from(thousandths >= 5),
            Rounding::Yuan => (fen / 100 + i64::from(tenths >= 5)) * 100,
        };
        if fen > MAX_FEN {
            return Err(AmountRule::TooLarge);
        }
        Ok(fen)
    }
}

/// Strips a leading minus sign (ASCII or U+2212) and the space after it.
fn strip_minus(text: &str) -> Option<&str> {
    text.strip_prefix('-')
        .or_else(|| text.strip_prefix('−'))
        .map(str::trim_start)
}

/// Strips a leading currency sign or code and the space after it.
fn strip_currency(text: &str) -> &str {
    if let Some(rest) = text
        .strip_prefix(['¥', '￥'])
        .or_else(|| text.strip_prefix("人民币"))
    {
        return rest.trim_start();
    }
    match text.get(..3) {
        Some(code) if code.eq_ignore_ascii_case("RMB") || code.eq_ignore_ascii_case("CNY") => {
            text.get(3..).unwrap_or_default().trim_start()
        }
        _ => text,
    }
}

/// Reads the text without allocating; see [`Amount::parse`] for what it accepts.
fn scan(text: &str) -> Result<Scanned, AmountRule> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountRule::Empty);
    }
    // The sign may come before or after the currency sign: "-¥5", "¥-5".
    let (mut rest, mut negative) = match strip_minus(text) {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    rest = strip_currency(rest);
    if !negative {
        if let Some(after) = strip_minus(rest) {
            (rest, negative) = (after, true);
        }
    }
    rest = rest.strip_suffix('元').map_or(rest, str::trim_end);
    if rest.is_empty() {
        return Err(AmountRule::Empty);
    }
    scan_digits(rest, negative)
}

fn scan_digits(text: &str, negative: bool) -> Result<Scanned, AmountRule> {
    let bytes = text.as_bytes();
    let mut scanned = Scanned {
        yuan: 0,
        decimals: [0; 3],
        significant: 0,
        negative,
    };
    let mut position = 0;
    let mut digits = 0u32;
    let mut group = 0u32;
    let mut grouped = false;
    let mut leading_zero = false;
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'0'..=b'9' => {
                if digits == 0 && byte == b'0' {
                    leading_zero = true;
                }
                let digit = u64::from(byte - b'0');
                scanned.yuan = scanned.yuan.saturating_mul(10).saturating_add(digit);
                digits = digits.saturating_add(1);
                group = group.saturating_add(1);
            }
            b',' => {
                let misplaced = if grouped {
                    group != 3
                } else {
                    group == 0 || group > 3 || leading_zero
                };
                if misplaced {
                    return Err(AmountRule::BadGrouping);
                }
                grouped = true;
                group = 0;
            }
            b'.' => break,
            _ => return Err(stray(text, position, digits > 0)),
        }
        position += 1;
    }
    if grouped && group != 3 {
        return Err(AmountRule::BadGrouping);
    }
    if digits == 0 {
        return Err(AmountRule::NotANumber);
    }
    if position < bytes.len() {
        // At the decimal point.
        position += 1;
        let mut places = 0u32;
        while let Some(&byte) = bytes.get(position) {
            match byte {
                b'0'..=b'9' => {
                    let digit = byte - b'0';
                    if let Some(slot) = scanned.decimals.get_mut(places as usize) {
                        *slot = digit;
                    }
                    places = places.saturating_add(1);
                    if digit != 0 {
                        scanned.significant = places;
                    }
                }
                b'.' => return Err(AmountRule::NotANumber),
                b',' => return Err(AmountRule::BadGrouping),
                _ => return Err(stray(text, position, true)),
            }
            position += 1;
        }
        if places == 0 {
            return Err(AmountRule::NotANumber);
        }
    }
    Ok(scanned)
}

/// The rule for an unexpected character at byte `position` (a char boundary:
/// only ASCII has been passed over).
fn stray(text: &str, position: usize, after_digits: bool) -> AmountRule {
    let found = text
        .get(position..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or('?');
    if after_digits && (found == 'e' || found == 'E') {
        AmountRule::Exponent
    } else {
        AmountRule::UnexpectedCharacter { found }
    }
}

/// `a × b` as a 256-bit number `(high, low)`.
fn mul_wide(a: u128, b: u64) -> (u128, u128) {
    let b = u128::from(b);
    let low_half = (a & u128::from(u64::MAX)) * b;
    let high_half = (a >> 64) * b;
    let (low, carry) = low_half.overflowing_add(high_half << 64);
    ((high_half >> 64) + u128::from(carry), low)
}

/// `(high·2¹²⁸ + low) / divisor` and the remainder, or `None` if the quotient does
/// not fit in 128 bits (or the divisor is zero).
fn div_wide(high: u128, low: u128, divisor: u128) -> Option<(u128, u128)> {
    if divisor == 0 || high >= divisor {
        return None;
    }
    if high == 0 {
        return Some((low / divisor, low % divisor));
    }
    // Binary long division; the remainder stays below the divisor.
    let mut remainder = high;
    let mut quotient = 0u128;
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= divisor {
            remainder = remainder.wrapping_sub(divisor);
            quotient |= 1;
        }
    }
    Some((quotient, remainder))
}

/// Strategies for valid amounts, weighted towards the values rosters hold.
#[cfg(any(test, feature = "proptest"))]
fn amount_strategy() -> impl proptest::strategy::Strategy<Value = Amount> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (0..=MAX_FEN).prop_map(Amount::of_fen),
        4 => (0..=10_000_000i64).prop_map(Amount::of_fen),
        2 => (0..=MAX_FEN / 100).prop_map(|yuan| Amount::of_fen(yuan * 100)),
        1 => Just(Amount::ZERO),
        1 => Just(Amount::MAX),
    ]
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for Amount {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Amount>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        amount_strategy().boxed()
    }
}

#[cfg(feature = "proptest")]
impl proptest::arbitrary::Arbitrary for Rounding {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Rounding>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::prelude::*;
        prop_oneof![Just(Rounding::Fen), Just(Rounding::Yuan)].boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    fn yuan(text: &str) -> Amount {
        // Test-only shorthand; every call site passes a valid literal.
        Amount::parse(text).unwrap_or_else(|error| unreachable!("{text}: {error}"))
    }

    fn rule_of<T: fmt::Debug>(result: Result<T>) -> Option<AmountRule> {
        match result {
            Err(Error::Amount { rule, .. }) => Some(rule),
            _ => None,
        }
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_else(|error| unreachable!("{text}: {error}"))
    }

    #[test]
    fn constants() {
        assert_eq!(Amount::ZERO.to_string(), "0.00");
        assert_eq!(Amount::MAX.to_string(), "999999999999.99");
        assert_eq!(Amount::MAX.to_fen(), 99_999_999_999_999);
        assert_eq!(Amount::MAX.as_decimal().scale(), 2);
        assert_eq!(Amount::ZERO.as_decimal().scale(), 2);
        assert!(Amount::ZERO.is_zero());
        assert!(!Amount::MAX.is_zero());
        assert_eq!(Amount::default(), Amount::ZERO);
    }

    #[test]
    fn parses_accepted_forms() {
        let cases = [
            ("1234.5", 123_450),
            ("1234", 123_400),
            ("1234.50", 123_450),
            ("1,234.50", 123_450),
            ("1,234", 123_400),
            ("12,345,678.9", 1_234_567_890),
            ("¥1234.50", 123_450),
            ("￥1,234.50", 123_450),
            ("¥ 1234.50", 123_450),
            ("1234.50元", 123_450),
            ("1234.50 元", 123_450),
            ("RMB1234.50", 123_450),
            ("rmb 1234.50", 123_450),
            ("CNY 1234.50", 123_450),
            ("人民币1234.50元", 123_450),
            ("  \t 80 \n", 8_000),
            ("\u{3000}80\u{3000}", 8_000),
            ("0", 0),
            ("0.00", 0),
            ("0.05", 5),
            ("007.10", 710),
            ("1200.0000", 120_000),
            ("-0", 0),
            ("-0.00", 0),
            ("999999999999.99", 99_999_999_999_999),
            ("999,999,999,999.99", 99_999_999_999_999),
        ];
        for (text, fen) in cases {
            let amount = Amount::parse(text).map_err(|error| format!("{text}: {error}"));
            assert_eq!(amount.map(Amount::to_fen), Ok(fen), "{text}");
            assert_eq!(
                text.parse::<Amount>().ok().map(Amount::to_fen),
                Some(fen),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_with_the_rule() {
        let cases = [
            ("", AmountRule::Empty),
            ("   ", AmountRule::Empty),
            ("¥", AmountRule::Empty),
            ("元", AmountRule::Empty),
            ("abc", AmountRule::UnexpectedCharacter { found: 'a' }),
            ("12a", AmountRule::UnexpectedCharacter { found: 'a' }),
            ("１２３", AmountRule::UnexpectedCharacter { found: '１' }),
            ("1 234.00", AmountRule::UnexpectedCharacter { found: ' ' }),
            ("+5", AmountRule::UnexpectedCharacter { found: '+' }),
            ("--5", AmountRule::UnexpectedCharacter { found: '-' }),
            ("NaN", AmountRule::UnexpectedCharacter { found: 'N' }),
            (".5", AmountRule::NotANumber),
            ("5.", AmountRule::NotANumber),
            ("1.2.3", AmountRule::NotANumber),
            ("-", AmountRule::Empty),
            ("1e5", AmountRule::Exponent),
            ("1.2E3", AmountRule::Exponent),
            ("1.2E+3", AmountRule::Exponent),
            ("e5", AmountRule::UnexpectedCharacter { found: 'e' }),
            ("12,34.00", AmountRule::BadGrouping),
            ("1234,567", AmountRule::BadGrouping),
            ("1,2345", AmountRule::BadGrouping),
            (",123", AmountRule::BadGrouping),
            ("1,", AmountRule::BadGrouping),
            ("1,,234", AmountRule::BadGrouping),
            ("0,123", AmountRule::BadGrouping),
            ("1.234,5", AmountRule::BadGrouping),
            ("-5", AmountRule::Negative),
            ("-¥5.00", AmountRule::Negative),
            ("¥-5.00", AmountRule::Negative),
            ("−0.01", AmountRule::Negative),
            ("1.234", AmountRule::TooManyDecimals { decimals: 3 }),
            ("1.2340", AmountRule::TooManyDecimals { decimals: 3 }),
            ("0.00001", AmountRule::TooManyDecimals { decimals: 5 }),
            ("1000000000000", AmountRule::TooLarge),
            ("1,000,000,000,000.00", AmountRule::TooLarge),
            ("99999999999999999999999999999999", AmountRule::TooLarge),
        ];
        for (text, rule) in cases {
            assert_eq!(rule_of(Amount::parse(text)), Some(rule), "{text:?}");
        }
    }

    #[test]
    fn parse_errors_name_the_value_and_the_rule() {
        let error = Amount::parse("1.234").err().map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "amount \"1.234\": has 3 decimals; amounts are in yuan with at most 2 decimals (fen), e.g. 1234.56"
            )
        );
        let error = Amount::parse("-5").err().map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some("amount \"-5\": is negative; a subsidy amount is never negative")
        );
        let error = Amount::parse("1e3")
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(error.contains("1200.00 instead of 1.2E3"), "{error}");
    }

    #[test]
    fn parse_rounded_rounds_half_up() {
        let cases = [
            ("1.005", Rounding::Fen, "1.01"),
            ("1.0049999", Rounding::Fen, "1.00"),
            ("1.00500", Rounding::Fen, "1.01"),
            ("2.675", Rounding::Fen, "2.68"),
            ("0.004", Rounding::Fen, "0.00"),
            ("12.34", Rounding::Fen, "12.34"),
            ("12.5", Rounding::Yuan, "13.00"),
            ("13.5", Rounding::Yuan, "14.00"),
            ("12.4999", Rounding::Yuan, "12.00"),
            ("0.49", Rounding::Yuan, "0.00"),
            ("999999999999.994", Rounding::Fen, "999999999999.99"),
            ("999999999999.49", Rounding::Yuan, "999999999999.00"),
            ("-0.000", Rounding::Fen, "0.00"),
        ];
        for (text, rounding, expected) in cases {
            let amount = Amount::parse_rounded(text, rounding).map(|amount| amount.to_string());
            assert_eq!(
                amount.ok().as_deref(),
                Some(expected),
                "{text} {rounding:?}"
            );
        }
        assert_eq!(
            rule_of(Amount::parse_rounded("999999999999.995", Rounding::Fen)),
            Some(AmountRule::TooLarge)
        );
        assert_eq!(
            rule_of(Amount::parse_rounded("999999999999.5", Rounding::Yuan)),
            Some(AmountRule::TooLarge)
        );
        assert_eq!(
            rule_of(Amount::parse_rounded("-0.001", Rounding::Fen)),
            Some(AmountRule::Negative)
        );
        assert_eq!(
            rule_of(Amount::parse_rounded("1e3", Rounding::Fen)),
            Some(AmountRule::Exponent)
        );
    }

    #[test]
    fn from_decimal_and_fen() -> TestResult {
        assert_eq!(Amount::from_decimal(dec("12.3400"))?, yuan("12.34"));
        assert_eq!(Amount::from_decimal(dec("12"))?.as_decimal().scale(), 2);
        assert_eq!(Amount::from_decimal(dec("-0.00"))?, Amount::ZERO);
        assert_eq!(Amount::from_decimal(dec("999999999999.99"))?, Amount::MAX);
        assert_eq!(
            rule_of(Amount::from_decimal(dec("12.345"))),
            Some(AmountRule::TooManyDecimals { decimals: 3 })
        );
        assert_eq!(
            rule_of(Amount::from_decimal(dec("-0.01"))),
            Some(AmountRule::Negative)
        );
        assert_eq!(
            rule_of(Amount::from_decimal(dec("1000000000000"))),
            Some(AmountRule::TooLarge)
        );
        assert_eq!(
            rule_of(Amount::from_decimal(Decimal::MAX)),
            Some(AmountRule::TooLarge)
        );
        assert_eq!(Amount::try_from(dec("5.5"))?, yuan("5.50"));
        assert_eq!(Decimal::from(yuan("5.5")), dec("5.50"));

        assert_eq!(
            Amount::from_decimal_rounded(dec("12.345"), Rounding::Fen)?,
            yuan("12.35")
        );
        assert_eq!(
            Amount::from_decimal_rounded(dec("12.344999"), Rounding::Fen)?,
            yuan("12.34")
        );
        assert_eq!(
            Amount::from_decimal_rounded(dec("12.5"), Rounding::Yuan)?,
            yuan("13")
        );
        assert_eq!(
            Amount::from_decimal_rounded(dec("0.0000000000000000000000000001"), Rounding::Fen)?,
            Amount::ZERO
        );
        assert_eq!(
            rule_of(Amount::from_decimal_rounded(dec("-0.001"), Rounding::Fen)),
            Some(AmountRule::Negative)
        );
        assert_eq!(
            rule_of(Amount::from_decimal_rounded(
                dec("999999999999.995"),
                Rounding::Fen
            )),
            Some(AmountRule::TooLarge)
        );

        assert_eq!(Amount::from_fen(123_450)?.to_string(), "1234.50");
        assert_eq!(Amount::from_fen(0)?, Amount::ZERO);
        assert_eq!(Amount::from_fen(99_999_999_999_999)?, Amount::MAX);
        assert_eq!(rule_of(Amount::from_fen(-1)), Some(AmountRule::Negative));
        assert_eq!(
            rule_of(Amount::from_fen(100_000_000_000_000)),
            Some(AmountRule::TooLarge)
        );
        assert_eq!(
            rule_of(Amount::from_fen(i64::MIN)),
            Some(AmountRule::Negative)
        );
        assert_eq!(yuan("1234.5").to_fen(), 123_450);
        assert_eq!(yuan("1234.5").as_decimal(), dec("1234.50"));
        Ok(())
    }

    #[test]
    fn rounds_amounts() -> TestResult {
        assert_eq!(yuan("12.50").round(Rounding::Yuan)?, yuan("13"));
        assert_eq!(yuan("12.49").round(Rounding::Yuan)?, yuan("12"));
        assert_eq!(yuan("12.49").round(Rounding::Fen)?, yuan("12.49"));
        assert_eq!(yuan("0.50").round(Rounding::Yuan)?, yuan("1"));
        assert_eq!(Amount::MAX.round(Rounding::Fen)?, Amount::MAX);
        assert_eq!(
            rule_of(Amount::MAX.round(Rounding::Yuan)),
            Some(AmountRule::Overflow)
        );
        assert_eq!(
            yuan("999999999999.49").round(Rounding::Yuan)?,
            yuan("999999999999")
        );
        Ok(())
    }

    #[test]
    fn checked_arithmetic() -> TestResult {
        assert_eq!(yuan("1,234.50").checked_add(yuan("0.50"))?, yuan("1235"));
        assert_eq!(yuan("10").checked_sub(yuan("0.01"))?, yuan("9.99"));
        assert_eq!(yuan("10").checked_sub(yuan("10"))?, Amount::ZERO);
        assert_eq!(Amount::MAX.checked_add(Amount::ZERO)?, Amount::MAX);
        match Amount::MAX.checked_add(yuan("1")) {
            Err(Error::Amount { value, rule }) => {
                assert_eq!(value, "999999999999.99 + 1.00");
                assert_eq!(rule, AmountRule::Overflow);
            }
            other => return Err(format!("expected an overflow, got {other:?}").into()),
        }
        match yuan("1").checked_sub(yuan("1.01")) {
            Err(Error::Amount { value, rule }) => {
                assert_eq!(value, "1.00 - 1.01");
                assert_eq!(rule, AmountRule::WouldBeNegative);
            }
            other => return Err(format!("expected a negative result, got {other:?}").into()),
        }
        assert_eq!(
            Amount::checked_sum([yuan("100"), yuan("250.50"), yuan("0.5")])?,
            yuan("351")
        );
        assert_eq!(Amount::checked_sum([])?, Amount::ZERO);
        assert_eq!(
            Amount::checked_sum([Amount::MAX, Amount::ZERO])?,
            Amount::MAX
        );
        assert_eq!(
            rule_of(Amount::checked_sum([Amount::MAX, yuan("0.01")])),
            Some(AmountRule::Overflow)
        );
        // Overflow is reported as soon as it happens, even for an endless iterator.
        assert_eq!(
            rule_of(Amount::checked_sum(std::iter::repeat(Amount::MAX))),
            Some(AmountRule::Overflow)
        );
        Ok(())
    }

    #[test]
    fn checked_mul_rounds_once_on_the_product() -> TestResult {
        let fen = Rounding::Fen;
        assert_eq!(
            yuan("95.37").checked_mul(dec("12.5"), fen)?,
            yuan("1192.13")
        );
        assert_eq!(yuan("10.05").checked_mul(dec("1.5"), fen)?, yuan("15.08"));
        assert_eq!(
            yuan("10.05").checked_mul(dec("1.5"), Rounding::Yuan)?,
            yuan("15")
        );
        assert_eq!(
            yuan("10.05").checked_mul(dec("1.4925"), Rounding::Yuan)?,
            yuan("15")
        );
        assert_eq!(yuan("0.01").checked_mul(dec("0.5"), fen)?, yuan("0.01"));
        assert_eq!(
            yuan("0.01").checked_mul(dec("0.4999999999999999999999999999"), fen)?,
            Amount::ZERO
        );
        // Rounding first to 3 decimals and then to 2 would give 0.02 here.
        assert_eq!(yuan("0.01").checked_mul(dec("1.4996"), fen)?, yuan("0.01"));
        assert_eq!(yuan("3.33").checked_mul(dec("3"), fen)?, yuan("9.99"));
        assert_eq!(yuan("3.33").checked_mul(Decimal::ZERO, fen)?, Amount::ZERO);
        assert_eq!(Amount::ZERO.checked_mul(dec("-3"), fen)?, Amount::ZERO);
        assert_eq!(Amount::MAX.checked_mul(Decimal::ONE, fen)?, Amount::MAX);
        assert_eq!(
            Amount::MAX.checked_mul(dec("1.0000000000000000000000000000"), fen)?,
            Amount::MAX
        );
        assert_eq!(
            Amount::MAX.checked_mul(dec("1.0000000000000000000000000001"), fen)?,
            Amount::MAX
        );
        assert_eq!(
            rule_of(Amount::MAX.checked_mul(dec("1.00000000000001"), fen)),
            Some(AmountRule::Overflow)
        );
        assert_eq!(
            rule_of(yuan("0.01").checked_mul(Decimal::MAX, fen)),
            Some(AmountRule::Overflow)
        );
        assert_eq!(
            rule_of(Amount::MAX.checked_mul(Decimal::MAX, fen)),
            Some(AmountRule::Overflow)
        );
        assert_eq!(
            rule_of(Amount::MAX.checked_mul(Decimal::MAX, Rounding::Yuan)),
            Some(AmountRule::Overflow)
        );
        assert_eq!(
            rule_of(yuan("999999999999.50").checked_mul(Decimal::ONE, Rounding::Yuan)),
            Some(AmountRule::Overflow)
        );
        match yuan("12").checked_mul(dec("-3"), fen) {
            Err(Error::Amount { value, rule }) => {
                assert_eq!(value, "12.00 × -3");
                assert_eq!(rule, AmountRule::WouldBeNegative);
            }
            other => return Err(format!("expected a negative result, got {other:?}").into()),
        }
        Ok(())
    }

    fn fens(parts: &[Amount]) -> Vec<i64> {
        parts.iter().map(|part| part.to_fen()).collect()
    }

    #[test]
    fn splits_by_largest_remainder() -> TestResult {
        let shares = [dec("0.6"), dec("0.3"), dec("0.1")];
        assert_eq!(fens(&yuan("100.01").split(&shares)?), [6001, 3000, 1000]);
        assert_eq!(fens(&yuan("100.09").split(&shares)?), [6005, 3003, 1001]);
        assert_eq!(fens(&yuan("1.00").split(&[Decimal::ONE; 3])?), [34, 33, 33]);
        assert_eq!(fens(&yuan("0.02").split(&[Decimal::ONE; 3])?), [1, 1, 0]);
        // Remainders 2/3, 1/3 (×2 fen each): the larger remainder wins over the earlier index.
        assert_eq!(fens(&yuan("0.01").split(&[dec("1"), dec("2")])?), [0, 1]);
        assert_eq!(
            fens(&yuan("0.05").split(&[dec("1"), dec("0"), dec("1")])?),
            [3, 0, 2]
        );
        // Mixed scales: 0.5 : 1 : 0.25.
        assert_eq!(
            fens(&yuan("7.00").split(&[dec("0.5"), dec("1"), dec("0.25")])?),
            [200, 400, 100]
        );
        assert_eq!(fens(&Amount::ZERO.split(&[dec("1"), dec("2")])?), [0, 0]);
        assert_eq!(
            fens(&Amount::MAX.split(&[dec("1")])?),
            [Amount::MAX.to_fen()]
        );
        assert_eq!(fens(&yuan("5").split(&[dec("1.000")])?), [500]);
        // The largest decimals still split exactly.
        assert_eq!(
            fens(&yuan("0.03").split(&[Decimal::MAX, Decimal::MAX])?),
            [2, 1]
        );
        assert_eq!(Amount::MAX.split(&[Decimal::MAX, Decimal::ONE])?.len(), 2);
        Ok(())
    }

    #[test]
    fn split_errors() {
        let hundred = yuan("100");
        assert_eq!(rule_of(hundred.split(&[])), Some(AmountRule::NoShares));
        assert_eq!(
            rule_of(hundred.split(&[Decimal::ZERO, Decimal::ZERO])),
            Some(AmountRule::AllSharesZero)
        );
        assert_eq!(
            rule_of(hundred.split(&[dec("1"), dec("-0.5")])),
            Some(AmountRule::NegativeShare {
                index: 1,
                weight: dec("-0.5")
            })
        );
        assert_eq!(
            rule_of(hundred.split(&[Decimal::MAX, dec("0.0000000000000000000000000001")])),
            Some(AmountRule::SharesTooPrecise)
        );
        let message = hundred
            .split(&[dec("1"), dec("-0.5")])
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            message.as_deref(),
            Some(
                "amount \"100.00 split into 2 shares\": share no. 2 is -0.5; shares must be zero or more"
            )
        );
        assert_eq!(rule_of(hundred.split_evenly(0)), Some(AmountRule::NoShares));
    }

    #[test]
    fn splits_evenly() -> TestResult {
        assert_eq!(fens(&yuan("100").split_evenly(3)?), [3334, 3333, 3333]);
        assert_eq!(fens(&yuan("0.01").split_evenly(3)?), [1, 0, 0]);
        assert_eq!(fens(&yuan("12").split_evenly(1)?), [1200]);
        assert_eq!(fens(&yuan("12").split_evenly(4)?), [300; 4]);
        let many = Amount::MAX.split_evenly(1_000_000)?;
        assert_eq!(Amount::checked_sum(many.iter().copied())?, Amount::MAX);
        assert_eq!(many.first().map(|part| part.to_fen()), Some(100_000_000));
        Ok(())
    }

    #[test]
    fn large_splits_add_up() -> TestResult {
        let weights: Vec<Decimal> = (0..200_000u32)
            .map(|i| Decimal::new(i64::from(i % 97 + i % 7), 1))
            .collect();
        let parts = yuan("123,456,789.01").split(&weights)?;
        assert_eq!(parts.len(), weights.len());
        assert_eq!(Amount::checked_sum(parts)?, yuan("123,456,789.01"));
        Ok(())
    }

    #[test]
    fn capitals_known_values() {
        let cases = [
            ("0", "零元整"),
            ("0.05", "伍分"),
            ("0.50", "伍角"),
            ("0.55", "伍角伍分"),
            ("1", "壹元整"),
            ("10", "壹拾元整"),
            ("15", "壹拾伍元整"),
            ("10.50", "壹拾元伍角"),
            ("100", "壹佰元整"),
            ("101", "壹佰零壹元整"),
            ("110", "壹佰壹拾元整"),
            ("1,409.50", "壹仟肆佰零玖元伍角"),
            ("1,680.32", "壹仟陆佰捌拾元叁角贰分"),
            ("6,007.14", "陆仟零柒元壹角肆分"),
            ("325.04", "叁佰贰拾伍元零肆分"),
            ("1,234.50", "壹仟贰佰叁拾肆元伍角"),
            ("10,005", "壹万零伍元整"),
            ("10,000", "壹万元整"),
            ("100,000", "壹拾万元整"),
            ("107,000.53", "壹拾万柒仟元伍角叁分"),
            ("1,000,010", "壹佰万零壹拾元整"),
            ("20,010,000", "贰仟零壹万元整"),
            ("100,000,000", "壹亿元整"),
            ("100,000,001", "壹亿零壹元整"),
            ("105,000,000.50", "壹亿零伍佰万元伍角"),
            ("120,000,000", "壹亿贰仟万元整"),
            ("1,000,100,000", "壹拾亿零壹拾万元整"),
            (
                "999,999,999,999.99",
                "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
            ("100,000,000,000.01", "壹仟亿元零壹分"),
        ];
        for (text, capitals) in cases {
            assert_eq!(yuan(text).to_capitals(), capitals, "{text}");
        }
        assert_eq!(yuan("10").to_capitals_with_prefix(), "人民币壹拾元整");
        assert_eq!(Amount::ZERO.to_capitals_with_prefix(), "人民币零元整");
    }

    #[test]
    fn displays_with_two_decimals() {
        assert_eq!(yuan("1234.5").to_string(), "1234.50");
        assert_eq!(yuan("0.05").to_string(), "0.05");
        assert_eq!(
            format!("{:>10}|{:<6}|", yuan("3.5"), yuan("1")),
            "      3.50|1.00  |"
        );
        assert_eq!(format!("{:?}", yuan("3.5")), "Amount(3.50)");
        let grouped = [
            ("0", "0.00"),
            ("999", "999.00"),
            ("1000", "1,000.00"),
            ("123456.7", "123,456.70"),
            ("1234567.89", "1,234,567.89"),
            ("999999999999.99", "999,999,999,999.99"),
        ];
        for (text, expected) in grouped {
            assert_eq!(yuan(text).to_grouped_string(), expected);
        }
    }

    #[test]
    fn equality_order_and_hash_go_by_value() -> TestResult {
        let set: HashSet<Amount> = [
            yuan("1.5"),
            Amount::from_fen(150)?,
            Amount::from_decimal(dec("1.500"))?,
        ]
        .into();
        assert_eq!(set.len(), 1);
        assert!(yuan("0.99") < yuan("1"));
        assert_eq!(yuan("2").max(yuan("10")), yuan("10"));
        Ok(())
    }

    #[test]
    fn serde_uses_strings_only() -> TestResult {
        use serde::Deserialize;
        use serde::de::value::{
            Error as ValueError, F64Deserializer, StrDeserializer, U64Deserializer,
        };

        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.serialize((yuan("1234.5"), Rounding::Yuan))?;
        assert_eq!(String::from_utf8(writer.into_inner()?)?, "1234.50,yuan\n");

        // csv would hand "1234.50" over as a float to deserialize_any; we ask for the text.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader("1234.50,fen\n".as_bytes());
        let rows: Vec<(Amount, Rounding)> = reader
            .deserialize()
            .collect::<std::result::Result<_, _>>()?;
        assert_eq!(rows, [(yuan("1234.50"), Rounding::Fen)]);

        assert_eq!(
            Amount::deserialize(StrDeserializer::<ValueError>::new("1,234.50"))?,
            yuan("1234.5")
        );
        let bad = Amount::deserialize(StrDeserializer::<ValueError>::new("1.234"))
            .err()
            .map(|e| e.to_string());
        assert!(bad.is_some_and(|message| message.contains("at most 2 decimals")));
        let float = Amount::deserialize(F64Deserializer::<ValueError>::new(1234.5))
            .err()
            .map(|e| e.to_string());
        assert!(
            float.is_some_and(
                |message| message.contains("money never passes through floating point")
            )
        );
        assert!(Amount::deserialize(U64Deserializer::<ValueError>::new(1234)).is_err());
        Ok(())
    }

    #[test]
    fn wide_arithmetic() {
        assert_eq!(
            mul_wide(u128::MAX, u64::MAX),
            (
                u128::from(u64::MAX) - 1,
                u128::MAX - u128::from(u64::MAX) + 1
            )
        );
        assert_eq!(div_wide(0, 100, 7), Some((14, 2)));
        assert_eq!(div_wide(1, 0, 2), Some((1 << 127, 0)));
        assert_eq!(div_wide(1, 5, u128::MAX), Some((1, 6)));
        assert_eq!(div_wide(2, 0, 2), None);
        assert_eq!(div_wide(0, 1, 0), None);
        // (2^128 − 1)·(2^64 − 1) / (2^64 − 1) = 2^128 − 1.
        let (high, low) = mul_wide(u128::MAX, u64::MAX);
        assert_eq!(
            div_wide(high, low, u128::from(u64::MAX)),
            Some((u128::MAX, 0))
        );
    }

    /// Capitals by a different formulation: split off the highest unit recursively
    /// and write 零 when the rest is shorter than the next lower unit.
    fn reference_whole(n: u64) -> String {
        const UNITS: [(u64, &str); 5] = [
            (100_000_000, "亿"),
            (10_000, "万"),
            (1000, "仟"),
            (100, "佰"),
            (10, "拾"),
        ];
        const DIGITS: &str = "零壹贰叁肆伍陆柒捌玖";
        for (unit, name) in UNITS {
            if n >= unit {
                let mut out = reference_whole(n / unit) + name;
                let rest = n % unit;
                if rest > 0 {
                    if rest < unit / 10 {
                        out.push('零');
                    }
                    out += &reference_whole(rest);
                }
                return out;
            }
        }
        DIGITS
            .chars()
            .nth(n as usize)
            .map(String::from)
            .unwrap_or_default()
    }

    fn reference_capitals(amount: Amount) -> String {
        let text = amount.to_string();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
        let whole: u64 = whole.parse().unwrap_or(0);
        let digit = |c: char| reference_whole(u64::from(c.to_digit(10).unwrap_or(0)));
        let mut out = if whole == 0 {
            String::new()
        } else {
            reference_whole(whole) + "元"
        };
        let mut chars = fraction.chars();
        let (jiao, fen) = (chars.next().unwrap_or('0'), chars.next().unwrap_or('0'));
        match (jiao, fen) {
            ('0', '0') if whole == 0 => out += "零元整",
            ('0', '0') => out += "整",
            ('0', fen) if whole == 0 => out += &(digit(fen) + "分"),
            ('0', fen) => out += &("零".to_owned() + &digit(fen) + "分"),
            (jiao, '0') => out += &(digit(jiao) + "角"),
            (jiao, fen) => out += &(digit(jiao) + "角" + &digit(fen) + "分"),
        }
        out
    }

    fn weights_strategy() -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(
            prop_oneof![1 => Just(0u32), 4 => 0..1000u32, 1 => 0..u32::MAX],
            1..24,
        )
        .prop_filter("not all zero", |weights| weights.iter().any(|&w| w > 0))
    }

    proptest! {
        #[test]
        fn text_round_trips(amount in amount_strategy()) {
            prop_assert_eq!(Amount::parse(&amount.to_string())?, amount);
            prop_assert_eq!(Amount::parse(&amount.to_grouped_string())?, amount);
            prop_assert_eq!(Amount::parse(&format!("￥{}元", amount.to_grouped_string()))?, amount);
            prop_assert_eq!(Amount::parse_rounded(&amount.to_string(), Rounding::Fen)?, amount);
            prop_assert_eq!(Amount::from_decimal(amount.as_decimal())?, amount);
            prop_assert_eq!(Amount::from_fen(amount.to_fen())?, amount);
            prop_assert_eq!(amount.as_decimal().scale(), 2);
        }

        #[test]
        fn parse_agrees_with_decimal(
            negative in any::<bool>(),
            whole in "[0-9]{1,15}",
            fraction in proptest::option::of("[0-9]{1,8}"),
        ) {
            let text = match &fraction {
                Some(fraction) => format!("{}{whole}.{fraction}", if negative { "-" } else { "" }),
                None => format!("{}{whole}", if negative { "-" } else { "" }),
            };
            let value = dec(&text);
            prop_assert_eq!(Amount::parse(&text).ok(), Amount::from_decimal(value).ok());
            for rounding in [Rounding::Fen, Rounding::Yuan] {
                let rounded = Amount::parse_rounded(&text, rounding).ok();
                prop_assert_eq!(rounded, Amount::from_decimal_rounded(value, rounding).ok());
            }
            // An exact reading, when there is one, is what rounding gives too.
            if let Ok(exact) = Amount::parse(&text) {
                prop_assert_eq!(Amount::parse_rounded(&text, Rounding::Fen)?, exact);
            }
        }

        #[test]
        fn grouping_must_be_every_three_digits(
            digits in "[1-9][0-9]{0,11}",
            cuts in prop::collection::btree_set(1usize..12, 0..4),
        ) {
            let mut text = String::new();
            for (index, c) in digits.chars().enumerate() {
                if cuts.contains(&index) {
                    text.push(',');
                }
                text.push(c);
            }
            let groups: Vec<&str> = text.split(',').collect();
            let well_placed = groups.len() == 1
                || groups.iter().enumerate().all(|(i, g)| if i == 0 { (1..=3).contains(&g.len()) } else { g.len() == 3 });
            match Amount::parse(&text) {
                Ok(amount) => {
                    prop_assert!(well_placed, "{text}");
                    prop_assert_eq!(amount.to_fen(), digits.parse::<i64>().unwrap_or(-1) * 100);
                }
                Err(error) => {
                    prop_assert!(!well_placed, "{text}: {error}");
                    prop_assert_eq!(rule_of::<Amount>(Err(error)), Some(AmountRule::BadGrouping));
                }
            }
        }

        #[test]
        fn add_and_sub_are_consistent(a in amount_strategy(), b in amount_strategy()) {
            match a.checked_add(b) {
                Ok(sum) => {
                    prop_assert_eq!(sum.to_fen(), a.to_fen() + b.to_fen());
                    prop_assert_eq!(sum.checked_sub(b)?, a);
                    prop_assert_eq!(b.checked_add(a)?, sum);
                    prop_assert_eq!(Amount::checked_sum([a, b])?, sum);
                }
                Err(error) => {
                    prop_assert!(a.to_fen() + b.to_fen() > MAX_FEN);
                    prop_assert_eq!(rule_of::<Amount>(Err(error)), Some(AmountRule::Overflow));
                }
            }
            match a.checked_sub(b) {
                Ok(difference) => {
                    prop_assert!(a >= b);
                    prop_assert_eq!(difference.checked_add(b)?, a);
                }
                Err(error) => {
                    prop_assert!(a < b);
                    prop_assert_eq!(rule_of::<Amount>(Err(error)), Some(AmountRule::WouldBeNegative));
                }
            }
        }

        #[test]
        fn mul_agrees_with_exact_decimal_product(
            fen in 0..=100_000_000_000_000i64,
            mantissa in 0..1_000_000_000i64,
            scale in 0..=6u32,
            yuan_rounding in any::<bool>(),
        ) {
            let rounding = if yuan_rounding { Rounding::Yuan } else { Rounding::Fen };
            let amount = Amount::from_fen(fen.min(MAX_FEN))?;
            let quantity = Decimal::new(mantissa, scale);
            // Both factors are small enough that the decimal product is exact.
            let product = amount.as_decimal() * quantity;
            prop_assert_eq!(
                amount.checked_mul(quantity, rounding).ok(),
                Amount::from_decimal_rounded(product, rounding).ok()
            );
        }

        #[test]
        fn splits_add_up_and_stay_within_a_fen(amount in amount_strategy(), weights in weights_strategy()) {
            let decimals: Vec<Decimal> = weights.iter().map(|&w| Decimal::from(w)).collect();
            let parts = amount.split(&decimals)?;
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(Amount::checked_sum(parts.iter().copied())?, amount);
            let total = i128::from(amount.to_fen());
            let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (i, (&part, &weight)) in parts.iter().zip(&weights).enumerate() {
                // |part − total·w/Σw| < 1 fen, in integers.
                let gap = i128::from(part.to_fen()) * sum - total * i128::from(weight);
                prop_assert!(gap.abs() < sum, "part {i}: {part} of {amount}");
                if weight == 0 {
                    prop_assert!(part.is_zero());
                }
            }
            // Order-consistent: a larger share never gets less; equal shares differ by
            // at most a fen, the earlier one taking it.
            for i in 0..weights.len() {
                for j in 0..weights.len() {
                    if weights[i] > weights[j] {
                        prop_assert!(parts[i] >= parts[j]);
                    }
                    if weights[i] == weights[j] && i < j {
                        prop_assert!(parts[i] >= parts[j]);
                        prop_assert!(parts[i].to_fen() - parts[j].to_fen() <= 1);
                    }
                }
            }
            // Scaling every share by the same factor changes nothing.
            let scaled: Vec<Decimal> = weights.iter().map(|&w| Decimal::new(i64::from(w), 3)).collect();
            prop_assert_eq!(amount.split(&scaled)?, parts);
        }

        #[test]
        fn splits_with_mixed_scales(
            amount in amount_strategy(),
            weights in prop::collection::vec((0..100_000i64, 0..=4u32), 1..12),
        ) {
            prop_assume!(weights.iter().any(|&(mantissa, _)| mantissa > 0));
            let decimals: Vec<Decimal> = weights.iter().map(|&(m, s)| Decimal::new(m, s)).collect();
            // The same ratios as integers at scale 4.
            let integers: Vec<Decimal> =
                weights.iter().map(|&(m, s)| Decimal::from(m * 10i64.pow(4 - s))).collect();
            let parts = amount.split(&decimals)?;
            prop_assert_eq!(Amount::checked_sum(parts.iter().copied())?, amount);
            prop_assert_eq!(amount.split(&integers)?, parts);
        }

        #[test]
        fn split_evenly_is_split_with_equal_shares(amount in amount_strategy(), parts in 1usize..40) {
            prop_assert_eq!(amount.split_evenly(parts)?, amount.split(&vec![Decimal::ONE; parts])?);
        }

        #[test]
        fn capitals_match_the_reference(amount in amount_strategy()) {
            let capitals = amount.to_capitals();
            prop_assert_eq!(&capitals, &reference_capitals(amount));
            prop_assert!(!capitals.contains("零零"));
            prop_assert_eq!(capitals.ends_with('整'), amount.to_fen() % 100 == 0);
            prop_assert_eq!(amount.to_capitals_with_prefix(), format!("人民币{capitals}"));
        }

        #[test]
        fn capitals_for_sparse_digits(
            digits in prop::collection::vec(prop_oneof![3 => Just(0i64), 1 => 1..10i64], 14),
        ) {
            // Mostly zeros: the cases where 零 rules matter.
            let fen = digits.iter().fold(0i64, |acc, d| acc * 10 + d);
            let amount = Amount::from_fen(fen)?;
            prop_assert_eq!(amount.to_capitals(), reference_capitals(amount));
        }

        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = Amount::parse(&text);
            let _ = Amount::parse_rounded(&text, Rounding::Fen);
            let _ = Amount::parse_rounded(&text, Rounding::Yuan);
        }

        #[test]
        fn parse_never_panics_on_amount_like_text(text in "[-−0-9,.eE¥￥元 RMB人民币]{0,24}") {
            let exact = Amount::parse(&text);
            let rounded = Amount::parse_rounded(&text, Rounding::Fen);
            let _ = Amount::parse_rounded(&text, Rounding::Yuan);
            if let Ok(exact) = exact {
                prop_assert_eq!(rounded?, exact);
            }
        }
    }

    #[cfg(feature = "proptest")]
    proptest! {
        #[test]
        fn arbitrary_amounts_are_valid(amount in any::<Amount>(), rounding in any::<Rounding>()) {
            prop_assert!((0..=MAX_FEN).contains(&amount.to_fen()));
            prop_assert_eq!(amount.as_decimal().scale(), 2);
            prop_assert!(amount.round(rounding).is_ok() || amount.to_fen() > MAX_FEN - 50);
        }
    }
}
