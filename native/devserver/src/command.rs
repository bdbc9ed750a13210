//! Single-record commands (§4): read, exists/header, write and operate, delete, touch.
//!
//! [`execute`] is a function of a parsed request and the store, independent of any socket, so a
//! batch row runs exactly like the single-record command it describes.

use crate::data_ops::{self, EntryRules};
use crate::exp::{self, Expr};
use crate::message::{field, info1, info2, info3, op, Message, Op, Reply, ReplyBin};
use crate::message::{INFO4_TRANSACTION, MAX_BIN_NAME_LEN};
use crate::result_code::*;
use crate::store::{
    partition_id, Digest, LiveRecord, Namespace, Record, Store, StoredKey, MAX_TTL_SECS,
};
use crate::udf::{self, Change};
use crate::value::{particle, Value};

/// TTL sent by a write that must not change the record's void time.
const TTL_DONT_UPDATE: u32 = 0xFFFF_FFFE;
/// TTL sent by a write whose record must never expire.
const TTL_NEVER_EXPIRE: u32 = 0xFFFF_FFFF;

/// Runs one single-record command. Errors become a reply carrying only the result code.
pub fn execute(store: &Store, msg: &Message<'_>) -> Reply {
    run(store, msg).unwrap_or_else(Reply::error)
}

fn run(store: &Store, msg: &Message<'_>) -> Result<Reply, ResultCode> {
    let target = Target::resolve(store, msg)?;
    let filter = parse_filter(msg)?;
    let header = &msg.header;
    if header.info2 & info2::WRITE != 0 {
        if header.info2 & info2::DELETE != 0 {
            delete(store, msg, &target, filter.as_ref())
        } else if msg.field(field::UDF_FILENAME).is_some() {
            apply_udf(store, msg, &target, filter.as_ref())
        } else {
            write(store, msg, &target, filter.as_ref())
        }
    } else if header.info1 & info1::READ != 0 {
        read(store, msg, &target, filter.as_ref())
    } else {
        Err(PARAMETER_ERROR)
    }
}

/// The namespace and digest a request addresses, after the checks every command shares.
struct Target<'s> {
    namespace: &'s Namespace,
    digest: Digest,
    pid: usize,
}

impl<'s> Target<'s> {
    /// The record as filter expressions and read ops see it.
    fn view<'r>(&'r self, record: &'r Record, now_ns: u64) -> LiveRecord<'r> {
        LiveRecord {
            digest: &self.digest,
            record,
            now_ns,
        }
    }

    fn resolve(store: &'s Store, msg: &Message<'_>) -> Result<Target<'s>, ResultCode> {
        let is_transaction = msg.header.info4 & INFO4_TRANSACTION != 0
            || msg.fields.iter().any(|f| {
                matches!(
                    f.kind,
                    field::RECORD_VERSION | field::MRT_ID | field::MRT_DEADLINE
                )
            });
        if is_transaction {
            return Err(ENTERPRISE_ONLY);
        }
        let namespace = msg
            .field(field::NAMESPACE)
            .and_then(|name| store.namespace(name))
            .ok_or(INVALID_NAMESPACE)?;
        let digest: Digest = msg
            .field(field::DIGEST)
            .and_then(|d| d.try_into().ok())
            .ok_or(PARAMETER_ERROR)?;
        Ok(Target {
            namespace,
            pid: partition_id(&digest),
            digest,
        })
    }
}

/// A request's filter expression (field 43); malformed is `PARAMETER_ERROR`.
type Filter = Expr;

fn parse_filter(msg: &Message<'_>) -> Result<Option<Filter>, ResultCode> {
    msg.field(field::FILTER_EXP).map(Expr::parse).transpose()
}

/// Whether an existing record passes the request's filter (`FILTERED_OUT` otherwise).
fn check_filter(filter: Option<&Filter>, record: &LiveRecord<'_>) -> Result<(), ResultCode> {
    match filter {
        Some(filter) if !exp::filter_passes(filter, record) => Err(FILTERED_OUT),
        _ => Ok(()),
    }
}

