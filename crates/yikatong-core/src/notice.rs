//! Payment notices (发放通知): the SMS a beneficiary gets for each settled payment,
//! and a signed form of the same notice that an app can check offline.
//!
//! Scam messages that imitate these notices are common, so a notice comes in two
//! forms built from the same [`PaymentNotice`]:
//!
//! - an SMS text from a per-project [`SmsTemplate`], counted against the single-SMS
//!   limit (70 characters of Chinese text; 67 per segment once split);
//! - a [`SignedNotice`]: the department signs the notice's canonical encoding with
//!   Ed25519 ([`NoticeSigner`]), and the beneficiary's app checks it with the
//!   department's published public key ([`verify_notice`]) without going online.
//!
//! A notice carries only masked personal data (DESIGN.md invariant 6): the payee's
//! name and ID number as [`MaskingPolicy::default`] shows them, and the last four
//! digits of the account. [`PaymentNotice::for_settled`] builds it straight from a
//! [`PaymentInstruction`], so the app never sees a full ID number or account number.
//!
//! # Canonical encoding (`yikatong-notice-v1`)
//!
//! The bytes signed are UTF-8 text, one line per field, each line ending in a single
//! `\n` (0x0A, including the last one), no byte-order mark, no trailing spaces:
//!
//! ```text
//! yikatong-notice-v1
//! notice_id=<notice id>
//! payment_id=<32 upper-case hex digits>
//! project_code=<text>
//! project_name=<text>
//! period=<2026-11 | 2026Q4 | 2026H1 | 2026 | 2026-11-26>
//! amount=<yuan with exactly 2 decimals, no grouping: 1234.50>
//! settled_on=<YYYY-MM-DD>
//! payee_name=<masked name>
//! payee_id=<masked ID number, 18 characters>
//! account_tail=<4 digits>
//! department=<text>
//! hotline=<text>
//! ```
//!
//! Fields come in exactly this order; values are written as they are (no trimming,
//! no Unicode normalization, no escaping). Escaping is never needed because a value
//! may not contain a control character (so no line break), and keys are fixed. The
//! signature is pure Ed25519 (RFC 8032, no pre-hash, no context) over these bytes,
//! written as 128 lower-case hex digits; verification uses the strict rules
//! (`verify_strict`). The key id is the first 8 bytes of the SHA-256 of the 32-byte
//! public key, as 16 lower-case hex digits: a hint for finding the key, not signed.
//! `docs/notice-format.md` has the same description and a complete test vector.
//!
//! ```
//! use yikatong_core::notice::{NoticeSigner, SmsTemplate, verify_notice};
//! # use yikatong_core::notice::PaymentNotice;
//! # use yikatong_core::{Amount, PaymentId, Period};
//! # let notice = PaymentNotice {
//! #     notice_id: "00112233445566778899AABBCCDDEEFF-01".to_owned(),
//! #     payment_id: PaymentId::parse("00112233445566778899AABBCCDDEEFF")?,
//! #     project_code: "GDDL".to_owned(),
//! #     project_name: "耕地地力保护补贴".to_owned(),
//! #     period: Period::parse("2026")?,
//! #     amount: Amount::parse("1234.50")?,
//! #     settled_on: time::macros::date!(2026 - 11 - 28),
//! #     payee_name: "张*丰".to_owned(),
//! #     payee_id: "110105********002X".to_owned(),
//! #     account_tail: "1234".to_owned(),
//! #     department: "某某旗财政局".to_owned(),
//! #     hotline: "12345".to_owned(),
//! # };
//! let template = SmsTemplate::parse(
//!     "【惠民惠农一卡通】您的{period}{project}{amount}元已于{date}发放至尾号{account_tail}的社保卡，咨询{hotline}。",
//! )?;
//! let sms = template.render(&notice);
//! assert_eq!(
//!     sms.text,
//!     "【惠民惠农一卡通】您的2026年耕地地力保护补贴1234.50元已于2026年11月28日发放至尾号1234的社保卡，咨询12345。"
//! );
//! assert!(sms.fits_single);
//!
//! let signer = NoticeSigner::from_seed([7; 32]);
//! let signed = signer.sign(&notice)?;
//! verify_notice(&signer.public_key(), &signed)?;
//!
//! let mut forged = signed.clone();
//! forged.notice.amount = Amount::parse("1234.51")?;
//! assert!(verify_notice(&signer.public_key(), &forged).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use time::Date;

use crate::{
    Amount, MaskingPolicy, PaymentBatch, PaymentId, PaymentInstruction, Period, PeriodKind,
    lower_hex,
};

/// The first line of the canonical encoding; a new encoding gets a new version.
pub const CANONICAL_VERSION: &str = "yikatong-notice-v1";

/// Characters one SMS holds when it contains Chinese (UCS-2 encoding).
pub const SINGLE_SMS_CHARS: usize = 70;

/// Characters per segment once a Chinese SMS is split into several (the rest of
/// each 70 goes to the header that joins them).
pub const SEGMENT_CHARS: usize = 67;

