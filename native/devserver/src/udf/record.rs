//! The record a UDF is given and the `aerospike` and `record` tables that act on it.
//!
//! As on the server, bin assignments are held until `aerospike:update(rec)` or
//! `aerospike:create(rec)` applies them; what is never applied is dropped with the call.

use mlua::{
    AnyUserData, Lua, MetaMethod, Result, Table, UserData, UserDataMethods, Value as LuaValue,
};

use super::objects::{from_lua, to_lua, LuaBytes};
use crate::value::Value;

/// What a UDF sees of its record and what it has done to it.
pub struct LuaRecord {
    /// The record exists now (it existed before the call, or `create` made it).
    pub exists: bool,
    /// The stored bins, with every applied update.
    pub bins: Vec<(Vec<u8>, Value)>,
    /// Assignments not applied yet, in order; nil removes the bin.
    pending: Vec<(Vec<u8>, LuaValue)>,
    /// An update or create was applied: the record is written when the call ends.
    pub updated: bool,
    /// `remove` deleted the record.
    pub removed: bool,
    /// TTL asked with `record.set_ttl`.
    pub ttl: Option<u32>,
    /// `record.drop_key` was called.
    pub drop_key: bool,
    pub meta: Meta,
}

/// The record's metadata at the start of the call.
pub struct Meta {
    pub generation: u16,
    /// Seconds left to live; 0 when it never expires or does not exist.
    pub ttl: u32,
    /// Milliseconds since the Citrusleaf epoch.
    pub last_update_ms: u64,
    pub set_name: Vec<u8>,
    pub key: Option<Value>,
    pub digest: [u8; 20],
}

/// `aerospike:update` on a record that does not exist.
const NOT_OPEN: i64 = -2;
/// `aerospike:create` on a record that exists, `aerospike:remove` on one that does not.
const REFUSED: i64 = 1;

impl LuaRecord {
    pub fn new(bins: Option<Vec<(Vec<u8>, Value)>>, meta: Meta) -> LuaRecord {
        LuaRecord {
            exists: bins.is_some(),
            bins: bins.unwrap_or_default(),
            pending: Vec::new(),
            updated: false,
            removed: false,
            ttl: None,
            drop_key: false,
            meta,
        }
    }

    fn get(&self, lua: &Lua, name: &[u8]) -> Result<LuaValue> {
        if let Some((_, value)) = self.pending.iter().rev().find(|(n, _)| n == name) {
            return Ok(value.clone());
        }
        match self.bins.iter().find(|(n, _)| n == name) {
            Some((_, value)) => to_lua(lua, value),
            None => Ok(LuaValue::Nil),
        }
    }

    fn apply_pending(&mut self) {
        for (name, value) in std::mem::take(&mut self.pending) {
            let value = from_lua(&value);
            let at = self.bins.iter().position(|(n, _)| *n == name);
            match (at, value) {
                (Some(at), Value::Nil) => {
                    self.bins.remove(at);
                }
                (Some(at), value) => self.bins[at].1 = value,
                (None, Value::Nil) => {}
                (None, value) => self.bins.push((name, value)),
            }
        }
        self.updated = true;
    }

    fn create(&mut self) -> i64 {
        if self.exists {
            return REFUSED;
        }
        self.exists = true;
        self.apply_pending();
        0
    }

    fn update(&mut self) -> i64 {
        if !self.exists {
            return NOT_OPEN;
        }
        self.apply_pending();
        0
    }

    fn remove(&mut self) -> i64 {
        if !self.exists {
            return REFUSED;
        }
        self.exists = false;
        self.removed = true;
        self.updated = false;
        self.bins.clear();
        self.pending.clear();
        0
    }
}

impl UserData for LuaRecord {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |lua, this, name: mlua::String| {
            this.get(lua, &name.as_bytes())
        });
        methods.add_meta_method_mut(
            MetaMethod::NewIndex,
            |_, this, (name, value): (mlua::String, LuaValue)| {
                this.pending.push((name.as_bytes().to_vec(), value));
                Ok(())
            },
        );
    }
}

