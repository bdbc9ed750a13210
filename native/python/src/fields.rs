//! Strictly typed reads of dict entries (config and policies): a wrong type names the key.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};

use crate::errors::{invalid_arg, text_of, utf8, Brief};

/// Where an entry comes from, for messages: "config", "policy", "meta", ...
#[derive(Clone, Copy)]
pub struct Entry<'a, 'py> {
    pub context: &'a str,
    pub key: &'a str,
    pub value: &'a Bound<'py, PyAny>,
}

impl Entry<'_, '_> {
    fn wrong(&self, expected: &str) -> PyErr {
        invalid_arg(
            self.value.py(),
            format!(
                "{} key {:?} must be {expected}, got {:.80}",
                self.context,
                self.key,
                Brief(self.value)
            ),
        )
    }

    pub fn int(&self) -> PyResult<i64> {
        if self.value.is_instance_of::<PyBool>() || !self.value.is_instance_of::<PyInt>() {
            return Err(self.wrong("an int"));
        }
        self.value
            .extract::<i64>()
            .map_err(|_| self.wrong("a 64-bit int"))
    }

    pub fn int_in(&self, low: i64, high: i64) -> PyResult<i64> {
        let n = self.int()?;
        if (low..=high).contains(&n) {
            Ok(n)
        } else {
            Err(self.wrong(&format!("an int between {low} and {high}")))
        }
    }

    pub fn u32(&self) -> PyResult<u32> {
        Ok(u32::try_from(self.int_in(0, i64::from(u32::MAX))?).unwrap_or(u32::MAX))
    }

    pub fn usize(&self) -> PyResult<usize> {
        Ok(usize::try_from(self.int_in(0, i64::from(u32::MAX))?).unwrap_or(usize::MAX))
    }

    pub fn bool(&self) -> PyResult<bool> {
        self.value
            .cast::<PyBool>()
            .map(|b| b.is_true())
            .map_err(|_| self.wrong("a bool"))
    }

    pub fn string(&self) -> PyResult<String> {
        let what = format!("{} key {:?}", self.context, self.key);
        text_of(self.value, &what, "a str").map(str::to_owned)
    }

    pub fn unknown(&self, known: &[&str]) -> PyErr {
        invalid_arg(
            self.value.py(),
            format!(
                "unknown {} key {:?} (value {:.80}); known keys: {}",
                self.context,
                self.key,
                Brief(self.value),
                known.join(", ")
            ),
        )
    }
}

/// Calls `apply` for every entry of an optional dict whose keys must be str.
pub fn for_each_entry<'py>(
    context: &str,
    dict: Option<&Bound<'py, PyAny>>,
    mut apply: impl FnMut(Entry<'_, 'py>) -> PyResult<()>,
) -> PyResult<()> {
    let Some(dict) = dict.filter(|d| !d.is_none()) else {
        return Ok(());
    };
    let py = dict.py();
    let dict = dict.cast::<PyDict>().map_err(|_| {
        invalid_arg(
            py,
            format!(
                "{context} must be a dict, got {dict:.80}",
                dict = Brief(dict)
            ),
        )
    })?;
    for (key, value) in dict.iter() {
        let key = key
            .cast::<PyString>()
            .map_err(|_| {
                invalid_arg(
                    py,
                    format!(
                        "{context} keys must be str, got {key:.80}",
                        key = Brief(&key)
                    ),
                )
            })
            .and_then(|text| utf8(text, &format!("{context} key")))?
            .to_owned();
        apply(Entry {
            context,
            key: &key,
            value: &value,
        })?;
    }
    Ok(())
}
