//! Scans and queries (requests without a DIGEST field, §3.9): which records a request covers
//! (partitions and resume digests, set, secondary-index filter) and the stream of those records.
//!
//! Records go out partition by partition in request order, in descending digest order within a
//! partition, so that "resume below digest d" (the DIGEST_ARRAY entries clients send when paging)
//! continues exactly where a previous page stopped. Only records of requested partitions are
//! ever sent: both clients index their partition table by the record's partition.

use crate::background;
use crate::cluster::{ClusterState, NodeIdentity};
use crate::exp::{self, Expr};
use crate::message::{field, info1, info2, op, write_bin, write_field, Header, Message, Reply};
use crate::proto::{self, Kind};
use crate::reply_stream::ReplyStream;
use crate::result_code::{ResultCode, INVALID_NAMESPACE, OK, PARAMETER_ERROR, UNSUPPORTED_FEATURE};
use crate::sindex::IndexFilter;
use crate::store::{partition_id, Digest, LiveRecord, Namespace, Record, Store, N_PARTITIONS};
use crate::value::Value;

/// The records a scan, query or background job covers.
pub struct Selection<'s> {
    pub namespace: &'s Namespace,
    /// Empty = every set of the namespace.
    pub set: Vec<u8>,
    /// Partitions in request order, each with the digest to resume below.
    pub partitions: Vec<(usize, Option<Digest>)>,
    pub index: Option<IndexFilter>,
}

impl<'s> Selection<'s> {
    /// Reads the namespace, set, partition and index fields. Requests without PID or DIGEST
    /// arrays (background jobs, old clients) cover the partitions this node owns.
    pub fn of(
        msg: &Message<'_>,
        store: &'s Store,
        owns: impl Fn(usize) -> bool,
    ) -> Result<Selection<'s>, ResultCode> {
        let namespace = msg
            .field(field::NAMESPACE)
            .and_then(|name| store.namespace(name))
            .ok_or(INVALID_NAMESPACE)?;
        let partitions = requested_partitions(msg, owns)?;
        let index = IndexFilter::of(msg, namespace)?;
        Ok(Selection {
            namespace,
            set: msg.set_name().to_vec(),
            partitions,
            index,
        })
    }

    /// Calls `visit` with each live record of the selection (and, for index queries, the value
    /// through which it matched) until it returns `false`.
    pub fn for_each(
        &self,
        now_void_secs: u32,
        mut visit: impl FnMut(&Digest, &Record, Option<&Value>) -> bool,
    ) {
        for (pid, resume) in &self.partitions {
            let mut more = true;
            self.namespace
                .for_each_live(*pid, resume.as_ref(), now_void_secs, |digest, record| {
                    if !self.set.is_empty() && self.set != record.set_name {
                        return true;
                    }
                    let matched = match &self.index {
                        Some(index) => match index.matching_value(record) {
                            Some(value) => Some(value),
                            None => return true,
                        },
                        None => None,
                    };
                    more = visit(digest, record, matched);
                    more
                });
            if !more {
                return;
            }
        }
    }
}

/// PID_ARRAY (u16 LE each) then DIGEST_ARRAY entries; a partition named twice is a
/// `PARAMETER_ERROR`, as are ids past 4095 and arrays of odd sizes.
fn requested_partitions(
    msg: &Message<'_>,
    owns: impl Fn(usize) -> bool,
) -> Result<Vec<(usize, Option<Digest>)>, ResultCode> {
    let pids = msg.field(field::PID_ARRAY);
    let digests = msg.field(field::DIGEST_ARRAY);
    if pids.is_none() && digests.is_none() {
        return Ok((0..N_PARTITIONS)
            .filter(|pid| owns(*pid))
            .map(|pid| (pid, None))
            .collect());
    }
    let pids = pids.unwrap_or_default();
    let digests = digests.unwrap_or_default();
    if !pids.len().is_multiple_of(2) || !digests.len().is_multiple_of(20) {
        return Err(PARAMETER_ERROR);
    }
    let mut seen = vec![false; N_PARTITIONS];
    let mut partitions = Vec::with_capacity(pids.len() / 2 + digests.len() / 20);
    let from_pids = pids
        .chunks_exact(2)
        .map(|b| (usize::from(u16::from_le_bytes([b[0], b[1]])), None));
    let from_digests = digests.chunks_exact(20).map(|d| {
        let digest: Digest = d.try_into().unwrap_or([0; 20]);
        (partition_id(&digest), Some(digest))
    });
    for (pid, resume) in from_pids.chain(from_digests) {
        match seen.get_mut(pid) {
            Some(seen @ false) => *seen = true,
            _ => return Err(PARAMETER_ERROR),
        }
        partitions.push((pid, resume));
    }
    Ok(partitions)
}