/// A KEY field that differs from the stored key is `KEY_MISMATCH`.
fn check_key(msg: &Message<'_>, record: &Record) -> Result<(), ResultCode> {
    match (msg.field(field::KEY), &record.key) {
        (Some(sent), Some(stored)) if sent != stored.raw.as_slice() => Err(KEY_MISMATCH),
        _ => Ok(()),
    }
}

/// Reads and deletes accept a missing set; a named set must be the record's.
fn check_set_for_read(msg: &Message<'_>, record: &Record) -> Result<(), ResultCode> {
    let set = msg.set_name();
    if set.is_empty() || set == record.set_name.as_slice() {
        Ok(())
    } else {
        Err(PARAMETER_ERROR)
    }
}

fn generation_allows(info2_flags: u8, expected: u32, current: u16) -> bool {
    let current = u32::from(current);
    if info2_flags & info2::GENERATION != 0 {
        expected == current
    } else if info2_flags & info2::GENERATION_GT != 0 {
        expected > current
    } else {
        true
    }
}

fn read(
    store: &Store,
    msg: &Message<'_>,
    target: &Target<'_>,
    filter: Option<&Filter>,
) -> Result<Reply, ResultCode> {
    let header = &msg.header;
    let get_all = header.info1 & info1::GET_ALL != 0;
    let no_bin_data = header.info1 & info1::NO_BIN_DATA != 0;
    if !get_all && !no_bin_data && msg.ops.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    let respond_all = header.info2 & info2::RESPOND_ALL_OPS != 0;
    let now_ns = store.clock.now_ns();
    let mut partition = target.namespace.partition(target.pid);
    let record = target
        .namespace
        .live(&mut partition, &target.digest, store.clock.now_void_secs())
        .ok_or(KEY_NOT_FOUND)?;
    check_set_for_read(msg, record)?;
    check_key(msg, record)?;
    let view = target.view(record, now_ns);
    check_filter(filter, &view)?;
    let mut bins = Vec::new();
    // Asked for every bin, the real server answers with the record's bins alone: the results
    // of the other read ops (a bin read, a list size) are not in the reply.
    if get_all && !no_bin_data {
        push_all_bins(record, &mut bins);
    } else if !no_bin_data {
        let rules = EntryRules {
            in_write: false,
            respond_all,
        };
        for request_op in &msg.ops {
            read_op(request_op, &view, get_all, rules, &mut bins)?;
        }
    }
    Ok(Reply {
        result_code: OK,
        generation: record.generation,
        void_time: record.void_time,
        bins,
    })
}

fn push_all_bins(record: &Record, out: &mut Vec<ReplyBin>) {
    out.extend(record.bins.iter().map(|(name, value)| ReplyBin {
        name: name.clone(),
        value: value.clone(),
    }));
}

/// Applies one op that produces values (the only kind a read transaction allows).
fn read_op(
    request_op: &Op<'_>,
    view: &LiveRecord<'_>,
    get_all: bool,
    rules: EntryRules,
    out: &mut Vec<ReplyBin>,
) -> Result<(), ResultCode> {
    check_bin_name(request_op)?;
    let record = view.record;
    match request_op.kind {
        op::READ if request_op.name.is_empty() => {
            if get_all {
                push_all_bins(record, out);
            }
            Ok(())
        }
        op::READ => {
            push_bin(
                request_op.name,
                record.bin(request_op.name),
                rules.respond_all,
                out,
            );
            Ok(())
        }
        op::CDT_READ | op::EXP_READ => data_ops::read(request_op, view, rules, out),
        // Bit and HLL reads are wired in by their own modules.
        _ => Err(PARAMETER_ERROR),
    }
}

fn push_bin(name: &[u8], value: Option<&Value>, respond_all: bool, out: &mut Vec<ReplyBin>) {
    match value {
        Some(value) => out.push(ReplyBin {
            name: name.to_vec(),
            value: value.clone(),
        }),
        None if respond_all => push_null(name, out),
        None => {}
    }
}

