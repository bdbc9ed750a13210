//! AS_MSG (proto type 3): the 22-byte header, fields and ops of requests, and the encoding of
//! replies (§3). Parsing borrows from the request body so that a command copies only what it
//! stores.

use crate::result_code::{ResultCode, PARAMETER_ERROR};
use crate::value::Value;

/// Length of the message header that follows the proto header.
pub const HEADER_LEN: usize = 22;
/// Longest bin name the server accepts; longer names are answered with `BIN_NAME_TOO_LONG`.
pub const MAX_BIN_NAME_LEN: usize = 15;

/// `info1` bits (§3.2).
pub mod info1 {
    pub const READ: u8 = 0x01;
    pub const GET_ALL: u8 = 0x02;
    pub const SHORT_QUERY: u8 = 0x04;
    pub const BATCH: u8 = 0x08;
    pub const NO_BIN_DATA: u8 = 0x20;
    pub const COMPRESS_RESPONSE: u8 = 0x80;
}

/// `info2` bits.
pub mod info2 {
    pub const WRITE: u8 = 0x01;
    pub const DELETE: u8 = 0x02;
    pub const GENERATION: u8 = 0x04;
    pub const GENERATION_GT: u8 = 0x08;
    pub const DURABLE_DELETE: u8 = 0x10;
    pub const CREATE_ONLY: u8 = 0x20;
    pub const RESPOND_ALL_OPS: u8 = 0x80;
}

/// `info3` bits.
pub mod info3 {
    pub const LAST: u8 = 0x01;
    pub const PARTITION_DONE: u8 = 0x04;
    pub const UPDATE_ONLY: u8 = 0x08;
    pub const CREATE_OR_REPLACE: u8 = 0x10;
    pub const REPLACE_ONLY: u8 = 0x20;
}

/// `info4` bits that mark a multi-record transaction (an Enterprise feature).
pub const INFO4_TRANSACTION: u8 = 0x01 | 0x02 | 0x04 | 0x10;

/// Field types (§3.3).
pub mod field {
    pub const NAMESPACE: u8 = 0;
    pub const SET: u8 = 1;
    pub const KEY: u8 = 2;
    pub const RECORD_VERSION: u8 = 3;
    pub const DIGEST: u8 = 4;
    pub const MRT_ID: u8 = 5;
    pub const MRT_DEADLINE: u8 = 6;
    pub const TRID: u8 = 7;
    pub const SOCKET_TIMEOUT: u8 = 9;
    pub const RECS_PER_SEC: u8 = 10;
    pub const PID_ARRAY: u8 = 11;
    pub const DIGEST_ARRAY: u8 = 12;
    pub const MAX_RECORDS: u8 = 13;
    pub const BVAL_ARRAY: u8 = 15;
    pub const INDEX_NAME: u8 = 21;
    pub const INDEX_RANGE: u8 = 22;
    pub const INDEX_CONTEXT: u8 = 23;
    pub const INDEX_EXPRESSION: u8 = 24;
    pub const INDEX_TYPE: u8 = 26;
    pub const UDF_FILENAME: u8 = 30;
    pub const UDF_FUNCTION: u8 = 31;
    pub const UDF_ARGLIST: u8 = 32;
    pub const UDF_OP: u8 = 33;
    pub const BATCH_INDEX: u8 = 41;
    pub const FILTER_EXP: u8 = 43;
}

/// Op types (§3.4).
pub mod op {
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const CDT_READ: u8 = 3;
    pub const CDT_MODIFY: u8 = 4;
    pub const INCR: u8 = 5;
    pub const EXP_READ: u8 = 7;
    pub const EXP_MODIFY: u8 = 8;
    pub const APPEND: u8 = 9;
    pub const PREPEND: u8 = 10;
    pub const TOUCH: u8 = 11;
    pub const BITS_READ: u8 = 12;
    pub const BITS_MODIFY: u8 = 13;
    pub const DELETE_ALL: u8 = 14;
    pub const HLL_READ: u8 = 15;
    pub const HLL_MODIFY: u8 = 16;

