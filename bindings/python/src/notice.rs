//! `PaymentNotice`, `SmsTemplate`, `SmsText`, `LongSms`, `NoticeSigner`, `SignedNotice`,
//! `verify_notice` and `verify_notice_json`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rust_decimal::Decimal;
use time::Date;

use crate::amount::Amount;
use crate::convert::{CivilDate, type_name};
use crate::error::{NoticeResult, PyNoticeError, PyYikatongError, invalid_notice_key};
use crate::period::{Period, PeriodKind};

/// A period argument: a `Period` or a `str` (read as `Period(text)` reads it).
pub(crate) struct PeriodArg(pub(crate) yikatong::Period);

impl<'a, 'py> FromPyObject<'a, 'py> for PeriodArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(period) = obj.cast::<Period>() {
            return Ok(Self(period.get().0));
        }
        if let Ok(text) = obj.cast::<PyString>() {
            let period = yikatong::Period::parse(&text.to_cow()?).map_err(PyYikatongError)?;
            return Ok(Self(period));
        }
        Err(PyTypeError::new_err(format!(
            "expected a Period or str for a period, got {}",
            type_name(&obj)
        )))
    }
}

/// A department's public key: 32 `bytes`, or a `str` of 64 hex digits as published.
/// Either is checked by the core to be a valid Ed25519 key, so a broken key in the
/// app's settings raises `InvalidNoticeKey` instead of passing for a forged notice.
pub(crate) struct PublicKeyArg(pub(crate) [u8; 32]);

impl<'a, 'py> FromPyObject<'a, 'py> for PublicKeyArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let hex = if let Ok(bytes) = obj.cast::<PyBytes>() {
            let bytes = bytes.as_bytes();
            if bytes.len() != 32 {
                return Err(PyNoticeError(yikatong::NoticeError::BadPublicKey {
                    value: yikatong::lower_hex(bytes),
                    detail: format!("{} bytes; an Ed25519 public key has 32", bytes.len()),
                })
                .into());
            }
            yikatong::lower_hex(bytes)
        } else if let Ok(text) = obj.cast::<PyString>() {
            text.to_cow()?.into_owned()
        } else {
            return Err(PyTypeError::new_err(format!(
                "expected bytes (32) or a str of 64 hex digits for a public key, got {}",
                type_name(&obj)
            )));
        };
        Ok(Self(
            yikatong::notice::parse_public_key(&hex).map_err(PyNoticeError)?,
        ))
    }
}

/// One settled payment as the beneficiary is told about it; personal data is masked.
///
/// Built with keyword arguments, all required: `notice_id` ("<payment id>-<attempt>"),
/// `payment_id` (32 hex digits), `project_code`, `project_name`, `period` (a `Period`
/// or `str`), `amount` (money: `str`, `Decimal`, `int` or `Amount`, never a float),
/// `settled_on` (a `datetime.date`), `payee_name` (masked, 张*丰), `payee_id` (masked,
/// 110105********002X), `account_tail` (4 digits), `department` and `hotline`. Raises
/// `InvalidNotice` for a notice that could not be signed (an empty or multi-line
/// field, an unmasked ID number, a bad account tail).
#[pyclass(module = "yikatong._native", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentNotice(pub(crate) yikatong::PaymentNotice);

