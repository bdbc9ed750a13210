//! The Lua 5.4 state a UDF runs in: one per call, with the safe standard libraries, the
//! server's objects, a memory limit and a deadline.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use mlua::{
    HookTriggers, Lua, LuaOptions, MultiValue, StdLib, ThreadStatus, Value as LuaValue, VmState,
};

use super::objects::{self, from_lua, to_lua};
use super::record::{self, LuaRecord};
use crate::value::Value;

/// Where the real server keeps modules by default; Lua names them by path in its messages.
const USER_PATH: &str = "/opt/aerospike/usr/udf/lua";
/// Memory a UDF's Lua state may take.
const MEMORY_LIMIT: usize = 64 * 1024 * 1024;
/// Instructions between deadline checks.
const CHECK_EVERY: u32 = 10_000;

/// Failure strings of the real server.
pub const TIMEOUT: &str = "UDF Execution Timeout";
pub const MODULE_FAILED: &str = "UDF: Execution Error 1";
const NO_FUNCTION: &str = "function not found";
const UNEXPECTED_ERROR_VALUE: &str = "result value type unexpected";

/// A module that does not compile: the line and message of the first error.
pub struct CompileError {
    pub line: u32,
    pub message: String,
}

/// Compiles a module without running it, as `udf-put` validates one.
pub fn compile(filename: &str, source: &[u8]) -> Result<(), CompileError> {
    let lua = Lua::new_with(StdLib::NONE, LuaOptions::default()).map_err(|e| CompileError {
        line: 0,
        message: e.to_string(),
    })?;
    let chunk = lua.load(source).set_name(format!("@{filename}"));
    match chunk.into_function() {
        Ok(_) => Ok(()),
        Err(mlua::Error::SyntaxError { message, .. }) => {
            // "<file>:<line>: <message>"
            let rest = message
                .strip_prefix(filename)
                .and_then(|r| r.strip_prefix(':'))
                .unwrap_or(&message);
            let (line, text) = rest.split_once(": ").unwrap_or(("0", rest));
            Err(CompileError {
                line: line.parse().unwrap_or(0),
                message: text.to_owned(),
            })
        }
        Err(other) => Err(CompileError {
            line: 0,
            message: other.to_string(),
        }),
    }
}

/// What a call produced: its answer, and the record as it left it.
pub struct Ran {
    pub answer: Result<Value, String>,
    pub record: LuaRecord,
}

/// Runs `function` of a module on a record with the call's arguments.
pub fn run(
    module: &str,
    source: &[u8],
    function: &str,
    args: &[Value],
    record: LuaRecord,
    deadline: Instant,
) -> Result<Ran, String> {
    let lua = state().map_err(|_| MODULE_FAILED.to_owned())?;
    let rec = lua.create_userdata(record).map_err(|e| e.to_string())?;
    let answer = call(&lua, module, source, function, args, &rec, deadline);
    let record = rec.take::<LuaRecord>().map_err(|e| e.to_string())?;
    Ok(Ran { answer, record })
}

fn state() -> mlua::Result<Lua> {
    let libs = StdLib::STRING | StdLib::TABLE | StdLib::MATH | StdLib::OS | StdLib::UTF8;
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    lua.set_memory_limit(MEMORY_LIMIT)?;
    let globals = lua.globals();
    // A UDF must not reach the host: only the clock functions of `os` stay.
    let os: mlua::Table = globals.get("os")?;
    for name in [
        "execute",
        "exit",
        "getenv",
        "remove",
        "rename",
        "setlocale",
        "tmpname",
    ] {
        os.set(name, LuaValue::Nil)?;
    }
    for name in ["dofile", "loadfile"] {
        globals.set(name, LuaValue::Nil)?;
    }
    // The server's log functions; their output goes to its log, here nowhere.
    let quiet = lua.create_function(|_, _: MultiValue| Ok(()))?;
    for name in ["trace", "debug", "info", "warn"] {
        globals.set(name, quiet.clone())?;
    }
    objects::install(&lua)?;
    record::install(&lua)?;
    Ok(lua)
}

fn call(
    lua: &Lua,
    module: &str,
    source: &[u8],
    function: &str,
    args: &[Value],
    rec: &mlua::AnyUserData,
    deadline: Instant,
) -> Result<Value, String> {
    let chunk = lua
        .load(source)
        .set_name(format!("@{USER_PATH}/{module}.lua"));
    chunk.exec().map_err(|_| MODULE_FAILED.to_owned())?;
    let Ok(LuaValue::Function(f)) = lua.globals().get::<LuaValue>(function) else {
        return Err(NO_FUNCTION.to_owned());
    };
    let mut call_args = vec![LuaValue::Function(f), LuaValue::UserData(rec.clone())];
    for arg in args {
        call_args.push(to_lua(lua, arg).map_err(|e| e.to_string())?);
    }
    // The call runs in a coroutine under pcall: at the deadline the hook yields out of it,
    // past any pcall of the UDF's own.
    let runner = lua
        .load("local f = ...; return pcall(f, select(2, ...))")
        .into_function()
        .and_then(|f| lua.create_thread(f))
        .map_err(|e| e.to_string())?;
    let timed_out = Rc::new(Cell::new(false));
    let flag = timed_out.clone();
    runner.set_hook(
        HookTriggers::new().every_nth_instruction(CHECK_EVERY),
        move |_, _| {
            if Instant::now() >= deadline {
                flag.set(true);
                Ok(VmState::Yield)
            } else {
                Ok(VmState::Continue)
            }
        },
    );
    let results = runner.resume::<MultiValue>(MultiValue::from_iter(call_args));
    if timed_out.get() || runner.status() == ThreadStatus::Resumable {
        return Err(TIMEOUT.to_owned());
    }
    let mut results = results.map_err(|e| e.to_string())?.into_iter();
    match results.next() {
        Some(LuaValue::Boolean(true)) => Ok(results.next().map_or(Value::Nil, |v| from_lua(&v))),
        _ => Err(match results.next() {
            Some(LuaValue::String(message)) => message.to_string_lossy(),
            Some(LuaValue::Integer(i)) => i.to_string(),
            Some(LuaValue::Number(n)) => n.to_string(),
            _ => UNEXPECTED_ERROR_VALUE.to_owned(),
        }),
    }
}