fn push_null(name: &[u8], out: &mut Vec<ReplyBin>) {
    out.push(ReplyBin {
        name: name.to_vec(),
        value: Value::Nil,
    });
}

fn check_bin_name(request_op: &Op<'_>) -> Result<(), ResultCode> {
    if request_op.name.len() > MAX_BIN_NAME_LEN {
        Err(BIN_NAME_TOO_LONG)
    } else {
        Ok(())
    }
}

/// Durable deletes need tombstones, which only Enterprise servers write.
/// Stores the user key the request sent with a record that has none yet (send-key policy).
fn keep_sent_key(msg: &Message<'_>, record: &mut Record) -> Result<(), ResultCode> {
    if record.key.is_none() {
        if let Some(raw) = msg.field(field::KEY) {
            let value = Value::from_particle(raw[0], &raw[1..])?;
            record.key = Some(StoredKey {
                raw: raw.to_vec(),
                value,
            });
        }
    }
    Ok(())
}

/// The size of a record about to be stored in place of one of `old_size`, refused when it
/// passes the namespace's record size or memory.
fn checked_size(
    namespace: &Namespace,
    record: &Record,
    old_size: usize,
) -> Result<usize, ResultCode> {
    let new_size = record.size();
    if new_size > namespace.config.max_record_size {
        return Err(RECORD_TOO_BIG);
    }
    if new_size > old_size && namespace.would_exceed_memory(new_size - old_size) {
        return Err(OUT_OF_SPACE);
    }
    Ok(new_size)
}

/// The generation after a write: it wraps from 65535 to 1, as the server's 16-bit counter does.
fn next_generation(generation: u16) -> u16 {
    match generation {
        u16::MAX => 1,
        g => g + 1,
    }
}

fn is_durable(msg: &Message<'_>) -> bool {
    msg.header.info2 & info2::DURABLE_DELETE != 0
}

fn delete(
    store: &Store,
    msg: &Message<'_>,
    target: &Target<'_>,
    filter: Option<&Filter>,
) -> Result<Reply, ResultCode> {
    if is_durable(msg) {
        return Err(ENTERPRISE_ONLY);
    }
    let now_ns = store.clock.now_ns();
    let mut partition = target.namespace.partition(target.pid);
    let record = target
        .namespace
        .live(&mut partition, &target.digest, store.clock.now_void_secs())
        .ok_or(KEY_NOT_FOUND)?;
    if !generation_allows(msg.header.info2, msg.header.generation, record.generation) {
        return Err(GENERATION_ERROR);
    }
    check_set_for_read(msg, record)?;
    check_key(msg, record)?;
    check_filter(filter, &target.view(record, now_ns))?;
    target.namespace.remove(&mut partition, &target.digest);
    Ok(Reply::default())
}

/// What a write does with an existing or missing record (§4.1).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExistsAction {
    Update,
    UpdateOnly,
    Replace,
    ReplaceOnly,
    CreateOnly,
}

impl ExistsAction {
    fn of(msg: &Message<'_>) -> ExistsAction {
        let (i2, i3) = (msg.header.info2, msg.header.info3);
        if i2 & info2::CREATE_ONLY != 0 {
            ExistsAction::CreateOnly
        } else if i3 & info3::REPLACE_ONLY != 0 {
            ExistsAction::ReplaceOnly
        } else if i3 & info3::CREATE_OR_REPLACE != 0 {
            ExistsAction::Replace
        } else if i3 & info3::UPDATE_ONLY != 0 {
            ExistsAction::UpdateOnly
        } else {
            ExistsAction::Update
        }
    }

    fn replaces(self) -> bool {
        matches!(self, ExistsAction::Replace | ExistsAction::ReplaceOnly)
    }
}

