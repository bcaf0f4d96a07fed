//! Synthetic identifiers: resident ID numbers, bank card numbers and unified
//! social credit codes, valid by construction (or broken on purpose), the same for
//! the same seed.
//!
//! ```
//! use yikatong_core::ResidentId;
//! use yikatong_testkit::ids::IdGenerator;
//!
//! let mut ids = IdGenerator::new(7);
//! let id = ids.resident_id();
//! assert!(ResidentId::parse(&id).is_ok());
//! assert!(ResidentId::parse(&ids.invalid_resident_id()).is_err());
//! assert_eq!(IdGenerator::new(7).resident_id(), id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::Date;
use yikatong_core::{CreditCode, ResidentId, Sex};

/// County-level area codes (NBS 2023): mostly Inner Mongolia, a few elsewhere.
const AREA_CODES: [&str; 36] = [
    "150102", // 呼和浩特市新城区
    "150105", // 呼和浩特市赛罕区
    "150121", // 土默特左旗
    "150125", // 武川县
    "150203", // 包头市昆都仑区
    "150221", // 土默特右旗
    "150223", // 达尔罕茂明安联合旗
    "150302", // 乌海市海勃湾区
    "150402", // 赤峰市红山区
    "150422", // 巴林左旗
    "150423", // 巴林右旗
    "150425", // 克什克腾旗
    "150428", // 喀喇沁旗
    "150502", // 通辽市科尔沁区
    "150521", // 科尔沁左翼中旗
    "150525", // 奈曼旗
    "150602", // 鄂尔多斯市东胜区
    "150627", // 伊金霍洛旗
    "150702", // 呼伦贝尔市海拉尔区
    "150725", // 陈巴尔虎旗
    "150781", // 满洲里市
    "150802", // 巴彦淖尔市临河区
    "150824", // 乌拉特中旗
    "150902", // 乌兰察布市集宁区
    "150925", // 凉城县
    "152201", // 乌兰浩特市
    "152223", // 扎赉特旗
    "152501", // 二连浩特市
    "152502", // 锡林浩特市
    "152530", // 正蓝旗
    "152921", // 阿拉善左旗
    "152923", // 额济纳旗
    "110105", // 北京市朝阳区
    "130102", // 石家庄市长安区
    "440305", // 深圳市南山区
    "510104", // 成都市锦江区
];

/// Six-digit bank identification numbers of cards issued in China.
const CARD_BINS: [&str; 5] = ["622848", "621700", "622202", "621661", "623668"];

/// The unified social credit code alphabet (GB 32100-2015).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Julian days of 1930-01-01 and 2020-12-31, the range of generated birth dates.
const FIRST_BIRTH_DAY: i32 = 2_425_978;
const LAST_BIRTH_DAY: i32 = 2_459_215;

/// Deterministic generator of identifiers: the same seed gives the same sequence
/// on every platform (ChaCha8, only `u32` ranges).
#[derive(Debug, Clone)]
pub struct IdGenerator {
    rng: ChaCha8Rng,
}

impl IdGenerator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> IdGenerator {
        IdGenerator {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A uniformly chosen index below `len` (which is small here).
    fn index(&mut self, len: usize) -> usize {
        let len = u32::try_from(len).unwrap_or(u32::MAX).max(1);
        self.rng.random_range(0..len) as usize
    }

    fn digit(&mut self) -> u8 {
        b'0' + self.rng.random_range(0u8..10)
    }

    /// A valid 18-character resident ID number: a real county code, a birth date
    /// from 1930 to 2020 and a random sequence number. The check character falls
    /// out of the digits, so about one in eleven ends in `X`.
    pub fn resident_id(&mut self) -> String {
        let first17 = self.resident_first17();
        finish_resident_id(first17)
    }

    /// `n` valid resident ID numbers (duplicates are possible but rare).
    pub fn resident_ids(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.resident_id()).collect()
    }

    /// A valid resident ID number with the given six-digit area code (other lengths are
    /// cut or padded with `0`) and a birth date between `born_from` and `born_to`.
    pub fn resident_id_in(&mut self, area: &str, born_from: Date, born_to: Date) -> String {
        let mut area_digits = [b'0'; 6];
        for (slot, byte) in area_digits.iter_mut().zip(area.bytes()) {
            *slot = byte;
        }
        let (low, high) = (born_from.to_julian_day(), born_to.to_julian_day());
        let first17 = self.first17_with(area_digits, low.min(high), high.max(low));
        finish_resident_id(first17)
    }