/// What can go wrong building, rendering, signing or checking a notice. Each message
/// names the value and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// A text field of the notice is empty.
    #[error("the notice's {field} is empty; fill it in (project settings or the payee's account)")]
    EmptyField {
        /// The field, by its name in the canonical encoding.
        field: &'static str,
    },
    /// A text field contains a line break or another control character.
    #[error(
        "the notice's {field} {value:?} contains a line break or another control character; \
         remove it (notices are signed line by line)"
    )]
    ControlCharacter {
        /// The field, by its name in the canonical encoding.
        field: &'static str,
        /// The value as given.
        value: String,
    },
    /// The account tail is not exactly four digits.
    #[error(
        "account tail {value:?} is not the last 4 digits of an account; write exactly 4 digits"
    )]
    AccountTail {
        /// The value as given.
        value: String,
    },
    /// The payee's ID number is not masked as a notice must show it.
    #[error(
        "payee ID {value:?} is not masked; a notice shows the first 6 and last 4 characters \
         with 8 asterisks between (110105********002X), never the whole number"
    )]
    UnmaskedId {
        /// The value as given.
        value: String,
    },
    /// The settled date is outside the years the encoding writes (1900–9999).
    #[error("settled date {date} is outside 1900–9999; check the bank's settlement date")]
    DateOutOfRange {
        /// The date as given.
        date: Date,
    },
    /// The SMS template has no text at all.
    #[error(
        "the SMS template is empty; write the message, e.g. \
         【惠民惠农一卡通】您的{{period}}{{project}}{{amount}}元已于{{date}}发放至尾号{{account_tail}}的社保卡，咨询{{hotline}}。"
    )]
    EmptyTemplate,
    /// The SMS template names a placeholder that does not exist.
    #[error(
        "SMS template: unknown placeholder {{{name}}} at character {at}; use one of {{project}}, \
         {{period}}, {{amount}}, {{date}}, {{account_tail}}, {{hotline}}, {{department}}"
    )]
    UnknownPlaceholder {
        /// The name between the braces.
        name: String,
        /// One-based character position of the opening brace.
        at: usize,
    },
    /// The SMS template opens a brace and never closes it.
    #[error(
        "SMS template: the brace at character {at} (\"{fragment}…\") is never closed; \
         write the placeholder as {{name}}, e.g. {{amount}}"
    )]
    UnclosedBrace {
        /// One-based character position of the opening brace.
        at: usize,
        /// The template text from the brace on (at most 12 characters).
        fragment: String,
    },
    /// The SMS template has a closing brace without an opening one.
    #[error(
        "SMS template: the \"}}\" at character {at} closes nothing; remove it or add the \
         opening \"{{\" of the placeholder"
    )]
    StrayClosingBrace {
        /// One-based character position of the brace.
        at: usize,
    },
    /// With the longest values it can take, the SMS does not fit one message.
    #[error(
        "the SMS can reach {chars} characters with the longest values ({text:?}); one SMS holds \
         70, so it would go out as {segments} messages. Shorten the template's \
         fixed wording or the project name by {} characters",
        .chars.saturating_sub(SINGLE_SMS_CHARS)
    )]
    TooLong {
        /// The length in characters as the network counts them (UTF-16 code units).
        chars: usize,
        /// How many messages it would take.
        segments: usize,
        /// The longest text.
        text: String,
    },
    /// The public key is not a valid Ed25519 public key.
    #[error("public key {value:?} is not a valid Ed25519 public key (64 hex digits): {detail}")]
    BadPublicKey {
        /// The key as hex (or as given).
        value: String,
        /// Why.
        detail: String,
    },
    /// The signature text is not 128 hex digits.
    #[error(
        "signature {value:?} is not an Ed25519 signature: expected 128 hexadecimal digits; \
         the notice cannot be trusted"
    )]
    BadSignatureText {
        /// The text as given.
        value: String,
    },
    /// The notice names another key than the one it is checked with.
    #[error(
        "the notice says it was signed by key {found}, but the department's key is {expected}; \
         do not trust it (or update the department's key in the app)"
    )]
    WrongKey {
        /// The key id of the key checked against.
        expected: String,
        /// The key id the notice carries.
        found: String,
    },
    /// The signature does not match the notice and key: changed or forged.
    #[error(
        "the signature does not match: the notice was changed or was not issued by this \
         department; do not trust it and call the hotline you know, not the one in the message"
    )]
    SignatureMismatch,
    /// A signed notice in JSON that could not be read.
    #[error("signed notice JSON: {detail}")]
    BadJson {
        /// What the JSON reader said.
        detail: String,
    },
}

// ---------------------------------------------------------------------------
// The notice

/// One settled payment as the beneficiary is told about it. Personal data is masked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentNotice {
    /// The notice's id: the instruction id of the attempt that settled, `<payment id>-<attempt>`.
    pub notice_id: String,
    /// The payment (32 hex digits).
    pub payment_id: PaymentId,
    /// The project's code.
    pub project_code: String,
    /// The project's name, e.g. 耕地地力保护补贴.
    pub project_name: String,
    /// The period paid.
    pub period: Period,
    /// The amount paid, in yuan.
    pub amount: Amount,
    /// The day the bank settled the payment.
    #[serde(with = "crate::policy::iso_date")]
    pub settled_on: Date,
    /// The payee's name, masked (张*丰).
    pub payee_name: String,
    /// The payee's ID number, masked (110105********002X).
    pub payee_id: String,
    /// The last four digits of the account paid onto.
    pub account_tail: String,
    /// The issuing department, e.g. 某某旗财政局.
    pub department: String,
    /// The hotline to call with questions, e.g. 12345.
    pub hotline: String,
}

/// What a project's notices share: who issues them and what they are about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeIssuer {
    /// The project's code.
    pub project_code: String,
    /// The project's name.
    pub project_name: String,
    /// The period paid.
    pub period: Period,
    /// The issuing department.
    pub department: String,
    /// The hotline.
    pub hotline: String,
}

impl NoticeIssuer {
    /// The issuer of a batch's notices: project code and period from the batch.
    pub fn for_batch(
        batch: &PaymentBatch,
        project_name: &str,
        department: &str,
        hotline: &str,
    ) -> NoticeIssuer {
        NoticeIssuer {
            project_code: batch.project.clone(),
            project_name: project_name.to_owned(),
            period: batch.period,
            department: department.to_owned(),
            hotline: hotline.to_owned(),
        }
    }
}

impl PaymentNotice {
    /// The notice of `instruction`, settled on `settled_on`. Masks the payee's name
    /// and ID with [`MaskingPolicy::default`] and keeps only the account's last four
    /// digits; trims the issuer's texts. Refuses a notice that could not be signed.
    pub fn for_settled(
        instruction: &PaymentInstruction,
        issuer: &NoticeIssuer,
        settled_on: Date,
    ) -> Result<PaymentNotice, NoticeError> {
        let masking = MaskingPolicy::default();
        let notice = PaymentNotice {
            notice_id: instruction.instruction_id().to_string(),
            payment_id: instruction.payment_id,
            project_code: issuer.project_code.trim().to_owned(),
            project_name: issuer.project_name.trim().to_owned(),
            period: issuer.period,
            amount: instruction.amount,
            settled_on,
            payee_name: masking.mask_name(&instruction.account.holder_name),
            payee_id: masking.mask_resident_id(&instruction.payee),
            account_tail: instruction.account.number.last4().to_owned(),
            department: issuer.department.trim().to_owned(),
            hotline: issuer.hotline.trim().to_owned(),
        };
        notice.validate()?;
        Ok(notice)
    }