/// The request-level checks of the write path that need no record (§4.1, §4.3).
fn validate_write(msg: &Message<'_>, action: ExistsAction) -> Result<(), ResultCode> {
    let header = &msg.header;
    if msg.ops.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    let has_read = header.info1 & info1::READ != 0;
    let get_all = header.info1 & info1::GET_ALL != 0;
    let respond_all = header.info2 & info2::RESPOND_ALL_OPS != 0;
    let read_alls = msg
        .ops
        .iter()
        .filter(|o| o.kind == op::READ && o.name.is_empty() && get_all)
        .count();
    let other_results = msg
        .ops
        .iter()
        .filter(|o| produces_result(o.kind) && !(o.kind == op::READ && o.name.is_empty()))
        .count();
    if (get_all && read_alls == 0)
        || read_alls > 1
        || (read_alls == 1 && (respond_all || other_results > 0))
    {
        return Err(PARAMETER_ERROR);
    }
    for request_op in &msg.ops {
        check_bin_name(request_op)?;
        if op::is_read(request_op.kind) && !has_read {
            return Err(PARAMETER_ERROR);
        }
        if action.replaces() && modifies_existing_bins(request_op) {
            return Err(PARAMETER_ERROR);
        }
    }
    let ttl = header.record_ttl;
    if ttl > MAX_TTL_SECS && ttl != TTL_DONT_UPDATE && ttl != TTL_NEVER_EXPIRE {
        return Err(PARAMETER_ERROR);
    }
    if let Some(key) = msg.field(field::KEY) {
        match key.split_first() {
            Some((&particle::INTEGER, bytes)) if bytes.len() != 8 => {
                return Err(UNSUPPORTED_FEATURE)
            }
            None => return Err(PARAMETER_ERROR),
            _ => {}
        }
    }
    Ok(())
}

/// Ops whose result is an entry in the reply (besides plain writes under RESPOND_ALL_OPS).
fn produces_result(kind: u8) -> bool {
    op::is_read(kind) || matches!(kind, op::CDT_MODIFY | op::HLL_MODIFY)
}

/// Ops a replace would apply to bins it has just dropped: the server refuses them.
fn modifies_existing_bins(request_op: &Op<'_>) -> bool {
    match request_op.kind {
        op::WRITE => request_op.particle_type == particle::NULL,
        kind => matches!(
            kind,
            op::TOUCH
                | op::INCR
                | op::APPEND
                | op::PREPEND
                | op::DELETE_ALL
                | op::CDT_MODIFY
                | op::BITS_MODIFY
                | op::HLL_MODIFY
        ),
    }
}

fn write(
    store: &Store,
    msg: &Message<'_>,
    target: &Target<'_>,
    filter: Option<&Filter>,
) -> Result<Reply, ResultCode> {
    let header = &msg.header;
    let action = ExistsAction::of(msg);
    validate_write(msg, action)?;
    let namespace = target.namespace;
    let now_ns = store.clock.now_ns();
    let now_void = store.clock.now_void_secs();
    let mut partition = namespace.partition(target.pid);
    let existing = namespace.live(&mut partition, &target.digest, now_void);

    let must_exist = matches!(action, ExistsAction::UpdateOnly | ExistsAction::ReplaceOnly)
        || msg.ops.iter().any(|o| o.kind == op::TOUCH);
    match (&existing, action) {
        (None, _) if must_exist => return Err(KEY_NOT_FOUND),
        (Some(_), ExistsAction::CreateOnly) => return Err(KEY_EXISTS),
        _ => {}
    }
    let current_generation = existing.as_ref().map_or(0, |r| r.generation);
    if !generation_allows(header.info2, header.generation, current_generation) {
        return Err(GENERATION_ERROR);
    }
    if let Some(record) = &existing {
        if msg.set_name() != record.set_name.as_slice() {
            return Err(PARAMETER_ERROR);
        }
        check_key(msg, record)?;
        check_filter(filter, &target.view(record, now_ns))?;
    }

    let existed = existing.is_some();
    let old_size = existing.as_ref().map_or(0, |r| r.size());
    let mut working = match &existing {
        Some(record) if action.replaces() => Record {
            bins: Vec::new(),
            ..(*record).clone()
        },
        Some(record) => (*record).clone(),
        None => Record {
            set_name: msg.set_name().to_vec(),
            ..Record::default()
        },
    };
    let bins = apply_ops(msg, &mut working, &target.digest, now_ns)?;

    if working.bins.is_empty() {
        if !existed {
            return Err(KEY_NOT_FOUND);
        }
        if is_durable(msg) {
            return Err(ENTERPRISE_ONLY);
        }
        namespace.remove(&mut partition, &target.digest);
        return Ok(Reply {
            bins,
            ..Reply::default()
        });
    }
    keep_sent_key(msg, &mut working)?;
    let new_size = checked_size(namespace, &working, old_size)?;
    working.generation = next_generation(current_generation);
    working.void_time = void_time_for(header.record_ttl, namespace, &working, existed, now_void);
    working.last_update_ns = now_ns;
    let reply = Reply {
        result_code: OK,
        generation: working.generation,
        void_time: working.void_time,
        bins,
    };
    namespace.account(old_size, new_size);
    partition.insert(target.digest, working);
    Ok(reply)
}

