//! `Store`: the journal on an embedded SQLite file, with its read models.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The event journal on an embedded SQLite file (or in memory), and the state it
/// replays to. Use it as a context manager: `with Store.open("yikatong.sqlite") as
/// store:` closes the file at the end of the block.
#[pyclass(module = "yikatong._native", frozen)]
#[derive(Debug)]
pub struct Store {
    // `None` once closed. A mutex: SQLite connections are not shared between threads.
    inner: Mutex<Option<yikatong::store::Store>>,
    path: Option<PathBuf>,
}

impl Store {
    /// Runs `f` on the open store; raises `ValueError` once it is closed.
    // The core changes the store all or nothing, so a poisoned lock still guards a
    // whole store.
    pub(crate) fn with_core<R>(
        &self,
        f: impl FnOnce(&mut yikatong::store::Store) -> PyResult<R>,
    ) -> PyResult<R> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(store) => f(store),
            None => Err(PyValueError::new_err(
                "the store is closed: open it again with Store.open(path)",
            )),
        }
    }

    fn wrap(store: yikatong::store::Store, path: Option<PathBuf>) -> Store {
        Store {
            inner: Mutex::new(Some(store)),
            path,
        }
    }
}

#[pymethods]
impl Store {
    /// Opens (or creates) the store in a SQLite file and replays its journal.
    #[classmethod]
    fn open(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Store> {
        let store = py.detach(|| yikatong::store::Store::open(&path));
        let store = store.map_err(crate::error::store_error)?;
        Ok(Store::wrap(store, Some(path)))
    }

    /// A store in memory, gone when closed (for tests and trials).
    #[classmethod]
    fn in_memory(_cls: &Bound<'_, PyType>) -> PyResult<Store> {
        let store = yikatong::store::Store::open_in_memory().map_err(crate::error::store_error)?;
        Ok(Store::wrap(store, None))
    }

    /// The file, or `None` in memory.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Closes the file. Every write was committed when its command returned, so
    /// nothing is lost; closing twice does nothing.
    fn close(&self) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        _exc_type: Option<Bound<'_, PyAny>>,
        _exc: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        self.close();
        false
    }

    fn __repr__(&self) -> PyResult<String> {
        let place = self.path.as_ref().map_or_else(
            || "in memory".to_owned(),
            |path| format!("{:?}", path.display().to_string()),
        );
        if self.closed() {
            return Ok(format!("Store({place}, closed)"));
        }
        self.with_core(|store| {
            let head = store.head();
            Ok(format!("Store({place}, {} events)", head.seq))
        })
    }
}