    /// The text fields with their names in the canonical encoding, in its order.
    fn text_fields(&self) -> [(&'static str, &str); 8] {
        [
            ("notice_id", self.notice_id.as_str()),
            ("project_code", self.project_code.as_str()),
            ("project_name", self.project_name.as_str()),
            ("payee_name", self.payee_name.as_str()),
            ("payee_id", self.payee_id.as_str()),
            ("account_tail", self.account_tail.as_str()),
            ("department", self.department.as_str()),
            ("hotline", self.hotline.as_str()),
        ]
    }

    /// Checks the notice can be encoded and shows nothing it must not: no empty or
    /// multi-line text, a 4-digit account tail, a masked ID, a date in 1900–9999.
    pub fn validate(&self) -> Result<(), NoticeError> {
        for (field, value) in self.text_fields() {
            if value.is_empty() {
                return Err(NoticeError::EmptyField { field });
            }
            if value.chars().any(char::is_control) {
                return Err(NoticeError::ControlCharacter {
                    field,
                    value: value.to_owned(),
                });
            }
        }
        if self.account_tail.len() != 4 || !self.account_tail.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NoticeError::AccountTail {
                value: self.account_tail.clone(),
            });
        }
        if !is_masked_id(&self.payee_id) {
            return Err(NoticeError::UnmaskedId {
                value: self.payee_id.clone(),
            });
        }
        if !(1900..=9999).contains(&self.settled_on.year()) {
            return Err(NoticeError::DateOutOfRange {
                date: self.settled_on,
            });
        }
        Ok(())
    }

    /// The bytes that are signed: the `yikatong-notice-v1` encoding described in the
    /// module documentation. Fails when [`PaymentNotice::validate`] does.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, NoticeError> {
        self.validate()?;
        let settled = self.settled_on;
        let lines = [
            ("notice_id", self.notice_id.clone()),
            ("payment_id", self.payment_id.to_string()),
            ("project_code", self.project_code.clone()),
            ("project_name", self.project_name.clone()),
            ("period", self.period.to_string()),
            ("amount", self.amount.to_string()),
            (
                "settled_on",
                format!(
                    "{:04}-{:02}-{:02}",
                    settled.year(),
                    settled.month() as u8,
                    settled.day()
                ),
            ),
            ("payee_name", self.payee_name.clone()),
            ("payee_id", self.payee_id.clone()),
            ("account_tail", self.account_tail.clone()),
            ("department", self.department.clone()),
            ("hotline", self.hotline.clone()),
        ];
        let mut out = String::with_capacity(512);
        out.push_str(CANONICAL_VERSION);
        out.push('\n');
        for (key, value) in lines {
            out.push_str(key);
            out.push('=');
            out.push_str(&value);
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

/// Whether `id` is an ID number masked as first 6, 8 asterisks, last 4.
fn is_masked_id(id: &str) -> bool {
    let chars: Vec<char> = id.chars().collect();
    chars.len() == 18
        && chars[6..14].iter().all(|&c| c == '*')
        && chars[..6].iter().all(char::is_ascii_digit)
        && chars[14..]
            .iter()
            .all(|&c| c.is_ascii_digit() || c == 'X' || c == '*')
}

/// A date the way an SMS writes it: 2026年11月28日 (no leading zeros).
fn date_zh(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month() as u8, date.day())
}

// ---------------------------------------------------------------------------
// SMS

/// A value an SMS template can insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Placeholder {
    /// `{project}`: the project's name.
    Project,
    /// `{period}`: the period in Chinese ([`Period::label_zh`]): 2026年11月, 2026年第4季度.
    Period,
    /// `{amount}`: the amount in yuan with two decimals and no grouping: 1234.50.
    /// Plain, because a comma costs a character and reads like punctuation in Chinese.
    Amount,
    /// `{date}`: the settled date in Chinese without leading zeros: 2026年11月28日.
    Date,
    /// `{account_tail}`: the account's last four digits.
    AccountTail,
    /// `{hotline}`: the hotline.
    Hotline,
    /// `{department}`: the issuing department.
    Department,
}

impl Placeholder {
    /// Every placeholder.
    pub const ALL: [Placeholder; 7] = [
        Placeholder::Project,
        Placeholder::Period,
        Placeholder::Amount,
        Placeholder::Date,
        Placeholder::AccountTail,
        Placeholder::Hotline,
        Placeholder::Department,
    ];

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Project => "project",
            Placeholder::Period => "period",
            Placeholder::Amount => "amount",
            Placeholder::Date => "date",
            Placeholder::AccountTail => "account_tail",
            Placeholder::Hotline => "hotline",
            Placeholder::Department => "department",
        }
    }

    fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(Placeholder),
}

/// A project's SMS wording with `{placeholder}` slots; serializes as its text.
///
/// Placeholders: `{project}`, `{period}`, `{amount}`, `{date}`, `{account_tail}`,
/// `{hotline}`, `{department}` (see [`Placeholder`]). Braces are only for
/// placeholders: an unknown name, an unclosed `{` or a lone `}` is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTemplate {
    source: String,
    parts: Vec<Part>,
}

/// A rendered SMS and how long it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SmsText {
    /// The message.
    pub text: String,
    /// Its length in characters (Unicode scalar values).
    pub chars: usize,
    /// Its length as the network counts it: UTF-16 code units, the same as `chars`
    /// unless the text has characters outside the Basic Multilingual Plane (which
    /// count twice).
    pub units: usize,
    /// How many messages it goes out as: 1 up to 70 units, else one per 67.
    pub segments: usize,
    /// Whether it fits one SMS (at most 70 units).
    pub fits_single: bool,
}

impl SmsText {
    /// Measures `text`.
    pub fn new(text: String) -> SmsText {
        let chars = text.chars().count();
        let units = text.encode_utf16().count();
        let segments = if units <= SINGLE_SMS_CHARS {
            1
        } else {
            units.div_ceil(SEGMENT_CHARS)
        };
        SmsText {
            text,
            chars,
            units,
            segments,
            fits_single: units <= SINGLE_SMS_CHARS,
        }
    }
}

/// A notice whose SMS does not fit one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongSms {
    /// The notice.
    pub notice_id: String,
    /// The text that is too long.
    pub sms: SmsText,
}