/// A record UDF (fields UDF_FILENAME, UDF_FUNCTION, UDF_ARGLIST): the function's answer in a
/// `SUCCESS` bin, or result 100 with its failure string in a `FAILURE` bin. The reply carries
/// the record's generation and void time only when the UDF wrote it.
fn apply_udf(
    store: &Store,
    msg: &Message<'_>,
    target: &Target<'_>,
    filter: Option<&Filter>,
) -> Result<Reply, ResultCode> {
    let namespace = target.namespace;
    let now_ns = store.clock.now_ns();
    let now_void = store.clock.now_void_secs();
    let mut partition = namespace.partition(target.pid);
    let existing = namespace
        .live(&mut partition, &target.digest, now_void)
        .cloned();
    if let Some(record) = &existing {
        check_set_for_read(msg, record)?;
        check_key(msg, record)?;
        check_filter(filter, &target.view(record, now_ns))?;
    }
    let call = udf::Call {
        module: msg.field(field::UDF_FILENAME).unwrap_or_default(),
        function: msg.field(field::UDF_FUNCTION).unwrap_or_default(),
        args: msg.field(field::UDF_ARGLIST),
        record: existing.as_ref(),
        digest: &target.digest,
        time_limit_ms: msg.header.transaction_ttl,
        now_void,
    };
    let outcome = udf::execute(&store.udfs, &call);
    let (result_code, bin) = match outcome.answer {
        Ok(value) => (
            OK,
            ReplyBin {
                name: b"SUCCESS".to_vec(),
                value,
            },
        ),
        Err(failure) => (
            UDF_EXECUTION,
            ReplyBin {
                name: b"FAILURE".to_vec(),
                value: Value::Str(failure.into_bytes()),
            },
        ),
    };
    let mut reply = Reply {
        result_code,
        bins: vec![bin],
        ..Reply::default()
    };
    match outcome.change {
        Change::None => {}
        Change::Delete => {
            if existing.is_some() {
                if is_durable(msg) {
                    return Err(ENTERPRISE_ONLY);
                }
                namespace.remove(&mut partition, &target.digest);
            }
        }
        Change::Write {
            bins,
            ttl,
            drop_key,
        } => {
            let existed = existing.is_some();
            let old_size = existing.as_ref().map_or(0, Record::size);
            let mut working = existing.unwrap_or_else(|| Record {
                set_name: msg.set_name().to_vec(),
                ..Record::default()
            });
            working.bins = bins;
            if drop_key {
                working.key = None;
            } else {
                keep_sent_key(msg, &mut working)?;
            }
            let new_size = checked_size(namespace, &working, old_size)?;
            working.generation = next_generation(working.generation);
            let ttl = ttl.unwrap_or(msg.header.record_ttl);
            working.void_time = void_time_for(ttl, namespace, &working, existed, now_void);
            working.last_update_ns = now_ns;
            reply.generation = working.generation;
            reply.void_time = working.void_time;
            namespace.account(old_size, new_size);
            partition.insert(target.digest, working);
        }
    }
    Ok(reply)
}

