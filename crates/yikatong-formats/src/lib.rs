//! Files in and out for yikatong: roster files (CSV in UTF-8 or GBK, XLSX) and
//! publicity lists. (Being written: see issue 4.)
#![forbid(unsafe_code)]
#![deny(missing_docs)]