#[pymethods]
impl PaymentNotice {
    #[new]
    #[pyo3(signature = (
        *,
        notice_id,
        payment_id,
        project_code,
        project_name,
        period,
        amount,
        settled_on,
        payee_name,
        payee_id,
        account_tail,
        department,
        hotline,
    ))]
    #[allow(
        clippy::too_many_arguments,
        reason = "keyword arguments mirroring the fields"
    )]
    fn new(
        notice_id: String,
        payment_id: &str,
        project_code: String,
        project_name: String,
        period: PeriodArg,
        amount: &Bound<'_, PyAny>,
        settled_on: CivilDate,
        payee_name: String,
        payee_id: String,
        account_tail: String,
        department: String,
        hotline: String,
    ) -> PyResult<Self> {
        let notice = yikatong::PaymentNotice {
            notice_id,
            payment_id: yikatong::PaymentId::parse(payment_id).map_err(PyYikatongError)?,
            project_code,
            project_name,
            period: period.0,
            amount: Amount::from_python(amount)?.0,
            settled_on: settled_on.0,
            payee_name,
            payee_id,
            account_tail,
            department,
            hotline,
        };
        notice.validate().map_err(PyNoticeError)?;
        Ok(Self(notice))
    }

    /// The notice's id: the instruction id of the attempt that settled, "<payment id>-<attempt>".
    #[getter]
    fn notice_id(&self) -> &str {
        &self.0.notice_id
    }

    /// The payment, as 32 upper-case hex digits.
    #[getter]
    fn payment_id(&self) -> String {
        self.0.payment_id.to_string()
    }

    /// The project's code, e.g. "GDDL".
    #[getter]
    fn project_code(&self) -> &str {
        &self.0.project_code
    }

    /// The project's name, e.g. 耕地地力保护补贴.
    #[getter]
    fn project_name(&self) -> &str {
        &self.0.project_name
    }

    /// The period paid.
    #[getter]
    fn period(&self) -> Period {
        Period(self.0.period)
    }

    /// The amount paid in yuan, as a `decimal.Decimal` with two decimals.
    #[getter]
    fn amount(&self) -> Decimal {
        self.0.amount.as_decimal()
    }

    /// The day the bank settled the payment.
    #[getter]
    fn settled_on(&self) -> Date {
        self.0.settled_on
    }

    /// The payee's name, masked (张*丰).
    #[getter]
    fn payee_name(&self) -> &str {
        &self.0.payee_name
    }

    /// The payee's ID number, masked (110105********002X).
    #[getter]
    fn payee_id(&self) -> &str {
        &self.0.payee_id
    }

    /// The last four digits of the account paid onto.
    #[getter]
    fn account_tail(&self) -> &str {
        &self.0.account_tail
    }

    /// The issuing department, e.g. 某某旗财政局.
    #[getter]
    fn department(&self) -> &str {
        &self.0.department
    }

    /// The hotline to call with questions, e.g. "12345".
    #[getter]
    fn hotline(&self) -> &str {
        &self.0.hotline
    }

    /// The text that is signed: the `yikatong-notice-v1` encoding, one "key=value" line
    /// per field, each ending in "\n". Raises `InvalidNotice` when it cannot be encoded.
    fn to_canonical(&self) -> NoticeResult<String> {
        let bytes = self.0.canonical_bytes()?;
        // The encoding is built from `str`s, so it is always UTF-8.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The bytes that are signed: `to_canonical()` in UTF-8.
    fn canonical_bytes<'py>(&self, py: Python<'py>) -> NoticeResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.0.canonical_bytes()?))
    }

    fn __repr__(&self) -> String {
        format!(
            "PaymentNotice(notice_id='{}', project_code='{}', period='{}', amount='{}', settled_on={}, account_tail='{}')",
            self.0.notice_id,
            self.0.project_code,
            self.0.period,
            self.0.amount,
            self.0.settled_on,
            self.0.account_tail
        )
    }
}

/// A rendered SMS and how long it is.
///
/// `SmsText(text)` measures any text. `units` is the length as the network counts it
/// (UTF-16 code units); one SMS with Chinese text holds 70, and a longer one goes out
/// in segments of 67.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText(pub(crate) yikatong::SmsText);

#[pymethods]
impl SmsText {
    #[new]
    fn new(text: String) -> Self {
        Self(yikatong::SmsText::new(text))
    }

    /// Characters one SMS holds when it contains Chinese: 70.
    #[classattr]
    const SINGLE_SMS_CHARS: usize = yikatong::notice::SINGLE_SMS_CHARS;

    /// Characters per segment once a Chinese SMS is split: 67.
    #[classattr]
    const SEGMENT_CHARS: usize = yikatong::notice::SEGMENT_CHARS;

    /// The message.
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }

    /// Its length in characters (code points).
    #[getter]
    fn chars(&self) -> usize {
        self.0.chars
    }

    /// Its length as the network counts it: UTF-16 code units (a character outside the
    /// Basic Multilingual Plane counts twice).
    #[getter]
    fn units(&self) -> usize {
        self.0.units
    }

    /// How many messages it goes out as: 1 up to 70 units, else one per 67.
    #[getter]
    fn segments(&self) -> usize {
        self.0.segments
    }

    /// Whether it fits one SMS (at most 70 units).
    #[getter]
    fn fits_single(&self) -> bool {
        self.0.fits_single
    }

    fn __str__(&self) -> &str {
        &self.0.text
    }

    fn __repr__(&self) -> String {
        format!(
            "SmsText({:?}, units={}, segments={})",
            self.0.text, self.0.units, self.0.segments
        )
    }
}

/// A notice whose SMS does not fit one message, from `SmsTemplate.over_limit`.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongSms(yikatong::LongSms);