impl fmt::Display for LongSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "notice {}: the SMS has {} characters, {} over the {SINGLE_SMS_CHARS} of one \
             message, and goes out as {} messages",
            self.notice_id,
            self.sms.units,
            self.sms.units - SINGLE_SMS_CHARS,
            self.sms.segments
        )
    }
}

/// The values a project's SMS can take at their longest, for
/// [`SmsTemplate::check_worst_case`].
#[derive(Debug, Clone, Copy)]
pub struct SmsWorstCase<'a> {
    /// The project's name.
    pub project_name: &'a str,
    /// The issuing department.
    pub department: &'a str,
    /// The hotline.
    pub hotline: &'a str,
    /// The project's period kind.
    pub period_kind: PeriodKind,
    /// The largest amount one payment can be.
    pub max_amount: Amount,
}

/// The values one SMS is rendered from.
struct Values<'a> {
    project: &'a str,
    period: String,
    amount: String,
    date: String,
    account_tail: &'a str,
    hotline: &'a str,
    department: &'a str,
}

impl SmsTemplate {
    /// Reads a template. Refuses an empty one, an unknown placeholder, an unclosed
    /// `{` and a lone `}`, naming the placeholder and its character position.
    pub fn parse(source: &str) -> Result<SmsTemplate, NoticeError> {
        if source.trim().is_empty() {
            return Err(NoticeError::EmptyTemplate);
        }
        let chars: Vec<char> = source.chars().collect();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '{' => {
                    let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
                        return Err(NoticeError::UnclosedBrace {
                            at: i + 1,
                            fragment: chars[i..].iter().take(12).collect(),
                        });
                    };
                    let name: String = chars[i + 1..i + 1 + len].iter().collect();
                    // A `{` inside means the first brace was never closed: `{amount元{date}`.
                    if name.contains('{') {
                        return Err(NoticeError::UnclosedBrace {
                            at: i + 1,
                            fragment: chars[i..].iter().take(12).collect(),
                        });
                    }
                    let Some(field) = Placeholder::from_name(name.trim()) else {
                        return Err(NoticeError::UnknownPlaceholder { name, at: i + 1 });
                    };
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(field));
                    i += len + 2;
                }
                '}' => return Err(NoticeError::StrayClosingBrace { at: i + 1 }),
                c => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(SmsTemplate {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template's text as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The placeholders the template uses, in order of appearance (repeats included).
    pub fn placeholders(&self) -> impl Iterator<Item = Placeholder> + '_ {
        self.parts.iter().filter_map(|part| match part {
            Part::Field(field) => Some(*field),
            Part::Text(_) => None,
        })
    }

    fn render_values(&self, values: &Values<'_>) -> SmsText {
        let mut text = String::with_capacity(self.source.len() + 64);
        for part in &self.parts {
            text.push_str(match part {
                Part::Text(t) => t,
                Part::Field(Placeholder::Project) => values.project,
                Part::Field(Placeholder::Period) => &values.period,
                Part::Field(Placeholder::Amount) => &values.amount,
                Part::Field(Placeholder::Date) => &values.date,
                Part::Field(Placeholder::AccountTail) => values.account_tail,
                Part::Field(Placeholder::Hotline) => values.hotline,
                Part::Field(Placeholder::Department) => values.department,
            });
        }
        SmsText::new(text)
    }

    /// The SMS for `notice`, measured.
    pub fn render(&self, notice: &PaymentNotice) -> SmsText {
        self.render_values(&Values {
            project: &notice.project_name,
            period: notice.period.label_zh(),
            amount: notice.amount.to_string(),
            date: date_zh(notice.settled_on),
            account_tail: &notice.account_tail,
            hotline: &notice.hotline,
            department: &notice.department,
        })
    }

    /// The notices whose SMS does not fit one message, in the order given; linear
    /// in the number of notices.
    pub fn over_limit<'a, I>(&self, notices: I) -> Vec<LongSms>
    where
        I: IntoIterator<Item = &'a PaymentNotice>,
    {
        notices
            .into_iter()
            .filter_map(|notice| {
                let sms = self.render(notice);
                (!sms.fits_single).then(|| LongSms {
                    notice_id: notice.notice_id.clone(),
                    sms,
                })
            })
            .collect()
    }

    /// The longest SMS the template can produce for a project, or an error saying by
    /// how much it is too long. Longest values: `max_amount` (a plain amount is never
    /// longer for a smaller value), a two-digit month and day, the longest label of
    /// the period kind, four digits of account.
    pub fn check_worst_case(&self, worst: &SmsWorstCase<'_>) -> Result<SmsText, NoticeError> {
        let sms = self.render_values(&Values {
            project: worst.project_name.trim(),
            period: longest_period_label(worst.period_kind),
            amount: worst.max_amount.to_string(),
            date: "2026年12月31日".to_owned(),
            account_tail: "8888",
            hotline: worst.hotline.trim(),
            department: worst.department.trim(),
        });
        if sms.fits_single {
            Ok(sms)
        } else {
            Err(NoticeError::TooLong {
                chars: sms.units,
                segments: sms.segments,
                text: sms.text,
            })
        }
    }
}

/// The longest Chinese label a period of `kind` can have (every year has 4 digits).
fn longest_period_label(kind: PeriodKind) -> String {
    match kind {
        PeriodKind::Day => "2026年12月31日",
        PeriodKind::Month => "2026年12月",
        PeriodKind::Quarter => "2026年第4季度",
        PeriodKind::HalfYear => "2026年上半年",
        PeriodKind::Year => "2026年",
    }
    .to_owned()
}

impl fmt::Display for SmsTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for SmsTemplate {
    type Err = NoticeError;

    fn from_str(source: &str) -> Result<SmsTemplate, NoticeError> {
        SmsTemplate::parse(source)
    }
}

impl serde::Serialize for SmsTemplate {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for SmsTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<SmsTemplate, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        SmsTemplate::parse(&text).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------
// Signatures

/// A notice with the department's signature over its canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedNotice {
    /// The notice.
    pub notice: PaymentNotice,
    /// The Ed25519 signature as 128 lower-case hex digits.
    pub signature: String,
    /// The signing key's id ([`key_id`]): 16 lower-case hex digits. Not signed.
    pub key_id: String,
}

