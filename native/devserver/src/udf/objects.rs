//! The `list`, `map` and `bytes` objects of the server's Lua API, and the conversion of values
//! between the store and Lua.
//!
//! Lists and maps hold Lua values, so that a list put into another stays the same object, as on
//! the server; they become store values when a record is updated or a result returned.

use mlua::{
    AnyUserData, Lua, MetaMethod, MultiValue, Result, Table, UserData, UserDataMethods,
    Value as LuaValue,
};

use crate::value::{map_order, particle, List, Map, Value};

/// Nesting beyond which a value is not converted (a list may hold itself).
const MAX_DEPTH: usize = 64;

pub struct LuaList {
    pub items: Vec<LuaValue>,
}

pub struct LuaMap {
    pub entries: Vec<(LuaValue, LuaValue)>,
}

pub struct LuaBytes {
    pub data: Vec<u8>,
}

/// Lua equality for map keys: numbers by value, strings by content.
fn same_key(a: &LuaValue, b: &LuaValue) -> bool {
    match (a, b) {
        (LuaValue::Integer(x), LuaValue::Number(y))
        | (LuaValue::Number(y), LuaValue::Integer(x)) => (*x as f64) == *y,
        (LuaValue::String(x), LuaValue::String(y)) => x.as_bytes() == y.as_bytes(),
        _ => a == b,
    }
}

impl LuaMap {
    fn position(&self, key: &LuaValue) -> Option<usize> {
        self.entries.iter().position(|(k, _)| same_key(k, key))
    }

    fn get(&self, key: &LuaValue) -> LuaValue {
        self.position(key)
            .map_or(LuaValue::Nil, |i| self.entries[i].1.clone())
    }

    fn set(&mut self, key: LuaValue, value: LuaValue) {
        match (self.position(&key), value) {
            (Some(i), LuaValue::Nil) => {
                self.entries.remove(i);
            }
            (Some(i), value) => self.entries[i].1 = value,
            (None, LuaValue::Nil) => {}
            (None, value) => self.entries.push((key, value)),
        }
    }
}

/// 1-based position `index` of a sequence of `len`, if inside it.
fn slot(index: i64, len: usize) -> Option<usize> {
    usize::try_from(index)
        .ok()
        .filter(|i| (1..=len).contains(i))
        .map(|i| i - 1)
}

impl UserData for LuaList {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |_, this, index: i64| {
            Ok(slot(index, this.items.len()).map_or(LuaValue::Nil, |i| this.items[i].clone()))
        });
        methods.add_meta_method_mut(
            MetaMethod::NewIndex,
            |_, this, (index, value): (i64, LuaValue)| {
                match slot(index, this.items.len()) {
                    Some(i) => this.items[i] = value,
                    None if index >= 1 => {
                        let len = usize::try_from(index).unwrap_or(usize::MAX);
                        this.items.resize(len - 1, LuaValue::Nil);
                        this.items.push(value);
                    }
                    None => return Err(mlua::Error::runtime("list index out of range")),
                }
                Ok(())
            },
        );
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.items.len()));
        methods.add_meta_method(MetaMethod::ToString, |lua, this, ()| {
            let parts = this
                .items
                .iter()
                .map(|v| display(lua, v))
                .collect::<Result<Vec<_>>>()?;
            Ok(format!("List({})", parts.join(", ")))
        });
    }
}

impl UserData for LuaMap {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |_, this, key: LuaValue| {
            Ok(this.get(&key))
        });
        methods.add_meta_method_mut(
            MetaMethod::NewIndex,
            |_, this, (key, value): (LuaValue, LuaValue)| {
                this.set(key, value);
                Ok(())
            },
        );
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.entries.len()));
        methods.add_meta_method(MetaMethod::ToString, |lua, this, ()| {
            let parts = this
                .entries
                .iter()
                .map(|(k, v)| Ok(format!("{}={}", display(lua, k)?, display(lua, v)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(format!("Map({})", parts.join(", ")))
        });
    }
}

impl UserData for LuaBytes {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |_, this, index: i64| {
            Ok(slot(index, this.data.len()).map(|i| this.data[i]))
        });
        methods.add_meta_method_mut(MetaMethod::NewIndex, |_, this, (index, byte): (i64, u8)| {
            set_byte(this, index, byte)
        });
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.data.len()));
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(format!("Bytes({})", this.data.len()))
        });
    }
}

