//! Batch commands (`INFO1_BATCH`, field 41 BATCH_INDEX, §3.8): every row is turned into the
//! single-record request it describes and run by [`command::execute`], so a batch read, write,
//! delete or operate row behaves exactly like its single-record command.
//!
//! The whole field is parsed before any row runs: a malformed batch changes nothing and is answered
//! with a `LAST` marker carrying `PARAMETER_ERROR`, as the server's `as_batch_send_error` does.
//! Every row runs and is answered, whatever the parent's respond-all-keys flag says: a failing row
//! does not stop the rows after it on a real 8.1 server. Without the flag, the closing `LAST`
//! marker carries the first row error.

use crate::command;
use crate::message::{field, Cursor, Field, Header, Message, Op};
use crate::reply_stream::ReplyStream;
use crate::result_code::{ResultCode, FILTERED_OUT, KEY_NOT_FOUND, OK, PARAMETER_ERROR};
use crate::store::Store;

/// Parent flag: report row errors in rows only (both clients set it by default).
const RESPOND_ALL_KEYS: u8 = 0x04;

/// Row flags.
mod row_flag {
    /// Reuse the previous row's namespace, set, attributes and ops; nothing else follows.
    pub const REPEAT: u8 = 0x01;
    /// info2 and info3 follow info1.
    pub const INFO: u8 = 0x02;
    /// A u16 expected generation follows.
    pub const GENERATION: u8 = 0x04;
    /// A u32 record TTL follows.
    pub const TTL: u8 = 0x08;
    /// info4 follows.
    pub const INFO4: u8 = 0x10;
}

/// Length of a row's fixed part: batch index and digest.
const ROW_PREFIX_LEN: usize = 4 + 20;

/// What a row asks for, shared by the rows that repeat it.
struct RowRequest<'a> {
    header: Header,
    fields: Vec<Field<'a>>,
    ops: Vec<Op<'a>>,
}

struct Row<'a> {
    index: u32,
    digest: &'a [u8],
    /// Position of its request in the parsed list.
    request: usize,
}

/// A parsed BATCH_INDEX field.
struct Batch<'a> {
    respond_all_keys: bool,
    requests: Vec<RowRequest<'a>>,
    rows: Vec<Row<'a>>,
}

/// Runs a batch request and appends its reply stream to `out`.
pub fn execute(store: &Store, msg: &Message<'_>, out: &mut Vec<u8>) {
    let mut stream = ReplyStream::new(out);
    let parsed = msg
        .field(field::BATCH_INDEX)
        .ok_or(PARAMETER_ERROR)
        .and_then(parse);
    let batch = match parsed {
        Ok(batch) => batch,
        Err(rc) => return stream.finish(rc, 0),
    };
    let parent_filter = msg.field(field::FILTER_EXP);
    let mut first_error = OK;
    for row in &batch.rows {
        let request = &batch.requests[row.request];
        let row_msg = row_message(
            request,
            row.digest,
            parent_filter,
            msg.header.transaction_ttl,
        );
        let reply = command::execute(store, &row_msg);
        let reported = !matches!(reply.result_code, KEY_NOT_FOUND | FILTERED_OUT);
        if !batch.respond_all_keys && reported && first_error == OK {
            first_error = reply.result_code;
        }
        reply.write(row.index, stream.buffer());
        stream.end_entry();
    }
    stream.finish(first_error, 0);
}

/// The single-record request a row describes: its own fields plus the row's digest, and the
/// parent's filter expression when the row has none of its own.
fn row_message<'a>(
    request: &RowRequest<'a>,
    digest: &'a [u8],
    parent_filter: Option<&'a [u8]>,
    transaction_ttl: u32,
) -> Message<'a> {
    let mut fields = request.fields.clone();
    fields.push(Field {
        kind: field::DIGEST,
        data: digest,
    });
    if let Some(filter) = parent_filter {
        if !fields.iter().any(|f| f.kind == field::FILTER_EXP) {
            fields.push(Field {
                kind: field::FILTER_EXP,
                data: filter,
            });
        }
    }
    Message {
        header: Header {
            transaction_ttl,
            ..request.header
        },
        fields,
        ops: request.ops.clone(),
    }
}

fn parse(data: &[u8]) -> Result<Batch<'_>, ResultCode> {
    let mut cursor = Cursor::new(data);
    let n_rows = u32_be(cursor.take(4)?);
    let parent_flags = cursor.take(1)?[0];
    if n_rows == 0 {
        return Err(PARAMETER_ERROR);
    }
    // A count the bytes cannot hold is refused before anything is allocated for it.
    let n_rows = usize::try_from(n_rows).map_err(|_| PARAMETER_ERROR)?;
    if n_rows > data.len() / (ROW_PREFIX_LEN + 1) {
        return Err(PARAMETER_ERROR);
    }
    let mut batch = Batch {
        respond_all_keys: parent_flags & RESPOND_ALL_KEYS != 0,
        requests: Vec::new(),
        rows: Vec::with_capacity(n_rows),
    };
    for _ in 0..n_rows {
        let index = u32_be(cursor.take(4)?);
        let digest = cursor.take(20)?;
        let flags = cursor.take(1)?[0];
        if flags & row_flag::REPEAT != 0 {
            let request = batch.requests.len().checked_sub(1).ok_or(PARAMETER_ERROR)?;
            batch.rows.push(Row {
                index,
                digest,
                request,
            });
            continue;
        }
        batch.requests.push(parse_request(&mut cursor, flags)?);
        batch.rows.push(Row {
            index,
            digest,
            request: batch.requests.len() - 1,
        });
    }
    if !cursor.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    Ok(batch)
}