impl SignedNotice {
    /// The signed notice as JSON, for the app.
    pub fn to_json(&self) -> Result<String, NoticeError> {
        serde_json::to_string(self).map_err(|error| NoticeError::BadJson {
            detail: error.to_string(),
        })
    }

    /// Reads a signed notice from JSON (does not verify it: see [`verify_notice_json`]).
    pub fn from_json(json: &str) -> Result<SignedNotice, NoticeError> {
        serde_json::from_str(json).map_err(|error| NoticeError::BadJson {
            detail: error.to_string(),
        })
    }
}

/// A department's notice-signing key. Where the 32-byte seed comes from (an HSM, a
/// key file) is the caller's business; the key is wiped from memory when dropped.
#[derive(Clone)]
pub struct NoticeSigner {
    key: SigningKey,
}

impl fmt::Debug for NoticeSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret: only which key it is.
        write!(f, "NoticeSigner(key_id {})", self.key_id())
    }
}

impl NoticeSigner {
    /// The signer whose Ed25519 secret key is `seed` (RFC 8032's 32-byte private key).
    pub fn from_seed(seed: [u8; 32]) -> NoticeSigner {
        NoticeSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key to publish and put in the app.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The public key as 64 lower-case hex digits.
    pub fn public_key_hex(&self) -> String {
        lower_hex(&self.public_key())
    }

    /// The key's id ([`key_id`]).
    pub fn key_id(&self) -> String {
        key_id(&self.public_key())
    }

    /// Signs `notice`'s canonical encoding. Fails when the notice cannot be encoded
    /// ([`PaymentNotice::validate`]).
    pub fn sign(&self, notice: &PaymentNotice) -> Result<SignedNotice, NoticeError> {
        let bytes = notice.canonical_bytes()?;
        let signature = self.key.sign(&bytes);
        Ok(SignedNotice {
            notice: notice.clone(),
            signature: lower_hex(&signature.to_bytes()),
            key_id: self.key_id(),
        })
    }
}

/// A public key's id: the first 8 bytes of its SHA-256, as 16 lower-case hex digits.
pub fn key_id(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    lower_hex(&digest[..8])
}

/// Reads a public key written as 64 hex digits (either case).
pub fn parse_public_key(hex: &str) -> Result<[u8; 32], NoticeError> {
    let bytes = parse_hex::<32>(hex.trim()).ok_or_else(|| NoticeError::BadPublicKey {
        value: hex.to_owned(),
        detail: "not 64 hexadecimal digits".to_owned(),
    })?;
    VerifyingKey::from_bytes(&bytes).map_err(|error| NoticeError::BadPublicKey {
        value: hex.to_owned(),
        detail: error.to_string(),
    })?;
    Ok(bytes)
}

/// Checks that `signed` was signed by the holder of `public_key` and not changed
/// since. Any changed field, another key or a malformed signature is an error.
pub fn verify_notice(public_key: &[u8; 32], signed: &SignedNotice) -> Result<(), NoticeError> {
    let expected = key_id(public_key);
    if !signed.key_id.eq_ignore_ascii_case(&expected) {
        return Err(NoticeError::WrongKey {
            expected,
            found: signed.key_id.clone(),
        });
    }
    let bytes = signed.notice.canonical_bytes()?;
    verify_bytes(public_key, &bytes, &signed.signature)
}

/// Reads a signed notice from JSON and verifies it; returns the notice when it is genuine.
pub fn verify_notice_json(public_key: &[u8; 32], json: &str) -> Result<PaymentNotice, NoticeError> {
    let signed = SignedNotice::from_json(json)?;
    verify_notice(public_key, &signed)?;
    Ok(signed.notice)
}

/// Verifies a hex signature over `bytes` under `public_key`.
fn verify_bytes(public_key: &[u8; 32], bytes: &[u8], signature: &str) -> Result<(), NoticeError> {
    let signature_bytes =
        parse_hex::<64>(signature).ok_or_else(|| NoticeError::BadSignatureText {
            value: signature.to_owned(),
        })?;
    let key = VerifyingKey::from_bytes(public_key).map_err(|error| NoticeError::BadPublicKey {
        value: lower_hex(public_key),
        detail: error.to_string(),
    })?;
    key.verify_strict(bytes, &Signature::from_bytes(&signature_bytes))
        .map_err(|_| NoticeError::SignatureMismatch)
}

/// Reads exactly `2 * N` hex digits (either case).
fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * N {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountKind, AccountNumber, PayeeAccount, RegionCode, ResidentId};
    use proptest::prelude::*;
    use std::sync::Arc;
    use time::macros::date;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    const TEMPLATE: &str = "【惠民惠农一卡通】您的{period}{project}{amount}元已于{date}发放至尾号{account_tail}的社保卡，咨询{hotline}。";

    fn instruction() -> std::result::Result<PaymentInstruction, crate::Error> {
        let payee = ResidentId::parse("11010519491231002X")?;
        let period = Period::parse("2026")?;
        Ok(PaymentInstruction {
            payment_id: PaymentId::for_line("GDDL", period, "R-1", 7, payee),
            attempt: 1,
            roster_id: Arc::from("R-1"),
            line_no: 7,
            township: RegionCode::parse("150422101")?,
            payee,
            beneficiary: None,
            account: PayeeAccount {
                bank_code: "NXS".into(),
                number: AccountNumber::parse("6228480000000000018", AccountKind::BankCard)?,
                holder_name: "张三丰".into(),
            },
            amount: Amount::parse("1234.50")?,
            purpose: Arc::from("2026年耕地地力保护补贴"),
            account_sequence: 1,
        })
    }

    fn issuer() -> std::result::Result<NoticeIssuer, crate::Error> {
        Ok(NoticeIssuer {
            project_code: "GDDL".to_owned(),
            project_name: " 耕地地力保护补贴 ".to_owned(),
            period: Period::parse("2026")?,
            department: "某某旗财政局".to_owned(),
            hotline: "12345".to_owned(),
        })
    }

    fn notice() -> std::result::Result<PaymentNotice, Box<dyn std::error::Error>> {
        Ok(PaymentNotice::for_settled(
            &instruction()?,
            &issuer()?,
            date!(2026 - 11 - 28),
        )?)
    }