#[pymethods]
impl LongSms {
    /// The notice.
    #[getter]
    fn notice_id(&self) -> &str {
        &self.0.notice_id
    }

    /// The text that is too long.
    #[getter]
    fn sms(&self) -> SmsText {
        SmsText(self.0.sms.clone())
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "<LongSms {}: {} units, {} messages>",
            self.0.notice_id, self.0.sms.units, self.0.sms.segments
        )
    }
}

/// A project's SMS wording with `{placeholder}` slots: `{project}`, `{period}`,
/// `{amount}`, `{date}`, `{account_tail}`, `{hotline}`, `{department}`.
///
/// `SmsTemplate(text)` raises `InvalidSmsTemplate` for an empty template, an unknown
/// placeholder, an unclosed "{" or a lone "}"; the message and `position` give the
/// character (from 1) where the problem starts.
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsTemplate(yikatong::SmsTemplate);

#[pymethods]
impl SmsTemplate {
    #[new]
    fn new(text: &str) -> NoticeResult<Self> {
        Ok(Self(yikatong::SmsTemplate::parse(text)?))
    }

    /// The template as written.
    #[getter]
    fn text(&self) -> &str {
        self.0.as_str()
    }

    /// The placeholders used, by name, in order of appearance (repeats included).
    fn placeholders(&self) -> Vec<&'static str> {
        self.0.placeholders().map(|p| p.name()).collect()
    }

    /// The SMS for `notice`, measured.
    fn render(&self, notice: &PaymentNotice) -> SmsText {
        SmsText(self.0.render(&notice.0))
    }

    /// The notices (any iterable of `PaymentNotice`) whose SMS does not fit one
    /// message, in the order given.
    fn over_limit(&self, notices: &Bound<'_, PyAny>) -> PyResult<Vec<LongSms>> {
        let notices = notices
            .try_iter()?
            .map(|item| item.and_then(|item| Ok(item.cast::<PaymentNotice>()?.get().0.clone())))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self
            .0
            .over_limit(&notices)
            .into_iter()
            .map(LongSms)
            .collect())
    }

    /// The longest SMS the template can produce for a project: the project's name,
    /// department and hotline, the longest label of `period_kind`, `max_amount` (money,
    /// never a float), a two-digit month and day. Raises `SmsTooLong` saying by how
    /// many characters it is over when that does not fit one SMS.
    #[pyo3(signature = (*, project_name, department, hotline, period_kind, max_amount))]
    fn check_worst_case(
        &self,
        project_name: &str,
        department: &str,
        hotline: &str,
        period_kind: PeriodKind,
        max_amount: &Bound<'_, PyAny>,
    ) -> PyResult<SmsText> {
        let worst = yikatong::SmsWorstCase {
            project_name,
            department,
            hotline,
            period_kind: period_kind.into(),
            max_amount: Amount::from_python(max_amount)?.0,
        };
        Ok(SmsText(
            self.0.check_worst_case(&worst).map_err(PyNoticeError)?,
        ))
    }

    fn __str__(&self) -> &str {
        self.0.as_str()
    }

    fn __repr__(&self) -> String {
        format!("SmsTemplate({:?})", self.0.as_str())
    }
}

/// A notice with the department's Ed25519 signature over its canonical encoding.
///
/// Got from `NoticeSigner.sign` or `SignedNotice.from_json`; `SignedNotice(notice=...,
/// signature=..., key_id=...)` puts one together (nothing is checked until
/// `verify_notice`).
#[pyclass(module = "yikatong._native", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNotice(yikatong::SignedNotice);

#[pymethods]
impl SignedNotice {
    #[new]
    #[pyo3(signature = (*, notice, signature, key_id))]
    fn new(notice: &PaymentNotice, signature: String, key_id: String) -> Self {
        Self(yikatong::SignedNotice {
            notice: notice.0.clone(),
            signature,
            key_id,
        })
    }

    /// Reads a signed notice from JSON (does not verify it: see `verify_notice_json`).
    /// Raises `InvalidNotice` for JSON that is not a signed notice, or has extra fields.
    #[staticmethod]
    fn from_json(text: &str) -> NoticeResult<Self> {
        Ok(Self(yikatong::SignedNotice::from_json(text)?))
    }

    /// The notice.
    #[getter]
    fn notice(&self) -> PaymentNotice {
        PaymentNotice(self.0.notice.clone())
    }

    /// The signature as 128 lower-case hex digits, as in the JSON.
    #[getter]
    fn signature(&self) -> &str {
        &self.0.signature
    }