/// Sets a byte; a position past the end grows the bytes, as the server's `bytes` does.
fn set_byte(bytes: &mut LuaBytes, index: i64, byte: u8) -> Result<()> {
    let index = usize::try_from(index)
        .ok()
        .filter(|i| *i >= 1)
        .ok_or_else(|| mlua::Error::runtime("bytes index out of range"))?;
    if index > bytes.data.len() {
        bytes.data.resize(index, 0);
    }
    bytes.data[index - 1] = byte;
    Ok(())
}

fn display(lua: &Lua, value: &LuaValue) -> Result<String> {
    let tostring: mlua::Function = lua.globals().get("tostring")?;
    tostring.call(value.clone())
}

/// A store value as Lua sees it: numbers, strings and booleans as themselves, lists, maps and
/// blobs as the server's objects.
pub fn to_lua(lua: &Lua, value: &Value) -> Result<LuaValue> {
    Ok(match value {
        Value::Nil | Value::Wildcard | Value::Inf => LuaValue::Nil,
        Value::Bool(b) => LuaValue::Boolean(*b),
        Value::Int(i) => LuaValue::Integer(*i),
        Value::Float(f) => LuaValue::Number(*f),
        Value::Str(s) | Value::Geo(s) => LuaValue::String(lua.create_string(s)?),
        Value::Blob(_, data) | Value::Hll(data) => {
            LuaValue::UserData(lua.create_userdata(LuaBytes { data: data.clone() })?)
        }
        Value::List(list) => {
            let items = list
                .items
                .iter()
                .map(|v| to_lua(lua, v))
                .collect::<Result<_>>()?;
            LuaValue::UserData(lua.create_userdata(LuaList { items })?)
        }
        Value::Map(map) => {
            let entries = map
                .entries
                .iter()
                .map(|(k, v)| Ok((to_lua(lua, k)?, to_lua(lua, v)?)))
                .collect::<Result<_>>()?;
            LuaValue::UserData(lua.create_userdata(LuaMap { entries })?)
        }
    })
}

/// A Lua value as the server stores or returns it; what it cannot hold (tables, functions)
/// becomes nil.
pub fn from_lua(value: &LuaValue) -> Value {
    convert(value, 0)
}