/// What a foreground scan or query returns of each record.
struct Projection<'a> {
    no_bin_data: bool,
    /// Empty = every bin.
    bins: Vec<&'a [u8]>,
    filter: Option<Expr>,
    max_records: u64,
}

impl<'a> Projection<'a> {
    fn of(msg: &Message<'a>) -> Result<Projection<'a>, ResultCode> {
        if msg
            .ops
            .iter()
            .any(|o| o.kind != op::READ || o.name.is_empty())
        {
            return Err(PARAMETER_ERROR);
        }
        let max_records = match msg.field(field::MAX_RECORDS) {
            None => 0,
            Some(bytes) => u64::from_be_bytes(bytes.try_into().map_err(|_| PARAMETER_ERROR)?),
        };
        Ok(Projection {
            no_bin_data: msg.header.info1 & info1::NO_BIN_DATA != 0,
            bins: msg.ops.iter().map(|o| o.name).collect(),
            filter: msg.field(field::FILTER_EXP).map(Expr::parse).transpose()?,
            max_records,
        })
    }

    /// The bins to send, or `None` when the record is not sent: filtered out, or holding none
    /// of the projected bins.
    fn bins_of<'r>(&self, view: &LiveRecord<'r>) -> Option<Vec<(&'r [u8], &'r Value)>> {
        if self
            .filter
            .as_ref()
            .is_some_and(|f| !exp::filter_passes(f, view))
        {
            return None;
        }
        if self.no_bin_data {
            return Some(Vec::new());
        }
        if self.bins.is_empty() {
            return Some(
                view.record
                    .bins
                    .iter()
                    .map(|(name, value)| (name.as_slice(), value))
                    .collect(),
            );
        }
        let chosen: Vec<_> = view
            .record
            .bins
            .iter()
            .filter(|(name, _)| self.bins.contains(&name.as_slice()))
            .map(|(name, value)| (name.as_slice(), value))
            .collect();
        (!chosen.is_empty()).then_some(chosen)
    }
}

/// Runs a scan, query or background job and appends its reply frames to `out`.
pub fn execute(state: &ClusterState, node: &NodeIdentity, msg: &Message<'_>, out: &mut Vec<u8>) {
    if let Err(rc) = run(state, node, msg, out) {
        // Errors before the stream starts get a plain reply (no LAST), as the server's
        // `as_multi_rec_transaction_error` sends.
        let start = proto::begin_frame(Kind::Message, out);
        Reply::error(rc).write(0, out);
        proto::end_frame(start, out);
    }
}

fn run(
    state: &ClusterState,
    node: &NodeIdentity,
    msg: &Message<'_>,
    out: &mut Vec<u8>,
) -> Result<(), ResultCode> {
    if msg.field(field::UDF_OP).is_some() || msg.field(field::UDF_FILENAME).is_some() {
        return Err(UNSUPPORTED_FEATURE);
    }
    let store = &state.store;
    let owns = |pid: usize| state.owner_of(pid).is_none_or(|owner| owner == node.id);
    let selection = Selection::of(msg, store, owns)?;
    if msg.header.info2 & info2::WRITE != 0 {
        background::run(store, &selection, msg)?;
        ReplyStream::new(out).finish(OK, 0);
        return Ok(());
    }
    let projection = Projection::of(msg)?;
    send_records(store, &selection, &projection, out);
    Ok(())
}