/// The void time a write gives its record (§4.3).
fn void_time_for(
    ttl: u32,
    namespace: &Namespace,
    record: &Record,
    existed: bool,
    now_void: u32,
) -> u32 {
    let ttl = match ttl {
        TTL_NEVER_EXPIRE => return 0,
        TTL_DONT_UPDATE if existed => return record.void_time,
        0 | TTL_DONT_UPDATE => namespace.config.default_ttl,
        ttl => ttl,
    };
    if ttl == 0 {
        0
    } else {
        now_void.saturating_add(ttl)
    }
}

/// Applies the ops of a write in order to the working copy; returns the reply entries (§4.5).
/// Any error aborts the command before the store is touched.
fn apply_ops(
    msg: &Message<'_>,
    record: &mut Record,
    digest: &Digest,
    now_ns: u64,
) -> Result<Vec<ReplyBin>, ResultCode> {
    let header = &msg.header;
    let get_all = header.info1 & info1::GET_ALL != 0;
    let respond_all = header.info2 & info2::RESPOND_ALL_OPS != 0;
    let rules = EntryRules {
        in_write: true,
        respond_all,
    };
    let mut out = Vec::new();
    for request_op in &msg.ops {
        let name = request_op.name;
        match request_op.kind {
            op::READ | op::CDT_READ | op::EXP_READ => {
                let view = LiveRecord {
                    digest,
                    record,
                    now_ns,
                };
                read_op(request_op, &view, get_all, rules, &mut out)?
            }
            op::CDT_MODIFY | op::EXP_MODIFY => {
                data_ops::modify(request_op, record, digest, now_ns, respond_all, &mut out)?
            }
            op::WRITE => {
                match request_op.decode_value()? {
                    Value::Nil => record.remove_bin(name),
                    value => record.set_bin(name, value),
                }
                if respond_all {
                    push_null(name, &mut out);
                }
            }
            op::INCR => {
                let sum = increment(record.bin(name), request_op.decode_value()?)?;
                record.set_bin(name, sum);
                if respond_all {
                    push_null(name, &mut out);
                }
            }
            op::APPEND | op::PREPEND => {
                let joined = concatenate(
                    record.bin(name),
                    request_op.decode_value()?,
                    request_op.kind == op::APPEND,
                )?;
                record.set_bin(name, joined);
                if respond_all {
                    push_null(name, &mut out);
                }
            }
            op::TOUCH => {}
            op::DELETE_ALL => {
                record.bins.clear();
                if respond_all {
                    push_null(name, &mut out);
                }
            }
            // Bit (12/13) and HLL (15/16) ops are wired in by their own modules; until then, and
            // for unknown op types, the request is refused.
            _ => return Err(PARAMETER_ERROR),
        }
    }
    Ok(out)
}

/// INCR: numbers of the same type add (integers wrap); a missing bin takes the operand.
fn increment(current: Option<&Value>, operand: Value) -> Result<Value, ResultCode> {
    match (current, operand) {
        (_, Value::Nil) => Err(PARAMETER_ERROR),
        (None, operand @ (Value::Int(_) | Value::Float(_))) => Ok(operand),
        (Some(Value::Int(a)), Value::Int(b)) => Ok(Value::Int(a.wrapping_add(b))),
        (Some(Value::Float(a)), Value::Float(b)) => Ok(Value::Float(a + b)),
        _ => Err(BIN_TYPE_ERROR),
    }
}

/// APPEND/PREPEND: strings join strings and blobs join blobs; a missing bin takes the operand.
fn concatenate(current: Option<&Value>, operand: Value, append: bool) -> Result<Value, ResultCode> {
    let join = |old: &[u8], new: Vec<u8>| {
        if append {
            [old, &new].concat()
        } else {
            [&new, old].concat()
        }
    };
    match (current, operand) {
        (_, Value::Nil) => Err(PARAMETER_ERROR),
        (None, operand @ (Value::Str(_) | Value::Blob(..))) => Ok(operand),
        (Some(Value::Str(old)), Value::Str(new)) => Ok(Value::Str(join(old, new))),
        (Some(Value::Blob(t, old)), Value::Blob(_, new)) => Ok(Value::Blob(*t, join(old, new))),
        _ => Err(BIN_TYPE_ERROR),
    }
}
