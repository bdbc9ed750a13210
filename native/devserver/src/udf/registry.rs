//! The registered UDF modules and the info commands that manage them (`udf-put`, `udf-remove`,
//! `udf-list`, `udf-get`), answered in the real server's words (`udf_cask.c`).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha1::{Digest as _, Sha1};

/// Largest module the server accepts, decoded.
const MAX_CONTENT_LEN: usize = 1024 * 1024;
/// The only UDF language.
const LUA_TYPE: &str = "LUA";

struct Module {
    filename: String,
    /// The base-64 text as the client sent it (what `udf-get` echoes and `udf-list` hashes).
    content64: String,
    source: Vec<u8>,
}

impl Module {
    /// SHA-1 of the module's metadata record, a JSON object, as the server hashes it.
    fn hash(&self) -> String {
        let record = format!(
            "{{\"content64\": \"{}\", \"type\": \"{LUA_TYPE}\", \"name\": \"{}\"}}",
            self.content64, self.filename
        );
        Sha1::digest(record.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The modules of a cluster, in registration order (as `udf-list` lists them).
#[derive(Default)]
pub struct Registry {
    modules: Mutex<Vec<Module>>,
}

impl Registry {
    fn modules(&self) -> MutexGuard<'_, Vec<Module>> {
        self.modules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The source of the module a command names (`name` without `.lua`).
    pub fn source(&self, name: &[u8]) -> Option<Vec<u8>> {
        let filename = [name, b".lua"].concat();
        self.modules()
            .iter()
            .find(|m| m.filename.as_bytes() == filename.as_slice())
            .map(|m| m.source.clone())
    }

    /// `udf-put:filename=<name>;content-len=<len>[;udf-type=LUA];content=<base64>`.
    pub fn put(&self, params: &BTreeMap<&str, &str>) -> String {
        let filename = match params.get("filename") {
            Some(name) if valid_put_name(name) => *name,
            _ => return "error=invalid_filename".to_owned(),
        };
        let Some(len) = params
            .get("content-len")
            .and_then(|len| len.parse::<u32>().ok())
            .filter(|len| len % 4 == 0)
        else {
            return "error=invalid_content_len".to_owned();
        };
        if params.get("udf-type").is_some_and(|t| *t != LUA_TYPE) {
            return "error=invalid_udf_type".to_owned();
        }
        let content64 = match params.get("content") {
            Some(content) if content.len() == len as usize => *content,
            _ => return "error=invalid_content".to_owned(),
        };
        if (len as usize) / 4 * 3 > MAX_CONTENT_LEN {
            return "error=invalid_udf_content_len,>1M".to_owned();
        }
        let source = match BASE64.decode(content64) {
            Ok(source) if !source.is_empty() => source,
            _ => return "error=invalid_base64_content".to_owned(),
        };
        if let Err(error) = super::lua::compile(filename, &source) {
            return format!(
                "error=compile_error;file={filename};line={};message={}",
                error.line,
                BASE64.encode(error.message)
            );
        }
        let module = Module {
            filename: filename.to_owned(),
            content64: content64.to_owned(),
            source,
        };
        let mut modules = self.modules();
        match modules.iter_mut().find(|m| m.filename == filename) {
            Some(slot) => *slot = module,
            None => modules.push(module),
        }
        "ok".to_owned()
    }

    /// `udf-remove:filename=<name>`: removing a module that is not there is also `ok`.
    pub fn remove(&self, params: &BTreeMap<&str, &str>) -> String {
        let Some(filename) = params.get("filename").filter(|f| !f.is_empty()) else {
            return "error=invalid_filename".to_owned();
        };
        self.modules().retain(|m| m.filename != *filename);
        "ok".to_owned()
    }

    /// `udf-list`: `filename=<name>,hash=<sha1>,type=LUA;` per module.
    pub fn list(&self) -> String {
        self.modules()
            .iter()
            .map(|m| format!("filename={},hash={},type={LUA_TYPE};", m.filename, m.hash()))
            .collect()
    }

    /// `udf-get:filename=<name>`: `type=LUA;content=<base64>;`.
    pub fn get(&self, params: &BTreeMap<&str, &str>) -> String {
        let Some(filename) = params.get("filename").filter(|f| !f.is_empty()) else {
            return "error=invalid_filename".to_owned();
        };
        match self.modules().iter().find(|m| m.filename == *filename) {
            Some(m) => format!("type={LUA_TYPE};content={};", m.content64),
            None => "error=not_found".to_owned(),
        }
    }
}

/// A module name needs an extension: a dot that is neither first nor last.
fn valid_put_name(name: &str) -> bool {
    !name.starts_with('.')
        && name
            .find('.')
            .is_some_and(|dot| dot + 1 < name.len() && dot > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_hash_is_the_servers() {
        // Recorded from a real 8.1.2.0 server for `function f(rec) return 1 end\n` as pi.lua.
        let module = Module {
            filename: "pi.lua".to_owned(),
            content64: "ZnVuY3Rpb24gZihyZWMpIHJldHVybiAxIGVuZAo=".to_owned(),
            source: Vec::new(),
        };
        assert_eq!(module.hash(), "6bf60348c0163fd26dff98437c30344ccdeb75d1");
    }

    #[test]
    fn put_names_need_an_extension() {
        assert!(valid_put_name("a.lua"));
        assert!(valid_put_name("a/b.lua"));
        for name in ["a", "a.", ".lua", ""] {
            assert!(!valid_put_name(name), "{name}");
        }
    }
}