    /// A valid resident ID number with the given six-digit area code (other lengths are
    /// cut or padded with `0`), born on `birth`, whose sequence digit says `sex` (odd for
    /// men, even for women, as GB 11643 has it).
    pub fn resident_id_born(&mut self, area: &str, birth: Date, sex: Sex) -> String {
        let mut area_digits = [b'0'; 6];
        for (slot, byte) in area_digits.iter_mut().zip(area.bytes()) {
            *slot = byte;
        }
        let day = birth.to_julian_day();
        let mut first17 = self.first17_with(area_digits, day, day);
        // The 17th digit carries the sex: keep its randomness, fix its parity.
        let parity = match sex {
            Sex::Male => 1,
            Sex::Female => 0,
        };
        let sex_digit = ((first17[16] - b'0') & !1) | parity;
        first17[16] = b'0' + sex_digit;
        finish_resident_id(first17)
    }

    fn resident_first17(&mut self) -> [u8; 17] {
        let mut area = [b'0'; 6];
        area.copy_from_slice(AREA_CODES[self.index(AREA_CODES.len())].as_bytes());
        self.first17_with(area, FIRST_BIRTH_DAY, LAST_BIRTH_DAY)
    }

    fn first17_with(&mut self, area: [u8; 6], first_day: i32, last_day: i32) -> [u8; 17] {
        let mut digits = [b'0'; 17];
        digits[..6].copy_from_slice(&area);
        let day = self.rng.random_range(first_day..=last_day);
        let birth = Date::from_julian_day(day).unwrap_or(Date::MIN);
        let birth = format!(
            "{:04}{:02}{:02}",
            birth.year(),
            u8::from(birth.month()),
            birth.day()
        );
        digits[6..14].copy_from_slice(birth.as_bytes());
        for d in &mut digits[14..] {
            *d = self.digit();
        }
        digits
    }

    /// A resident ID number with one deliberate defect, chosen at random: a wrong
    /// check character, an impossible birth date (with a correct check character),
    /// one character too few or too many, or a character that is not allowed.
    pub fn invalid_resident_id(&mut self) -> String {
        let mut first17 = self.resident_first17();
        match self.rng.random_range(0u8..4) {
            0 => {
                let valid = finish_resident_id(first17);
                let right = valid.as_bytes()[17];
                let mut wrong = b"0123456789X"[self.index(11)];
                if wrong == right {
                    wrong = if right == b'X' { b'0' } else { b'X' };
                }
                let mut out = valid.into_bytes();
                out[17] = wrong;
                String::from_utf8_lossy(&out).into_owned()
            }
            1 => {
                // Month 13, day 00, or 30 February.
                let (month, day): (&[u8; 2], &[u8; 2]) = match self.rng.random_range(0u8..3) {
                    0 => (b"13", b"01"),
                    1 => (b"06", b"00"),
                    _ => (b"02", b"30"),
                };
                first17[10..12].copy_from_slice(month);
                first17[12..14].copy_from_slice(day);
                finish_resident_id(first17)
            }
            2 => {
                let mut out = finish_resident_id(first17).into_bytes();
                let at = self.index(out.len());
                if self.rng.random_range(0u8..2) == 0 {
                    out.remove(at);
                } else {
                    let extra = self.digit();
                    out.insert(at, extra);
                }
                String::from_utf8_lossy(&out).into_owned()
            }
            _ => {
                let mut out = finish_resident_id(first17).into_bytes();
                let at = self.index(17);
                out[at] = b"AOlI?*"[self.index(6)];
                String::from_utf8_lossy(&out).into_owned()
            }
        }
    }

    /// A Luhn-valid 19-digit bank card number starting with a real card BIN.
    pub fn bank_card(&mut self) -> String {
        let mut digits = Vec::with_capacity(19);
        digits.extend_from_slice(CARD_BINS[self.index(CARD_BINS.len())].as_bytes());
        for _ in 0..12 {
            digits.push(self.digit());
        }
        digits.push(luhn_digit(&digits));
        String::from_utf8_lossy(&digits).into_owned()
    }

    /// A Luhn-valid 19-digit card number starting with `bin` (digits only; cut to 18).
    pub fn card_number(&mut self, bin: &str) -> String {
        let mut digits = Vec::with_capacity(19);
        digits.extend(bin.bytes().filter(u8::is_ascii_digit).take(18));
        while digits.len() < 18 {
            digits.push(self.digit());
        }
        digits.push(luhn_digit(&digits));
        String::from_utf8_lossy(&digits).into_owned()
    }