    /// Ops that produce a value from the record (they need `INFO1_READ` in a write).
    pub fn is_read(kind: u8) -> bool {
        matches!(kind, READ | CDT_READ | EXP_READ | BITS_READ | HLL_READ)
    }
}

/// The 22-byte message header. In requests `generation` is the expected generation and
/// `record_ttl` the TTL; in replies they carry the record's generation and void time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub info1: u8,
    pub info2: u8,
    pub info3: u8,
    pub info4: u8,
    pub result_code: ResultCode,
    pub generation: u32,
    pub record_ttl: u32,
    pub transaction_ttl: u32,
}

impl Header {
    /// Parses the 22 header bytes; returns the header and the field and op counts.
    pub fn parse(bytes: &[u8]) -> Result<(Header, u16, u16), ResultCode> {
        let b = bytes.get(..HEADER_LEN).ok_or(PARAMETER_ERROR)?;
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let header = Header {
            info1: b[1],
            info2: b[2],
            info3: b[3],
            info4: b[4],
            result_code: b[5],
            generation: u32_at(6),
            record_ttl: u32_at(10),
            transaction_ttl: u32_at(14),
        };
        let n_fields = u16::from_be_bytes([b[18], b[19]]);
        let n_ops = u16::from_be_bytes([b[20], b[21]]);
        Ok((header, n_fields, n_ops))
    }

    /// Appends the 22 header bytes with the given field and op counts.
    pub fn write(&self, n_fields: u16, n_ops: u16, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            HEADER_LEN as u8,
            self.info1,
            self.info2,
            self.info3,
            self.info4,
            self.result_code,
        ]);
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(&self.record_ttl.to_be_bytes());
        out.extend_from_slice(&self.transaction_ttl.to_be_bytes());
        out.extend_from_slice(&n_fields.to_be_bytes());
        out.extend_from_slice(&n_ops.to_be_bytes());
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    pub kind: u8,
    pub data: &'a [u8],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op<'a> {
    pub kind: u8,
    pub particle_type: u8,
    pub name: &'a [u8],
    pub value: &'a [u8],
}

impl Op<'_> {
    /// Decodes the op's value as a particle of its declared type.
    pub fn decode_value(&self) -> Result<Value, ResultCode> {
        Value::from_particle(self.particle_type, self.value)
    }
}

/// A parsed request: header, fields and ops, borrowing the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: Header,
    pub fields: Vec<Field<'a>>,
    pub ops: Vec<Op<'a>>,
}

impl<'a> Message<'a> {
    /// Parses a whole AS_MSG body. Any length that runs past the body is a parameter error.
    pub fn parse(body: &'a [u8]) -> Result<Message<'a>, ResultCode> {
        let (header, n_fields, n_ops) = Header::parse(body)?;
        let mut cursor = Cursor::new(&body[HEADER_LEN..]);
        let fields = (0..n_fields)
            .map(|_| cursor.field())
            .collect::<Result<Vec<_>, _>>()?;
        let ops = (0..n_ops)
            .map(|_| cursor.op())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Message {
            header,
            fields,
            ops,
        })
    }

    /// The data of the first field of `kind`.
    pub fn field(&self, kind: u8) -> Option<&'a [u8]> {
        self.fields.iter().find(|f| f.kind == kind).map(|f| f.data)
    }

    /// The set name; an absent or empty SET field both mean "no set".
    pub fn set_name(&self) -> &'a [u8] {
        self.field(field::SET).unwrap_or_default()
    }
}

/// Reads fields and ops off the front of a byte slice (also the rows of a batch, §3.8).
pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(rest: &'a [u8]) -> Cursor<'a> {
        Cursor { rest }
    }

    /// Whether every byte has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ResultCode> {
        if n > self.rest.len() {
            return Err(PARAMETER_ERROR);
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn sized(&mut self) -> Result<&'a [u8], ResultCode> {
        let size = self.take(4)?;
        let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]);
        self.take(usize::try_from(size).map_err(|_| PARAMETER_ERROR)?)
    }

    pub(crate) fn field(&mut self) -> Result<Field<'a>, ResultCode> {
        let (kind, data) = self.sized()?.split_first().ok_or(PARAMETER_ERROR)?;
        Ok(Field { kind: *kind, data })
    }

    pub(crate) fn op(&mut self) -> Result<Op<'a>, ResultCode> {
        let body = self.sized()?;
        let [kind, particle_type, flags, name_len, rest @ ..] = body else {
            return Err(PARAMETER_ERROR);
        };
        let name = rest.get(..usize::from(*name_len)).ok_or(PARAMETER_ERROR)?;
        let mut value = &rest[name.len()..];
        // XDR ops carry an 8-byte last-update time after the name.
        if flags & 0x01 != 0 {
            value = value.get(8..).ok_or(PARAMETER_ERROR)?;
        }
        Ok(Op {
            kind: *kind,
            particle_type: *particle_type,
            name,
            value,
        })
    }
}