fn convert(value: &LuaValue, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Nil;
    }
    match value {
        LuaValue::Boolean(b) => Value::Bool(*b),
        LuaValue::Integer(i) => Value::Int(*i),
        LuaValue::Number(f) => Value::Float(*f),
        LuaValue::String(s) => Value::Str(s.as_bytes().to_vec()),
        LuaValue::UserData(data) => userdata_value(data, depth).unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

fn userdata_value(data: &AnyUserData, depth: usize) -> Option<Value> {
    if let Ok(list) = data.borrow::<LuaList>() {
        let items = list.items.iter().map(|v| convert(v, depth + 1)).collect();
        return Some(Value::List(List {
            items,
            ordered: false,
        }));
    }
    if let Ok(map) = data.borrow::<LuaMap>() {
        let entries = map
            .entries
            .iter()
            .map(|(k, v)| (convert(k, depth + 1), convert(v, depth + 1)))
            .collect();
        return Some(Value::Map(Map {
            entries,
            order: map_order::UNORDERED,
        }));
    }
    if let Ok(bytes) = data.borrow::<LuaBytes>() {
        return Some(Value::Blob(particle::BLOB, bytes.data.clone()));
    }
    None
}

/// The values of a table's pairs, in order for its array part: what `list{...}` and
/// `map{...}` read.
fn table_entries(table: &Table) -> Result<Vec<(LuaValue, LuaValue)>> {
    let mut entries: Vec<(LuaValue, LuaValue)> =
        table.pairs::<LuaValue, LuaValue>().collect::<Result<_>>()?;
    // The array part first, by index: `pairs` does not promise an order.
    entries.sort_by_key(|(k, _)| match k {
        LuaValue::Integer(i) => (0, *i),
        _ => (1, 0),
    });
    Ok(entries)
}

/// Installs the `list`, `map` and `bytes` tables.
pub fn install(lua: &Lua) -> Result<()> {
    let globals = lua.globals();
    globals.set("list", list_table(lua)?)?;
    globals.set("map", map_table(lua)?)?;
    globals.set("bytes", bytes_table(lua)?)?;
    Ok(())
}

/// A table callable as a constructor: `list()`, `list{...}`.
fn callable(lua: &Lua, table: &Table, make: mlua::Function) -> Result<()> {
    let meta = lua.create_table()?;
    meta.set(
        "__call",
        lua.create_function(move |_, (_, args): (LuaValue, MultiValue)| {
            make.call::<LuaValue>(args)
        })?,
    )?;
    table.set_metatable(Some(meta));
    Ok(())
}

fn list_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    let create = lua.create_function(|lua, init: Option<LuaValue>| {
        let items = match init {
            Some(LuaValue::Table(table)) => {
                table_entries(&table)?.into_iter().map(|(_, v)| v).collect()
            }
            _ => Vec::new(),
        };
        lua.create_userdata(LuaList { items })
    })?;
    callable(lua, &t, create.clone())?;
    t.set("create", create)?;
    t.set(
        "size",
        lua.create_function(|_, l: AnyUserData| Ok(l.borrow::<LuaList>()?.items.len()))?,
    )?;
    t.set(
        "append",
        lua.create_function(|_, (l, v): (AnyUserData, LuaValue)| {
            l.borrow_mut::<LuaList>()?.items.push(v);
            Ok(())
        })?,
    )?;
    t.set(
        "prepend",
        lua.create_function(|_, (l, v): (AnyUserData, LuaValue)| {
            l.borrow_mut::<LuaList>()?.items.insert(0, v);
            Ok(())
        })?,
    )?;
    t.set(
        "insert",
        lua.create_function(|_, (l, i, v): (AnyUserData, i64, LuaValue)| {
            let mut list = l.borrow_mut::<LuaList>()?;
            let at = slot(i, list.items.len() + 1)
                .ok_or_else(|| mlua::Error::runtime("list index out of range"))?;
            list.items.insert(at, v);
            Ok(())
        })?,
    )?;
    t.set(
        "remove",
        lua.create_function(|_, (l, i): (AnyUserData, i64)| {
            let mut list = l.borrow_mut::<LuaList>()?;
            Ok(slot(i, list.items.len()).map(|at| list.items.remove(at)))
        })?,
    )?;
    t.set(
        "take",
        lua.create_function(|lua, (l, n): (AnyUserData, usize)| {
            let items = l
                .borrow::<LuaList>()?
                .items
                .iter()
                .take(n)
                .cloned()
                .collect();
            lua.create_userdata(LuaList { items })
        })?,
    )?;
    t.set(
        "drop",
        lua.create_function(|lua, (l, n): (AnyUserData, usize)| {
            let items = l
                .borrow::<LuaList>()?
                .items
                .iter()
                .skip(n)
                .cloned()
                .collect();
            lua.create_userdata(LuaList { items })
        })?,
    )?;
    t.set(
        "trim",
        lua.create_function(|_, (l, n): (AnyUserData, usize)| {
            l.borrow_mut::<LuaList>()?
                .items
                .truncate(n.saturating_sub(1));
            Ok(())
        })?,
    )?;
    t.set(
        "clone",
        lua.create_function(|lua, l: AnyUserData| {
            let items = l.borrow::<LuaList>()?.items.clone();
            lua.create_userdata(LuaList { items })
        })?,
    )?;
    t.set(
        "concat",
        lua.create_function(|_, (l, other): (AnyUserData, AnyUserData)| {
            let extra = other.borrow::<LuaList>()?.items.clone();
            l.borrow_mut::<LuaList>()?.items.extend(extra);
            Ok(())
        })?,
    )?;
    t.set(
        "merge",
        lua.create_function(|lua, (l, other): (AnyUserData, AnyUserData)| {
            let mut items = l.borrow::<LuaList>()?.items.clone();
            items.extend(other.borrow::<LuaList>()?.items.iter().cloned());
            lua.create_userdata(LuaList { items })
        })?,
    )?;
    t.set(
        "iterator",
        lua.create_function(|lua, l: AnyUserData| {
            let items = l.borrow::<LuaList>()?.items.clone();
            let position = std::cell::Cell::new(0);
            lua.create_function(move |_, ()| {
                let at = position.get();
                position.set(at + 1);
                Ok(items.get(at).cloned().unwrap_or(LuaValue::Nil))
            })
        })?,
    )?;
    Ok(t)
}