    #[test]
    fn builds_a_masked_notice_from_an_instruction() -> TestResult {
        let instruction = instruction()?;
        let notice = notice()?;
        assert_eq!(notice.notice_id, format!("{}-01", instruction.payment_id));
        assert_eq!(notice.payment_id, instruction.payment_id);
        assert_eq!(notice.project_name, "耕地地力保护补贴");
        assert_eq!(notice.payee_name, "张*丰");
        assert_eq!(notice.payee_id, "110105********002X");
        assert_eq!(notice.account_tail, "0018");
        // Nothing of the full ID or account reaches the notice's JSON.
        let json = serde_json::to_string(&notice)?;
        assert!(!json.contains("11010519491231002X"));
        assert!(!json.contains("6228480000000000018"));

        let mut bad = issuer()?;
        bad.hotline = "123\n45".to_owned();
        assert_eq!(
            PaymentNotice::for_settled(&instruction, &bad, date!(2026 - 11 - 28)),
            Err(NoticeError::ControlCharacter {
                field: "hotline",
                value: "123\n45".to_owned()
            })
        );
        bad.hotline = "  ".to_owned();
        assert_eq!(
            PaymentNotice::for_settled(&instruction, &bad, date!(2026 - 11 - 28)),
            Err(NoticeError::EmptyField { field: "hotline" })
        );
        Ok(())
    }

    #[test]
    fn validate_refuses_what_must_not_be_signed() -> TestResult {
        let mut n = notice()?;
        n.payee_id = "11010519491231002X".to_owned();
        assert!(matches!(n.validate(), Err(NoticeError::UnmaskedId { .. })));
        let mut n = notice()?;
        n.account_tail = "12345".to_owned();
        assert!(matches!(n.validate(), Err(NoticeError::AccountTail { .. })));
        n.account_tail = "12a4".to_owned();
        assert!(matches!(n.validate(), Err(NoticeError::AccountTail { .. })));
        let mut n = notice()?;
        n.settled_on = date!(1899 - 12 - 31);
        assert!(matches!(
            n.validate(),
            Err(NoticeError::DateOutOfRange { .. })
        ));
        let signer = NoticeSigner::from_seed([1; 32]);
        assert!(signer.sign(&n).is_err());
        Ok(())
    }

    #[test]
    fn renders_the_issue_example() -> TestResult {
        let template = SmsTemplate::parse(TEMPLATE)?;
        let sms = template.render(&notice()?);
        assert_eq!(
            sms.text,
            "【惠民惠农一卡通】您的2026年耕地地力保护补贴1234.50元已于2026年11月28日发放至尾号0018的社保卡，咨询12345。"
        );
        assert_eq!(sms.chars, sms.text.chars().count());
        assert_eq!(sms.chars, 67);
        assert!(sms.fits_single);
        assert_eq!(sms.segments, 1);
        assert_eq!(
            template
                .placeholders()
                .map(Placeholder::name)
                .collect::<Vec<_>>(),
            [
                "period",
                "project",
                "amount",
                "date",
                "account_tail",
                "hotline"
            ]
        );
        Ok(())
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 70 mixed characters fit; 71 do not.
        let seventy = format!("{}{}", "补".repeat(35), "a1".repeat(17) + "x");
        let sms = SmsText::new(seventy.clone());
        assert_eq!((sms.chars, sms.units, sms.segments), (70, 70, 1));
        assert!(sms.fits_single);
        let sms = SmsText::new(seventy + "贴");
        assert_eq!((sms.chars, sms.segments), (71, 2));
        assert!(!sms.fits_single);
        // Segments of 67 once split.
        assert_eq!(SmsText::new("字".repeat(134)).segments, 2);
        assert_eq!(SmsText::new("字".repeat(135)).segments, 3);
        // A character outside the BMP (a rare name character) takes two units.
        let sms = SmsText::new(format!("{}𠀀", "字".repeat(69)));
        assert_eq!((sms.chars, sms.units, sms.fits_single), (70, 71, false));
    }

    #[test]
    fn exactly_seventy_fits_through_a_template() -> TestResult {
        let notice = notice()?;
        let base = SmsTemplate::parse(TEMPLATE)?.render(&notice).chars;
        let pad = |n: usize| TEMPLATE.replacen("。", &format!("{}。", "谢".repeat(n)), 1);
        let fits = SmsTemplate::parse(&pad(70 - base))?.render(&notice);
        assert_eq!(fits.chars, 70);
        assert!(fits.fits_single);
        let long = SmsTemplate::parse(&pad(71 - base))?;
        let sms = long.render(&notice);
        assert_eq!((sms.chars, sms.segments, sms.fits_single), (71, 2, false));
        let report = long.over_limit([&notice, &notice]);
        assert_eq!(report.len(), 2);
        assert_eq!(
            report[0].to_string(),
            format!(
                "notice {}: the SMS has 71 characters, 1 over the 70 of one message, and goes out as 2 messages",
                notice.notice_id
            )
        );
        assert!(
            SmsTemplate::parse(TEMPLATE)?
                .over_limit([&notice])
                .is_empty()
        );
        Ok(())
    }