/// Installs `aerospike` (called with `:`) and `record`.
pub fn install(lua: &Lua) -> Result<()> {
    let globals = lua.globals();
    globals.set("aerospike", aerospike_table(lua)?)?;
    globals.set("record", record_table(lua)?)?;
    Ok(())
}

fn with_record<R>(rec: &AnyUserData, f: impl FnOnce(&mut LuaRecord) -> R) -> Result<R> {
    Ok(f(&mut *rec.borrow_mut::<LuaRecord>()?))
}

fn aerospike_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "create",
        lua.create_function(|_, (_, rec): (LuaValue, AnyUserData)| {
            with_record(&rec, LuaRecord::create)
        })?,
    )?;
    t.set(
        "update",
        lua.create_function(|_, (_, rec): (LuaValue, AnyUserData)| {
            with_record(&rec, LuaRecord::update)
        })?,
    )?;
    t.set(
        "remove",
        lua.create_function(|_, (_, rec): (LuaValue, AnyUserData)| {
            with_record(&rec, LuaRecord::remove)
        })?,
    )?;
    t.set(
        "exists",
        lua.create_function(|_, (_, rec): (LuaValue, AnyUserData)| {
            with_record(&rec, |r| r.exists)
        })?,
    )?;
    Ok(t)
}

fn record_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "ttl",
        lua.create_function(|_, rec: AnyUserData| {
            with_record(&rec, |r| if r.exists { r.meta.ttl } else { 0 })
        })?,
    )?;
    t.set(
        "gen",
        lua.create_function(|_, rec: AnyUserData| {
            with_record(&rec, |r| if r.exists { r.meta.generation } else { 0 })
        })?,
    )?;
    t.set(
        "last_update_time",
        lua.create_function(|_, rec: AnyUserData| {
            with_record(&rec, |r| if r.exists { r.meta.last_update_ms } else { 0 })
        })?,
    )?;
    t.set(
        "setname",
        lua.create_function(|lua, rec: AnyUserData| {
            let name = with_record(&rec, |r| {
                (r.exists && !r.meta.set_name.is_empty()).then(|| r.meta.set_name.clone())
            })?;
            name.map(|n| lua.create_string(n)).transpose()
        })?,
    )?;
    t.set(
        "key",
        lua.create_function(|lua, rec: AnyUserData| {
            let key = with_record(&rec, |r| r.meta.key.clone().filter(|_| r.exists))?;
            key.map_or(Ok(LuaValue::Nil), |k| to_lua(lua, &k))
        })?,
    )?;
    t.set(
        "digest",
        lua.create_function(|lua, rec: AnyUserData| {
            let digest = with_record(&rec, |r| r.meta.digest)?;
            lua.create_userdata(LuaBytes {
                data: digest.to_vec(),
            })
        })?,
    )?;
    t.set(
        "numbins",
        lua.create_function(|_, rec: AnyUserData| with_record(&rec, |r| r.bins.len()))?,
    )?;
    t.set(
        "bin_names",
        lua.create_function(|lua, rec: AnyUserData| {
            let names = with_record(&rec, |r| {
                r.bins.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
            })?;
            let names = names
                .into_iter()
                .map(|n| lua.create_string(n).map(LuaValue::String))
                .collect::<Result<Vec<_>>>()?;
            lua.create_userdata(super::objects::LuaList { items: names })
        })?,
    )?;
    t.set(
        "set_ttl",
        lua.create_function(|_, (rec, ttl): (AnyUserData, i64)| {
            with_record(&rec, |r| {
                r.ttl = Some(u32::try_from(ttl).unwrap_or(u32::MAX))
            })
        })?,
    )?;
    t.set(
        "drop_key",
        lua.create_function(|_, rec: AnyUserData| with_record(&rec, |r| r.drop_key = true))?,
    )?;
    Ok(t)
}