fn map_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    let create = lua.create_function(|lua, init: Option<LuaValue>| {
        let mut map = LuaMap {
            entries: Vec::new(),
        };
        if let Some(LuaValue::Table(table)) = init {
            for (k, v) in table_entries(&table)? {
                map.set(k, v);
            }
        }
        lua.create_userdata(map)
    })?;
    callable(lua, &t, create.clone())?;
    t.set("create", create)?;
    t.set(
        "size",
        lua.create_function(|_, m: AnyUserData| Ok(m.borrow::<LuaMap>()?.entries.len()))?,
    )?;
    t.set(
        "remove",
        lua.create_function(|_, (m, k): (AnyUserData, LuaValue)| {
            m.borrow_mut::<LuaMap>()?.set(k, LuaValue::Nil);
            Ok(())
        })?,
    )?;
    t.set(
        "clone",
        lua.create_function(|lua, m: AnyUserData| {
            let entries = m.borrow::<LuaMap>()?.entries.clone();
            lua.create_userdata(LuaMap { entries })
        })?,
    )?;
    t.set(
        "merge",
        lua.create_function(
            |lua, (a, b, f): (AnyUserData, AnyUserData, Option<mlua::Function>)| {
                let mut merged = LuaMap {
                    entries: a.borrow::<LuaMap>()?.entries.clone(),
                };
                for (k, v) in b.borrow::<LuaMap>()?.entries.iter().cloned() {
                    let value = match (&f, merged.get(&k)) {
                        (Some(f), old) if !old.is_nil() => f.call((old, v))?,
                        _ => v,
                    };
                    merged.set(k, value);
                }
                lua.create_userdata(merged)
            },
        )?,
    )?;
    t.set(
        "diff",
        lua.create_function(|lua, (a, b): (AnyUserData, AnyUserData)| {
            let a = a.borrow::<LuaMap>()?;
            let b = b.borrow::<LuaMap>()?;
            let mut diff = LuaMap {
                entries: Vec::new(),
            };
            for (k, v) in a.entries.iter().filter(|(k, _)| b.position(k).is_none()) {
                diff.set(k.clone(), v.clone());
            }
            for (k, v) in b.entries.iter().filter(|(k, _)| a.position(k).is_none()) {
                diff.set(k.clone(), v.clone());
            }
            lua.create_userdata(diff)
        })?,
    )?;
    for (name, part) in [("pairs", 0u8), ("iterator", 0), ("keys", 1), ("values", 2)] {
        t.set(
            name,
            lua.create_function(move |lua, m: AnyUserData| {
                let entries = m.borrow::<LuaMap>()?.entries.clone();
                let position = std::cell::Cell::new(0);
                lua.create_function(move |_, ()| {
                    let at = position.get();
                    position.set(at + 1);
                    let Some((k, v)) = entries.get(at).cloned() else {
                        return Ok(MultiValue::new());
                    };
                    Ok(match part {
                        1 => MultiValue::from_iter([k]),
                        2 => MultiValue::from_iter([v]),
                        _ => MultiValue::from_iter([k, v]),
                    })
                })
            })?,
        )?;
    }
    Ok(t)
}

fn bytes_table(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    let create = lua.create_function(|lua, _capacity: Option<usize>| {
        lua.create_userdata(LuaBytes { data: Vec::new() })
    })?;
    callable(lua, &t, create)?;
    t.set(
        "size",
        lua.create_function(|_, b: AnyUserData| Ok(b.borrow::<LuaBytes>()?.data.len()))?,
    )?;
    t.set(
        "set_size",
        lua.create_function(|_, (b, n): (AnyUserData, usize)| {
            b.borrow_mut::<LuaBytes>()?.data.resize(n, 0);
            Ok(true)
        })?,
    )?;
    t.set(
        "get_byte",
        lua.create_function(|_, (b, i): (AnyUserData, i64)| {
            let bytes = b.borrow::<LuaBytes>()?;
            Ok(slot(i, bytes.data.len()).map(|at| bytes.data[at]))
        })?,
    )?;
    t.set(
        "set_byte",
        lua.create_function(|_, (b, i, v): (AnyUserData, i64, u8)| {
            set_byte(&mut *b.borrow_mut::<LuaBytes>()?, i, v)?;
            Ok(true)
        })?,
    )?;
    t.set(
        "append_string",
        lua.create_function(|_, (b, s): (AnyUserData, mlua::String)| {
            b.borrow_mut::<LuaBytes>()?
                .data
                .extend_from_slice(&s.as_bytes());
            Ok(true)
        })?,
    )?;
    t.set(
        "append_bytes",
        lua.create_function(
            |_, (b, other, n): (AnyUserData, AnyUserData, Option<usize>)| {
                let extra = other.borrow::<LuaBytes>()?.data.clone();
                let n = n.unwrap_or(extra.len()).min(extra.len());
                b.borrow_mut::<LuaBytes>()?
                    .data
                    .extend_from_slice(&extra[..n]);
                Ok(true)
            },
        )?,
    )?;
    t.set(
        "get_string",
        lua.create_function(|lua, (b, i, n): (AnyUserData, i64, usize)| {
            let bytes = b.borrow::<LuaBytes>()?;
            match slot(i, bytes.data.len()) {
                Some(at) => {
                    let end = (at + n).min(bytes.data.len());
                    Ok(Some(lua.create_string(&bytes.data[at..end])?))
                }
                None => Ok(None),
            }
        })?,
    )?;
    Ok(t)
}
