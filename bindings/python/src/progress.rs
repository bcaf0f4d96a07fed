//! Progress callbacks: a Python callable told `(step, done, total)` while long work
//! runs without the GIL.

use std::sync::{Mutex, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::type_name;

/// A Python progress callback, or none. The first exception it raises is kept and
/// raised when the work is done (the work itself is not interrupted); later reports
/// are skipped.
#[derive(Debug)]
pub(crate) struct PyProgress {
    callback: Option<Py<PyAny>>,
    failed: Mutex<Option<PyErr>>,
}

impl PyProgress {
    /// Checks that `callback` can be called.
    pub(crate) fn new(callback: Option<Bound<'_, PyAny>>) -> PyResult<PyProgress> {
        if let Some(callback) = &callback
            && !callback.is_callable()
        {
            return Err(PyTypeError::new_err(format!(
                "progress must be a callable taking (step: str, done: int, total: int), got {}",
                type_name(&callback.as_borrowed())
            )));
        }
        Ok(PyProgress {
            callback: callback.map(Bound::unbind),
            failed: Mutex::new(None),
        })
    }

    /// Raises what the callback raised, if anything.
    pub(crate) fn finish(self) -> PyResult<()> {
        match self
            .failed
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl yikatong::Progress for PyProgress {
    fn report(&self, step: &str, done: u64, total: u64) {
        let Some(callback) = &self.callback else {
            return;
        };
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        if failed.is_some() {
            return;
        }
        // Held while calling, so reports from several threads arrive one at a time.
        Python::attach(|py| {
            if let Err(error) = callback.call1(py, (step, done, total)) {
                *failed = Some(error);
            }
        });
    }
}