/// One op entry of a reply: a bin name and its value (`Value::Nil` is sent as "no value").
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyBin {
    pub name: Vec<u8>,
    pub value: Value,
}

/// Appends a READ op entry carrying `value` under `name`.
pub fn write_bin(name: &[u8], value: &Value, out: &mut Vec<u8>) {
    let size_at = out.len();
    out.extend_from_slice(&[0, 0, 0, 0, op::READ, value.particle_type(), 0]);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    value.write_particle(out);
    let op_size = (out.len() - size_at - 4) as u32;
    out[size_at..size_at + 4].copy_from_slice(&op_size.to_be_bytes());
}

/// Appends a field of `kind`.
pub fn write_field(kind: u8, data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(data.len() as u32 + 1).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(data);
}

/// The outcome of a single-record command (also one row of a batch).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    pub result_code: ResultCode,
    pub generation: u16,
    pub void_time: u32,
    pub bins: Vec<ReplyBin>,
}

impl Reply {
    /// A reply that carries only a result code.
    pub fn error(result_code: ResultCode) -> Reply {
        Reply {
            result_code,
            ..Reply::default()
        }
    }

    /// Appends header and op entries; `transaction_ttl` is 0 for single-record replies and the
    /// row index in batch replies. Never writes fields: the Rust client misparses them (§3.7).
    pub fn write(&self, transaction_ttl: u32, out: &mut Vec<u8>) {
        let header = Header {
            result_code: self.result_code,
            generation: u32::from(self.generation),
            record_ttl: self.void_time,
            transaction_ttl,
            ..Header::default()
        };
        header.write(0, self.bins.len() as u16, out);
        for bin in &self.bins {
            write_bin(&bin.name, &bin.value, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PUT request body of Appendix A.
    const PUT: &str = "1600010000000000000000000000000003e8000300010000000500746573\
        74000000050164656d6f0000001504ec91192d4b7f8ce35d5d78d34bca65\
        cbaaaac9600000000d02010001610000000000000001";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn parses_the_appendix_put() {
        let body = hex(PUT);
        let msg = Message::parse(&body).unwrap();
        assert_eq!(msg.header.info2, info2::WRITE);
        assert_eq!(msg.header.transaction_ttl, 1000);
        assert_eq!(msg.field(field::NAMESPACE), Some(&b"test"[..]));
        assert_eq!(msg.set_name(), b"demo");
        assert_eq!(msg.field(field::DIGEST).map(<[u8]>::len), Some(20));
        assert_eq!(msg.ops.len(), 1);
        assert_eq!(msg.ops[0].name, b"a");
        assert_eq!(msg.ops[0].decode_value(), Ok(Value::Int(1)));
    }

    #[test]
    fn truncated_bodies_are_parameter_errors() {
        let body = hex(PUT);
        for len in 0..body.len() {
            assert_eq!(
                Message::parse(&body[..len]),
                Err(PARAMETER_ERROR),
                "len {len}"
            );
        }
    }

    #[test]
    fn encodes_the_appendix_get_reply() {
        let reply = Reply {
            generation: 1,
            bins: vec![ReplyBin {
                name: b"a".to_vec(),
                value: Value::Int(1),
            }],
            ..Reply::default()
        };
        let mut out = Vec::new();
        reply.write(0, &mut out);
        assert_eq!(
            out,
            hex("16000000000000000001000000000000000000000001\
                 0000000d010100016100000000000000\
                 01")
        );
    }
}