    /// A valid unified social credit code of a company (registration authority
    /// `9`), with a region code from the built-in list.
    pub fn credit_code(&mut self) -> String {
        let mut code = Vec::with_capacity(18);
        code.push(b'9');
        code.push(b"123"[self.index(3)]);
        code.extend_from_slice(AREA_CODES[self.index(AREA_CODES.len())].as_bytes());
        for _ in 0..9 {
            // Mostly digits, like real organisation codes.
            let c = if self.rng.random_range(0u8..4) == 0 {
                CREDIT_ALPHABET[self.index(CREDIT_ALPHABET.len())]
            } else {
                self.digit()
            };
            code.push(c);
        }
        let check = CreditCode::check_character(&code).unwrap_or('0');
        let mut out = String::from_utf8_lossy(&code).into_owned();
        out.push(check);
        out
    }
}

/// The 17 digits followed by their check character.
fn finish_resident_id(first17: [u8; 17]) -> String {
    let check = ResidentId::check_character(&first17).unwrap_or('0');
    let mut out = String::from_utf8_lossy(&first17).into_owned();
    out.push(check);
    out
}

/// The digit that makes `body` followed by it pass the Luhn check.
fn luhn_digit(body: &[u8]) -> u8 {
    // Positions are counted from the right once the check digit is appended, so
    // the body's last digit is doubled.
    let mut sum = 0u32;
    for (i, &b) in body.iter().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
    }
    b'0' + ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use yikatong_core::{AccountKind, AccountNumber, Error, ResidentIdRule};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn same_seed_same_output() {
        let run = |seed| {
            let mut g = IdGenerator::new(seed);
            (
                g.resident_ids(20),
                g.invalid_resident_id(),
                g.bank_card(),
                g.credit_code(),
            )
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn output_is_pinned_across_platforms() {
        // A change here means every seeded data set changes: do it on purpose only.
        let mut g = IdGenerator::new(0);
        let got = [
            g.resident_id(),
            g.invalid_resident_id(),
            g.bank_card(),
            g.credit_code(),
        ];
        assert_eq!(
            got,
            [
                "150902199407127456",
                "15220119801180185",
                "6236688948914897452",
                "92150428P6546887GC",
            ]
        );
    }

    #[test]
    fn resident_ids_are_valid_and_plausible() -> TestResult {
        let mut g = IdGenerator::new(1);
        let ids = g.resident_ids(2000);
        let mut x_count = 0;
        let mut inner_mongolia = 0;
        for text in &ids {
            let id = ResidentId::parse_as_of(text, date!(2026 - 01 - 01))?;
            assert_eq!(id.as_str(), text);
            assert!(AREA_CODES.contains(&id.area_code()));
            let born = id.birth_date();
            assert!((date!(1930 - 01 - 01)..=date!(2020 - 12 - 31)).contains(&born));
            x_count += usize::from(text.ends_with('X'));
            inner_mongolia += usize::from(text.starts_with("15"));
        }
        // One in eleven check characters is X: expect about 180 of 2000.
        assert!((100..280).contains(&x_count), "{x_count}");
        assert!(inner_mongolia > 1500, "{inner_mongolia}");
        Ok(())
    }

    #[test]
    fn invalid_resident_ids_are_rejected_for_every_kind_of_defect() -> TestResult {
        let mut g = IdGenerator::new(2);
        let mut seen = [false; 4];
        for _ in 0..400 {
            let text = g.invalid_resident_id();
            let kind = match ResidentId::parse(&text) {
                Err(Error::ResidentId { rule, .. }) => match rule {
                    ResidentIdRule::CheckCharacter { .. } => 0,
                    ResidentIdRule::BirthDate { .. } => 1,
                    ResidentIdRule::Length { .. } => 2,
                    ResidentIdRule::Character { .. } => 3,
                    other => return Err(format!("{text}: unexpected rule {other:?}").into()),
                },
                other => return Err(format!("{text} was not rejected: {other:?}").into()),
            };
            seen[kind] = true;
        }
        assert_eq!(seen, [true; 4]);
        Ok(())
    }

    #[test]
    fn bank_cards_are_luhn_valid_19_digits() -> TestResult {
        let mut g = IdGenerator::new(3);
        for _ in 0..500 {
            let card = g.bank_card();
            assert_eq!(card.len(), 19);
            assert!(CARD_BINS.iter().any(|bin| card.starts_with(bin)));
            let account = AccountNumber::parse(&card, AccountKind::BankCard)?;
            assert_eq!(account.warning(), None);
        }
        Ok(())
    }

    #[test]
    fn credit_codes_are_valid() -> TestResult {
        let mut g = IdGenerator::new(4);
        for _ in 0..500 {
            let text = g.credit_code();
            let code = CreditCode::parse(&text)?;
            assert_eq!(code.as_str(), text);
            assert_eq!(code.registration_authority(), '9');
            assert!(AREA_CODES.contains(&code.region_code()));
        }
        Ok(())
    }
}