fn send_records(
    store: &Store,
    selection: &Selection<'_>,
    projection: &Projection<'_>,
    out: &mut Vec<u8>,
) {
    let mut stream = ReplyStream::new(out);
    let namespace = selection.namespace.name().as_bytes();
    let now_ns = store.clock.now_ns();
    let mut sent = 0u64;
    selection.for_each(store.clock.now_void_secs(), |digest, record, matched| {
        let view = LiveRecord {
            digest,
            record,
            now_ns,
        };
        let Some(bins) = projection.bins_of(&view) else {
            return true;
        };
        let bval = match matched {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        };
        write_record(
            stream.buffer(),
            namespace,
            digest,
            record,
            &bins,
            projection.no_bin_data,
            bval,
        );
        stream.end_entry();
        sent += 1;
        projection.max_records == 0 || sent < projection.max_records
    });
    stream.finish(OK, 0);
}

/// One stream record: fields NAMESPACE, DIGEST, [SET], [KEY], [BVAL] and nothing else (the Rust
/// client panics on any other field), then one READ op per bin.
fn write_record(
    out: &mut Vec<u8>,
    namespace: &[u8],
    digest: &Digest,
    record: &Record,
    bins: &[(&[u8], &Value)],
    no_bin_data: bool,
    bval: Option<i64>,
) {
    let n_fields = 2
        + u16::from(!record.set_name.is_empty())
        + u16::from(record.key.is_some())
        + u16::from(bval.is_some());
    let header = Header {
        info1: if no_bin_data { info1::NO_BIN_DATA } else { 0 },
        generation: u32::from(record.generation),
        record_ttl: record.void_time,
        ..Header::default()
    };
    header.write(n_fields, bins.len() as u16, out);
    write_field(field::NAMESPACE, namespace, out);
    write_field(field::DIGEST, digest, out);
    if !record.set_name.is_empty() {
        write_field(field::SET, &record.set_name, out);
    }
    if let Some(key) = &record.key {
        write_field(field::KEY, &key.raw, out);
    }
    if let Some(bval) = bval {
        write_field(field::BVAL_ARRAY, &bval.to_le_bytes(), out);
    }
    for (name, value) in bins {
        write_bin(name, value, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Field;

    fn request(fields: Vec<Field<'_>>) -> Message<'_> {
        Message {
            header: Header::default(),
            fields,
            ops: Vec::new(),
        }
    }

    #[test]
    fn partitions_come_in_request_order_with_their_resume_points() {
        let mut digest = [9u8; 20];
        digest[..2].copy_from_slice(&[0x05, 0x00]);
        let pids = [7u8, 0, 1, 0];
        let msg = request(vec![
            Field {
                kind: field::PID_ARRAY,
                data: &pids,
            },
            Field {
                kind: field::DIGEST_ARRAY,
                data: &digest,
            },
        ]);
        let partitions = requested_partitions(&msg, |_| false).unwrap();
        assert_eq!(partitions, [(7, None), (1, None), (5, Some(digest))]);
    }

    #[test]
    fn without_arrays_a_node_covers_what_it_owns() {
        let msg = request(Vec::new());
        let partitions = requested_partitions(&msg, |pid| pid % 2 == 1).unwrap();
        assert_eq!(partitions.len(), N_PARTITIONS / 2);
        assert!(partitions
            .iter()
            .all(|(pid, resume)| pid % 2 == 1 && resume.is_none()));
    }

    #[test]
    fn bogus_partition_arrays_are_parameter_errors() {
        let digest = [0u8; 20];
        let cases: Vec<Vec<(u8, &[u8])>> = vec![
            vec![(field::PID_ARRAY, &[1, 0, 1, 0])],
            vec![(field::PID_ARRAY, &[0x00, 0x10])],
            vec![(field::PID_ARRAY, &[1, 0, 2])],
            vec![(field::DIGEST_ARRAY, &digest[..19])],
            vec![(field::PID_ARRAY, &[0, 0]), (field::DIGEST_ARRAY, &digest)],
        ];
        for case in cases {
            let msg = request(
                case.iter()
                    .map(|(kind, data)| Field { kind: *kind, data })
                    .collect(),
            );
            assert_eq!(
                requested_partitions(&msg, |_| true),
                Err(PARAMETER_ERROR),
                "{case:?}"
            );
        }
    }
}
