//! Text encodings of CSV files: UTF-8 (with or without a byte order mark) and GBK,
//! the encoding Excel and WPS use for "CSV" on Chinese Windows.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{DecoderResult, EncoderResult, GBK};

use crate::FormatError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to read the text of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InputEncoding {
    /// A UTF-8 byte order mark means UTF-8; valid UTF-8 is UTF-8; anything else is
    /// read as GBK and must be valid GBK.
    #[default]
    Detect,
    /// UTF-8; a byte order mark is skipped.
    Utf8,
    /// GBK (decoded as GB 18030, its superset).
    Gbk,
}

/// The encoding a CSV file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// GBK.
    Gbk,
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK",
        })
    }
}

/// How to write the text of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CsvEncoding {
    /// UTF-8 without a byte order mark (for other programs).
    Utf8,
    /// UTF-8 with a byte order mark: Excel on Windows needs it to read UTF-8.
    #[default]
    Utf8WithBom,
    /// GBK: what older Chinese systems expect. Fails on characters GBK lacks (some
    /// rare Han characters, Mongolian script).
    Gbk,
}

/// Rejects bytes that are plainly some other kind of file, naming what they look like.
pub(crate) fn sniff_not_text(bytes: &[u8]) -> Result<(), FormatError> {
    const MAGIC: &[(&[u8], &str)] = &[
        (
            b"\xD0\xCF\x11\xE0",
            "an old Excel 97-2003 workbook (.xls); save it as .xlsx or CSV",
        ),
        (
            b"PK\x03\x04",
            "an XLSX workbook or another zip archive; read it as XLSX",
        ),
        (b"%PDF", "a PDF document; ask for the roster as CSV or XLSX"),
        (b"\x89PNG", "a PNG image; ask for the roster as CSV or XLSX"),
        (
            b"\xFF\xD8\xFF",
            "a JPEG image; ask for the roster as CSV or XLSX",
        ),
        (b"GIF8", "a GIF image; ask for the roster as CSV or XLSX"),
        (b"Rar!", "a RAR archive; unpack it first"),
        (b"7z\xBC\xAF", "a 7-Zip archive; unpack it first"),
        (
            b"\xFF\xFE",
            "UTF-16 text (Excel's \"Unicode text\"); save it as CSV (UTF-8) instead",
        ),
        (
            b"\xFE\xFF",
            "UTF-16 text (Excel's \"Unicode text\"); save it as CSV (UTF-8) instead",
        ),
    ];
    if let Some((_, looks_like)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Err(FormatError::NotATable {
            looks_like: (*looks_like).to_owned(),
        });
    }
    // Text never holds NUL; binary data almost always does. A vectorised search is
    // cheap next to parsing.
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(FormatError::NotATable {
            looks_like: format!(
                "binary data (a NUL byte at offset {offset}); ask for the roster as CSV or XLSX"
            ),
        });
    }
    Ok(())
}

/// Decodes a whole CSV file once, returning the text (borrowed when it was already
/// UTF-8) without its byte order mark, and the encoding used.
pub(crate) fn decode(
    bytes: &[u8],
    choice: InputEncoding,
) -> Result<(Cow<'_, str>, TextEncoding), FormatError> {
    let has_bom = bytes.starts_with(UTF8_BOM);
    match choice {
        InputEncoding::Utf8 => decode_utf8(bytes).map(|text| (text, TextEncoding::Utf8)),
        InputEncoding::Detect if has_bom => {
            decode_utf8(bytes).map(|text| (text, TextEncoding::Utf8))
        }
        InputEncoding::Detect => match simdutf8::basic::from_utf8(bytes) {
            Ok(text) => Ok((Cow::Borrowed(text), TextEncoding::Utf8)),
            Err(_) => decode_gbk(bytes)
                .map(|text| (text, TextEncoding::Gbk))
                .map_err(|offset| FormatError::NotText {
                    offset,
                    line: line_of(bytes, offset),
                }),
        },
        InputEncoding::Gbk if has_bom => Err(FormatError::BadEncoding {
            encoding: TextEncoding::Gbk,
            offset: 0,
            line: 1,
        }),
        InputEncoding::Gbk => decode_gbk(bytes)
            .map(|text| (text, TextEncoding::Gbk))
            .map_err(|offset| FormatError::BadEncoding {
                encoding: TextEncoding::Gbk,
                offset,
                line: line_of(bytes, offset),
            }),
    }
}