    #[test]
    fn worst_case_names_the_excess() -> TestResult {
        let template = SmsTemplate::parse(TEMPLATE)?;
        let mut worst = SmsWorstCase {
            project_name: "耕地地力保护补贴",
            department: "某某旗财政局",
            hotline: "12345",
            period_kind: PeriodKind::Year,
            max_amount: Amount::parse("99999.99")?,
        };
        let sms = template.check_worst_case(&worst)?;
        assert!(sms.text.contains("99999.99元"));
        assert!(sms.text.contains("2026年12月31日"));
        worst.period_kind = PeriodKind::Quarter;
        worst.hotline = "0471-12345678";
        let error = template.check_worst_case(&worst).err();
        let Some(NoticeError::TooLong {
            chars, segments, ..
        }) = error.clone()
        else {
            return Err(format!("expected TooLong, got {error:?}").into());
        };
        assert_eq!((chars, segments), (80, 2));
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("can reach 80 characters"), "{message}");
        assert!(message.contains("by 10 characters"), "{message}");
        assert!(message.contains("2026年第4季度"), "{message}");
        Ok(())
    }

    #[test]
    fn template_errors_name_the_problem() {
        assert_eq!(
            SmsTemplate::parse("您的{amout}元"),
            Err(NoticeError::UnknownPlaceholder {
                name: "amout".to_owned(),
                at: 3
            })
        );
        let error = SmsTemplate::parse("您的{amout}元").err();
        assert!(
            error
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("unknown placeholder {amout} at character 3")
        );
        assert_eq!(
            SmsTemplate::parse("{amount}元于{date"),
            Err(NoticeError::UnclosedBrace {
                at: 11,
                fragment: "{date".to_owned()
            })
        );
        assert_eq!(
            SmsTemplate::parse("{amount元{date}"),
            Err(NoticeError::UnclosedBrace {
                at: 1,
                fragment: "{amount元{date}".chars().take(12).collect()
            })
        );
        assert_eq!(
            SmsTemplate::parse("金额}"),
            Err(NoticeError::StrayClosingBrace { at: 3 })
        );
        assert_eq!(
            SmsTemplate::parse("{}"),
            Err(NoticeError::UnknownPlaceholder {
                name: String::new(),
                at: 1
            })
        );
        assert_eq!(SmsTemplate::parse(" "), Err(NoticeError::EmptyTemplate));
    }

    #[test]
    fn template_serde_is_its_text() -> TestResult {
        let template = SmsTemplate::parse(TEMPLATE)?;
        let json = serde_json::to_string(&template)?;
        assert_eq!(serde_json::from_str::<SmsTemplate>(&json)?, template);
        assert!(serde_json::from_str::<SmsTemplate>("\"{nope}\"").is_err());
        assert_eq!(template.to_string(), TEMPLATE);
        Ok(())
    }

    #[test]
    fn sign_then_verify() -> TestResult {
        let signer = NoticeSigner::from_seed([42; 32]);
        let signed = signer.sign(&notice()?)?;
        assert_eq!(signed.signature.len(), 128);
        assert_eq!(signed.key_id, signer.key_id());
        verify_notice(&signer.public_key(), &signed)?;
        assert_eq!(
            parse_public_key(&signer.public_key_hex())?,
            signer.public_key()
        );
        // Upper-case hex is read too.
        let mut upper = signed.clone();
        upper.signature = upper.signature.to_ascii_uppercase();
        verify_notice(&signer.public_key(), &upper)?;
        assert!(!format!("{signer:?}").contains(&lower_hex(&[42; 32])));
        Ok(())
    }

    #[test]
    fn any_changed_field_fails() -> TestResult {
        let signer = NoticeSigner::from_seed([42; 32]);
        let key = signer.public_key();
        let signed = signer.sign(&notice()?)?;
        let other_id = PaymentId::parse("00000000000000000000000000000001")?;
        type Change = Box<dyn Fn(&mut PaymentNotice)>;
        let changes: Vec<(&str, Change)> = vec![
            (
                "amount",
                Box::new(|n| {
                    n.amount = Amount::from_fen(n.amount.to_fen() + 1).unwrap_or(Amount::ZERO)
                }),
            ),
            ("date", Box::new(|n| n.settled_on = date!(2026 - 11 - 29))),
            (
                "account tail",
                Box::new(|n| n.account_tail = "0019".to_owned()),
            ),
            (
                "project",
                Box::new(|n| n.project_name = "耕地地力保护补助".to_owned()),
            ),
            (
                "project code",
                Box::new(|n| n.project_code = "GDDM".to_owned()),
            ),
            ("payment id", Box::new(move |n| n.payment_id = other_id)),
            ("hotline", Box::new(|n| n.hotline = "12346".to_owned())),
            ("name", Box::new(|n| n.payee_name = "张*风".to_owned())),
            ("notice id", Box::new(|n| n.notice_id.push('2'))),
            ("department", Box::new(|n| n.department.push('。'))),
            (
                "period",
                Box::new(|n| n.period = Period::parse("2025").unwrap_or(n.period)),
            ),
        ];
        for (what, change) in changes {
            let mut forged = signed.clone();
            change(&mut forged.notice);
            assert_ne!(forged, signed, "{what}");
            assert_eq!(
                verify_notice(&key, &forged),
                Err(NoticeError::SignatureMismatch),
                "{what}"
            );
        }
        Ok(())
    }

    #[test]
    fn wrong_key_fails() -> TestResult {
        let signed = NoticeSigner::from_seed([42; 32]).sign(&notice()?)?;
        let other = NoticeSigner::from_seed([43; 32]);
        assert!(matches!(
            verify_notice(&other.public_key(), &signed),
            Err(NoticeError::WrongKey { .. })
        ));
        // A forger who also copies the right key id still fails.
        let mut relabelled = signed.clone();
        relabelled.key_id = other.key_id();
        assert_eq!(
            verify_notice(&other.public_key(), &relabelled),
            Err(NoticeError::SignatureMismatch)
        );
        // A signature by another key, labelled with the department's key id.
        let mut swapped = other.sign(&signed.notice)?;
        swapped.key_id = signed.key_id.clone();
        assert_eq!(
            verify_notice(&NoticeSigner::from_seed([42; 32]).public_key(), &swapped),
            Err(NoticeError::SignatureMismatch)
        );
        Ok(())
    }

    #[test]
    fn malformed_signatures_are_errors() -> TestResult {
        let signer = NoticeSigner::from_seed([42; 32]);
        let signed = signer.sign(&notice()?)?;
        for bad in [
            String::new(),
            "00".to_owned(),
            "zz".repeat(64),
            "0".repeat(127),
            "0".repeat(129),
            "é".repeat(64),
            format!("{} ", &signed.signature[..127]),
        ] {
            let mut forged = signed.clone();
            forged.signature = bad.clone();
            assert_eq!(
                verify_notice(&signer.public_key(), &forged),
                Err(NoticeError::BadSignatureText { value: bad })
            );
        }
        // Well-formed but wrong: all zeros.
        let mut zeros = signed.clone();
        zeros.signature = "0".repeat(128);
        assert_eq!(
            verify_notice(&signer.public_key(), &zeros),
            Err(NoticeError::SignatureMismatch)
        );
        assert!(parse_public_key("abc").is_err());
        assert!(verify_notice_json(&signer.public_key(), "{not json").is_err());
        assert!(verify_notice_json(&signer.public_key(), "").is_err());
        Ok(())
    }

    #[test]
    fn signed_notice_serde_round_trip() -> TestResult {
        let signer = NoticeSigner::from_seed([42; 32]);
        let signed = signer.sign(&notice()?)?;
        let json = signed.to_json()?;
        assert_eq!(SignedNotice::from_json(&json)?, signed);
        assert!(json.contains("\"settled_on\":\"2026-11-28\""));
        assert!(json.contains("\"amount\":\"1234.50\""));
        assert_eq!(
            verify_notice_json(&signer.public_key(), &json)?,
            signed.notice
        );
        // An extra, unsigned field is refused rather than shown.
        let extra = json.replacen("{", "{\"note\":\"call 400-000\",", 1);
        assert!(matches!(
            verify_notice_json(&signer.public_key(), &extra),
            Err(NoticeError::BadJson { .. })
        ));
        let tampered = json.replace("1234.50", "9234.50");
        assert_eq!(
            verify_notice_json(&signer.public_key(), &tampered),
            Err(NoticeError::SignatureMismatch)
        );
        Ok(())
    }

    /// The test vector of docs/notice-format.md.
    #[test]
    fn test_vector() -> TestResult {
        let mut seed = [0u8; 32];
        for (i, byte) in seed.iter_mut().enumerate() {
            *byte = i as u8;
        }
        let notice = PaymentNotice {
            notice_id: "6F1C2A3B4D5E6F708192A3B4C5D6E7F8-01".to_owned(),
            payment_id: PaymentId::parse("6F1C2A3B4D5E6F708192A3B4C5D6E7F8")?,
            project_code: "GDDL".to_owned(),
            project_name: "耕地地力保护补贴".to_owned(),
            period: Period::parse("2026")?,
            amount: Amount::parse("1234.50")?,
            settled_on: date!(2026 - 11 - 28),
            payee_name: "张*丰".to_owned(),
            payee_id: "110105********002X".to_owned(),
            account_tail: "0018".to_owned(),
            department: "某某旗财政局".to_owned(),
            hotline: "12345".to_owned(),
        };
        let canonical = "yikatong-notice-v1\n\
            notice_id=6F1C2A3B4D5E6F708192A3B4C5D6E7F8-01\n\
            payment_id=6F1C2A3B4D5E6F708192A3B4C5D6E7F8\n\
            project_code=GDDL\n\
            project_name=耕地地力保护补贴\n\
            period=2026\n\
            amount=1234.50\n\
            settled_on=2026-11-28\n\
            payee_name=张*丰\n\
            payee_id=110105********002X\n\
            account_tail=0018\n\
            department=某某旗财政局\n\
            hotline=12345\n";
        assert_eq!(notice.canonical_bytes()?, canonical.as_bytes());
        let signer = NoticeSigner::from_seed(seed);
        let signed = signer.sign(&notice)?;
        assert_eq!(
            crate::sha256_hex(canonical.as_bytes()),
            "29e1ef50cd883604cb154e99d8d4815ef43699b526ac3f6c73c9f94063055b1f"
        );
        assert_eq!(canonical.len(), 323);
        assert_eq!(
            signer.public_key_hex(),
            "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        );
        assert_eq!(signed.key_id, "56475aa75463474c");
        // Ed25519 is deterministic: the same key and bytes always give this signature.
        assert_eq!(
            signed.signature,
            "f8c36eefb6db1e54bc39a5639a6a72ee94ed5ae309ce67844e364b0cdd1fc83d\
             30966ca3c74a8bf2c327419c752da88a4cc6daa2cd1fb6543e40046f85e4730c"
        );
        verify_notice(&signer.public_key(), &signed)?;
        Ok(())
    }

    fn text() -> impl Strategy<Value = String> {
        "\\PC{1,16}"
    }

    prop_compose! {
        fn arb_notice()(
            id in any::<[u8; 16]>(),
            attempt in 1u8..=99,
            project_code in "[A-Z0-9]{1,8}",
            project_name in text(),
            period in crate::period::strategy::period(),
            fen in 0i64..=99_999_999_999_999,
            day in crate::period::strategy::date_in_range(),
            payee_name in text(),
            id_head in "[0-9]{6}",
            id_tail in "[0-9]{3}[0-9X]",
            account_tail in "[0-9]{4}",
            department in text(),
            hotline in "[0-9-]{3,13}",
        ) -> std::result::Result<PaymentNotice, crate::Error> {
            let payment_id = PaymentId::from_bytes(id);
            Ok(PaymentNotice {
                notice_id: payment_id.instruction_id(attempt).to_string(),
                payment_id,
                project_code,
                project_name,
                period,
                amount: Amount::from_fen(fen)?,
                settled_on: day,
                payee_name,
                payee_id: format!("{id_head}********{id_tail}"),
                account_tail,
                department,
                hotline,
            })
        }
    }

    proptest! {
        #[test]
        fn sign_verify_round_trip_and_byte_flips_fail(
            notice in arb_notice(),
            seed in any::<[u8; 32]>(),
            position in any::<proptest::sample::Index>(),
            bit in 0u8..8,
        ) {
            let notice = notice?;
            let signer = NoticeSigner::from_seed(seed);
            let signed = signer.sign(&notice)?;
            prop_assert_eq!(verify_notice(&signer.public_key(), &signed), Ok(()));
            let json = signed.to_json()?;
            prop_assert_eq!(SignedNotice::from_json(&json)?, signed.clone());

            let mut bytes = notice.canonical_bytes()?;
            let at = position.index(bytes.len());
            bytes[at] ^= 1 << bit;
            prop_assert_eq!(
                verify_bytes(&signer.public_key(), &bytes, &signed.signature),
                Err(NoticeError::SignatureMismatch)
            );
        }

        #[test]
        fn template_parser_never_panics(source in "\\PC{0,40}") {
            if let Ok(template) = SmsTemplate::parse(&source) {
                prop_assert_eq!(template.as_str(), source.as_str());
            }
        }

        #[test]
        fn signature_text_never_panics(text in "\\PC{0,140}") {
            let signer = NoticeSigner::from_seed([5; 32]);
            let notice = notice().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut signed = signer.sign(&notice)?;
            signed.signature = text;
            prop_assert!(verify_notice(&signer.public_key(), &signed).is_err());
        }
    }
}
