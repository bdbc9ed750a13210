//! The operate arms for CDT and expression ops (CDT_READ 3, CDT_MODIFY 4, EXP_READ 7,
//! EXP_MODIFY 8), with the reply-entry rules of §4.5.

use crate::cdt;
use crate::exp::{self, RecordView};
use crate::message::{op, Op, ReplyBin};
use crate::result_code::{ResultCode, PARAMETER_ERROR};
use crate::store::{Digest, LiveRecord, Record};
use crate::value::Value;

impl RecordView for LiveRecord<'_> {
    fn bin(&self, name: &[u8]) -> Option<&Value> {
        self.record.bin(name)
    }
    fn user_key(&self) -> Option<&Value> {
        LiveRecord::user_key(self)
    }
    fn digest(&self) -> &[u8; 20] {
        self.digest
    }
    fn set_name(&self) -> &[u8] {
        LiveRecord::set_name(self)
    }
    fn void_time(&self) -> u32 {
        LiveRecord::void_time(self)
    }
    fn last_update_ns(&self) -> u64 {
        LiveRecord::last_update_ns(self)
    }
    fn now_ns(&self) -> u64 {
        self.now_ns
    }
    fn record_size(&self) -> usize {
        LiveRecord::record_size(self)
    }
}

/// Where a value-producing op runs: its entry rules differ between pure reads and writes.
#[derive(Clone, Copy)]
pub struct EntryRules {
    pub in_write: bool,
    pub respond_all: bool,
}

/// CDT_READ / EXP_READ against the record as it stands at this point of the op sequence.
pub fn read(
    request_op: &Op<'_>,
    view: &LiveRecord<'_>,
    rules: EntryRules,
    out: &mut Vec<ReplyBin>,
) -> Result<(), ResultCode> {
    let name = request_op.name;
    let result = match request_op.kind {
        op::CDT_READ => match view.record.bin(name) {
            // A CDT read of a missing bin reports nothing (NULL with RESPOND_ALL_OPS).
            None => {
                cdt::read(None, request_op.value)?;
                push(name, None, rules.respond_all, out);
                return Ok(());
            }
            bin => cdt::read(bin, request_op.value)?,
        },
        op::EXP_READ => exp::read_op(request_op.value, view)?,
        _ => return Err(PARAMETER_ERROR),
    };
    push(name, result, rules.in_write || rules.respond_all, out);
    Ok(())
}

/// CDT_MODIFY / EXP_MODIFY applied to the working copy of the record.
pub fn modify(
    request_op: &Op<'_>,
    record: &mut Record,
    digest: &Digest,
    now_ns: u64,
    respond_all: bool,
    out: &mut Vec<ReplyBin>,
) -> Result<(), ResultCode> {
    let name = request_op.name;
    let (bin, result) = match request_op.kind {
        op::CDT_MODIFY => {
            let modified = cdt::modify(record.bin(name), request_op.value)?;
            (modified.bin, modified.result)
        }
        op::EXP_MODIFY => {
            let view = LiveRecord {
                digest,
                record,
                now_ns,
            };
            (
                exp::modify_op(request_op.value, &view, record.bin(name))?,
                None,
            )
        }
        _ => return Err(PARAMETER_ERROR),
    };
    match bin {
        Some(value) => record.set_bin(name, value),
        None => record.remove_bin(name),
    }
    push(name, result, respond_all, out);
    Ok(())
}

/// Adds the op's entry: its result, or NULL when it has none and `null_entry` asks for one.
fn push(name: &[u8], result: Option<Value>, null_entry: bool, out: &mut Vec<ReplyBin>) {
    if result.is_some() || null_entry {
        out.push(ReplyBin {
            name: name.to_vec(),
            value: result.unwrap_or(Value::Nil),
        });
    }
}