fn decode_utf8(bytes: &[u8]) -> Result<Cow<'_, str>, FormatError> {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    // The vectorised check first; the standard one, which says where, only on failure.
    if let Ok(text) = simdutf8::basic::from_utf8(body) {
        return Ok(Cow::Borrowed(text));
    }
    std::str::from_utf8(body)
        .map(Cow::Borrowed)
        .map_err(|error| {
            let offset = error.valid_up_to() + (bytes.len() - body.len());
            FormatError::BadEncoding {
                encoding: TextEncoding::Utf8,
                offset,
                line: line_of(bytes, offset),
            }
        })
}

/// GBK text, or the offset of the first byte that is not GBK.
fn decode_gbk(bytes: &[u8]) -> Result<Cow<'_, str>, usize> {
    if let Some(text) = GBK.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text);
    }
    // Only on failure: decode again to find where.
    let mut decoder = GBK.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(usize::MAX / 4);
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    Err(match result {
        DecoderResult::Malformed(bad, after) => read
            .saturating_sub(usize::from(bad))
            .saturating_sub(usize::from(after)),
        DecoderResult::InputEmpty | DecoderResult::OutputFull => read,
    })
}

/// One-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    let before = bytes.get(..offset).unwrap_or(bytes);
    1 + before.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Encodes UTF-8 CSV text for writing. `text` does not start with a byte order mark.
pub(crate) fn encode(text: Vec<u8>, encoding: CsvEncoding) -> Result<Vec<u8>, FormatError> {
    match encoding {
        CsvEncoding::Utf8 => Ok(text),
        CsvEncoding::Utf8WithBom => {
            let mut out = Vec::with_capacity(text.len() + UTF8_BOM.len());
            out.extend_from_slice(UTF8_BOM);
            out.extend_from_slice(&text);
            Ok(out)
        }
        CsvEncoding::Gbk => {
            let text = String::from_utf8(text).map_err(|error| FormatError::Write {
                reason: error.to_string(),
            })?;
            encode_gbk(&text)
        }
    }
}

fn encode_gbk(text: &str) -> Result<Vec<u8>, FormatError> {
    let mut encoder = GBK.new_encoder();
    let mut out = Vec::with_capacity(
        encoder
            .max_buffer_length_from_utf8_without_replacement(text.len())
            .unwrap_or(text.len()),
    );
    let mut done = 0;
    loop {
        let rest = text.get(done..).unwrap_or_default();
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        done += read;
        match result {
            EncoderResult::InputEmpty => return Ok(out),
            EncoderResult::OutputFull => out.reserve(rest.len().max(64)),
            EncoderResult::Unmappable(character) => {
                return Err(FormatError::Unencodable {
                    character,
                    line: line_of(text.as_bytes(), done),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bom_utf8_and_gbk() -> Result<(), Box<dyn std::error::Error>> {
        let (text, enc) = decode("\u{feff}身份证号\n".as_bytes(), InputEncoding::Detect)?;
        assert_eq!((text.as_ref(), enc), ("身份证号\n", TextEncoding::Utf8));
        let (gbk, _, _) = GBK.encode("身份证号,姓名\n");
        let (text, enc) = decode(&gbk, InputEncoding::Detect)?;
        assert_eq!((text.as_ref(), enc), ("身份证号,姓名\n", TextEncoding::Gbk));
        Ok(())
    }

    #[test]
    fn bad_gbk_names_the_offset_and_line() {
        // 0x81 is a GBK lead byte; 0x0A cannot trail it.
        let bytes = b"a,b\n\xFF\xFF\x81\n";
        let error = decode(bytes, InputEncoding::Detect).err();
        assert_eq!(error, Some(FormatError::NotText { offset: 4, line: 2 }));
    }

    #[test]
    fn declared_utf8_rejects_gbk_with_offset() {
        let (gbk, _, _) = GBK.encode("ab,姓名");
        let error = decode(&gbk, InputEncoding::Utf8).err();
        assert_eq!(
            error,
            Some(FormatError::BadEncoding {
                encoding: TextEncoding::Utf8,
                offset: 3,
                line: 1
            })
        );
    }

    #[test]
    fn gbk_writing_names_an_unencodable_character() {
        let error = encode("a\nb\nᠮᠣᠩᠭᠣᠯ\n".as_bytes().to_vec(), CsvEncoding::Gbk).err();
        assert_eq!(
            error,
            Some(FormatError::Unencodable {
                character: 'ᠮ',
                line: 3
            })
        );
    }
}