    /// The signing key's id: 16 lower-case hex digits (a hint, not signed).
    #[getter]
    fn key_id(&self) -> &str {
        &self.0.key_id
    }

    /// The signature's 64 bytes. Raises `NoticeForged` when the text is not 128 hex digits.
    fn signature_bytes<'py>(&self, py: Python<'py>) -> NoticeResult<Bound<'py, PyBytes>> {
        let bytes = hex_bytes(&self.0.signature)
            .filter(|bytes| bytes.len() == 64)
            .ok_or_else(|| yikatong::NoticeError::BadSignatureText {
                value: self.0.signature.clone(),
            })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The signed notice as JSON, for the app.
    fn to_json(&self) -> NoticeResult<String> {
        Ok(self.0.to_json()?)
    }

    fn __repr__(&self) -> String {
        format!(
            "SignedNotice(notice_id='{}', key_id='{}')",
            self.0.notice.notice_id, self.0.key_id
        )
    }
}

/// Hex digits (either case) as bytes; `None` for anything else (a sign, a space, an
/// odd count), as the core reads a signature.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    let digit = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    digits
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

/// A department's notice-signing key.
///
/// `NoticeSigner.from_seed(seed)` takes the 32-byte Ed25519 secret key (RFC 8032);
/// where it comes from (an HSM, a key file) is the caller's business. The secret is
/// never shown, not even in `repr`.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug, Clone)]
pub struct NoticeSigner(yikatong::NoticeSigner);

#[pymethods]
impl NoticeSigner {
    /// The signer whose secret key is `seed`: `bytes` of length 32. Raises
    /// `InvalidNoticeKey` naming the length for any other length.
    #[staticmethod]
    fn from_seed(seed: &Bound<'_, PyAny>) -> PyResult<Self> {
        let Ok(bytes) = seed.cast::<PyBytes>() else {
            return Err(PyTypeError::new_err(format!(
                "expected bytes (32) for a seed, got {}",
                type_name(&seed.as_borrowed())
            )));
        };
        let bytes = bytes.as_bytes();
        let seed: [u8; 32] = bytes.try_into().map_err(|_| {
            invalid_notice_key(
                format!(
                    "the seed has {} bytes; an Ed25519 seed (secret key) has exactly 32",
                    bytes.len()
                ),
                "an Ed25519 seed has 32 bytes".to_owned(),
            )
        })?;
        Ok(Self(yikatong::NoticeSigner::from_seed(seed)))
    }

    /// The public key to publish and put in the app: 32 bytes.
    #[getter]
    fn public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.public_key())
    }

    /// The public key as 64 lower-case hex digits.
    #[getter]
    fn public_key_hex(&self) -> String {
        self.0.public_key_hex()
    }

    /// The key's id: the first 8 bytes of the SHA-256 of the public key, as 16 hex digits.
    #[getter]
    fn key_id(&self) -> String {
        self.0.key_id()
    }

    /// Signs `notice`'s canonical encoding. Raises `InvalidNotice` when it cannot be encoded.
    fn sign(&self, notice: &PaymentNotice) -> NoticeResult<SignedNotice> {
        Ok(SignedNotice(self.0.sign(&notice.0)?))
    }

    fn __repr__(&self) -> String {
        // The core's Debug shows only the key id, never the secret.
        format!("<{:?}>", self.0)
    }
}

/// Checks that `signed` was signed with the secret key of `public_key` (32 `bytes` or
/// 64 hex digits) and not changed since. Returns `None` when it is genuine; raises
/// `NoticeForged` when the signature does not match or is malformed, `WrongNoticeKey`
/// (a `NoticeForged`) when the notice names another key, `InvalidNotice` for a notice
/// that could never have been signed and `InvalidNoticeKey` for a malformed key.
#[pyfunction]
pub(crate) fn verify_notice(public_key: PublicKeyArg, signed: &SignedNotice) -> NoticeResult<()> {
    Ok(yikatong::verify_notice(&public_key.0, &signed.0)?)
}

/// Reads a signed notice from JSON and verifies it as `verify_notice` does; returns the
/// notice when it is genuine. JSON that is not a signed notice (or has a field more)
/// raises `InvalidNotice`.
#[pyfunction]
pub(crate) fn verify_notice_json(
    public_key: PublicKeyArg,
    text: &str,
) -> NoticeResult<PaymentNotice> {
    Ok(PaymentNotice(yikatong::verify_notice_json(
        &public_key.0,
        text,
    )?))
}