/// A row's attributes, fields and ops (everything after its flags byte).
fn parse_request<'a>(cursor: &mut Cursor<'a>, flags: u8) -> Result<RowRequest<'a>, ResultCode> {
    let mut header = Header {
        info1: cursor.take(1)?[0],
        ..Header::default()
    };
    if flags & row_flag::INFO != 0 {
        let info = cursor.take(2)?;
        header.info2 = info[0];
        header.info3 = info[1];
    }
    if flags & row_flag::INFO4 != 0 {
        header.info4 = cursor.take(1)?[0];
    }
    if flags & row_flag::GENERATION != 0 {
        let generation = cursor.take(2)?;
        header.generation = u32::from(u16::from_be_bytes([generation[0], generation[1]]));
    }
    if flags & row_flag::TTL != 0 {
        header.record_ttl = u32_be(cursor.take(4)?);
    }
    let counts = cursor.take(4)?;
    // Old clients count no fields but still send the namespace.
    let n_fields = u16::from_be_bytes([counts[0], counts[1]]).max(1);
    let n_ops = u16::from_be_bytes([counts[2], counts[3]]);
    let fields = (0..n_fields)
        .map(|_| cursor.field())
        .collect::<Result<Vec<_>, _>>()?;
    if fields[0].kind != field::NAMESPACE
        || fields
            .iter()
            .any(|f| f.kind == field::DIGEST || f.kind == field::BATCH_INDEX)
    {
        return Err(PARAMETER_ERROR);
    }
    let ops = (0..n_ops)
        .map(|_| cursor.op())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RowRequest {
        header,
        fields,
        ops,
    })
}

fn u32_be(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: u32, flags: u8, rest: &[u8]) -> Vec<u8> {
        let mut out = index.to_be_bytes().to_vec();
        out.extend_from_slice(&[7u8; 20]);
        out.push(flags);
        out.extend_from_slice(rest);
        out
    }

    fn read_row_body() -> Vec<u8> {
        // info1 READ|GET_ALL, one field (namespace "test"), no ops.
        let mut body = vec![0x03, 0, 1, 0, 0];
        body.extend_from_slice(&5u32.to_be_bytes());
        body.push(field::NAMESPACE);
        body.extend_from_slice(b"test");
        body
    }

    fn batch_field(n_rows: u32, rows: &[Vec<u8>]) -> Vec<u8> {
        let mut out = n_rows.to_be_bytes().to_vec();
        out.push(RESPOND_ALL_KEYS);
        for r in rows {
            out.extend_from_slice(r);
        }
        out
    }

    #[test]
    fn repeat_rows_share_the_previous_request() {
        let data = batch_field(2, &[row(0, 0, &read_row_body()), row(1, 1, &[])]);
        let batch = parse(&data).unwrap();
        assert_eq!(batch.requests.len(), 1);
        assert_eq!(batch.rows.len(), 2);
        assert_eq!(batch.rows[1].request, 0);
        assert_eq!(batch.requests[0].header.info1, 0x03);
    }

    #[test]
    fn hostile_batches_are_parameter_errors() {
        let good = row(0, 0, &read_row_body());
        let cases: Vec<Vec<u8>> = vec![
            batch_field(0, &[]),
            batch_field(u32::MAX, std::slice::from_ref(&good)),
            batch_field(2, std::slice::from_ref(&good)),
            batch_field(1, &[row(0, 1, &[])]),
            batch_field(1, &[good.clone(), vec![0]]),
            vec![0, 0, 0],
        ];
        for data in cases {
            assert_eq!(parse(&data).err(), Some(PARAMETER_ERROR), "{data:?}");
        }
        for len in 0..good.len() {
            let mut data = batch_field(1, &[]);
            data.extend_from_slice(&good[..len]);
            assert_eq!(parse(&data).err(), Some(PARAMETER_ERROR), "cut at {len}");
        }
    }

    #[test]
    fn the_first_field_must_be_the_namespace() {
        let mut body = vec![0x03, 0, 1, 0, 0];
        body.extend_from_slice(&5u32.to_be_bytes());
        body.push(field::SET);
        body.extend_from_slice(b"demo");
        let data = batch_field(1, &[row(0, 0, &body)]);
        assert_eq!(parse(&data).err(), Some(PARAMETER_ERROR));
    }
}
