//! Aerospike's msgpack dialect (§6.1): strings and blobs carry a particle-type byte inside the
//! msgpack str, and a leading ext element marks ordered lists and maps.
//!
//! Input is untrusted: every length is checked against the bytes left, nesting is bounded, and
//! malformed input is a `PARAMETER_ERROR`, never a panic.

use rmp::Marker;

use crate::result_code::{ResultCode, PARAMETER_ERROR};
use crate::value::{map_order, particle, List, Map, Value};

/// Deeper nesting than this is rejected (it bounds recursion on hostile input). A real server
/// walks msgpack without recursing and sets no such bound; this one is twice what aerospike_py
/// sends, so that only values no real data has are refused.
pub const MAX_DEPTH: usize = 512;

/// Ext type `0xff` with one data byte: interval bounds used in CDT arguments.
const EXT_BOUND: u8 = 0xff;
const BOUND_WILDCARD: u8 = 0;
const BOUND_INF: u8 = 1;

/// Decodes exactly one value that must fill `data`.
pub fn decode(data: &[u8]) -> Result<Value, ResultCode> {
    let mut reader = Reader::new(data);
    let value = reader.value()?;
    if !reader.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    Ok(value)
}

/// Appends the encoding of `value`.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Nil => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Int(i) => encode_int(*i, out),
        Value::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(bytes) => encode_typed_bytes(particle::STRING, bytes, out),
        Value::Blob(t, bytes) => encode_typed_bytes(*t, bytes, out),
        Value::Geo(json) => encode_typed_bytes(particle::GEOJSON, json, out),
        Value::Hll(bytes) => encode_typed_bytes(particle::HLL, bytes, out),
        Value::List(list) => {
            encode_len(
                list.items.len() + usize::from(list.ordered),
                [0x90, 0xdc, 0xdd],
                out,
            );
            if list.ordered {
                out.extend_from_slice(&[0xc7, 0x00, 0x01]);
            }
            for item in &list.items {
                encode(item, out);
            }
        }
        Value::Map(map) => {
            let has_order = map.order != 0;
            encode_len(
                map.entries.len() + usize::from(has_order),
                [0x80, 0xde, 0xdf],
                out,
            );
            if has_order {
                out.extend_from_slice(&[0xc7, 0x00, map.order, 0xc0]);
            }
            for (k, v) in &map.entries {
                encode(k, out);
                encode(v, out);
            }
        }
        Value::Wildcard => out.extend_from_slice(&[0xd4, EXT_BOUND, BOUND_WILDCARD]),
        Value::Inf => out.extend_from_slice(&[0xd4, EXT_BOUND, BOUND_INF]),
    }
}

fn encode_int(i: i64, out: &mut Vec<u8>) {
    if (-32..=127).contains(&i) {
        out.push(i as u8);
    } else if i >= 0 {
        if i <= 0xff {
            out.extend_from_slice(&[0xcc, i as u8]);
        } else if i <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(i as u16).to_be_bytes());
        } else if i <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(i as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&i.to_be_bytes());
        }
    } else if i >= -0x80 {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if i >= -0x8000 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -0x8000_0000 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// A msgpack str whose first content byte is the particle type (what both clients expect).
fn encode_typed_bytes(particle_type: u8, bytes: &[u8], out: &mut Vec<u8>) {
    let n = bytes.len() + 1;
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.push(particle_type);
    out.extend_from_slice(bytes);
}

/// Writes an array or map header: `markers` = [fix, 16-bit, 32-bit].
fn encode_len(n: usize, markers: [u8; 3], out: &mut Vec<u8>) {
    let [fix, m16, m32] = markers;
    if n < 16 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(m16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// A cursor over msgpack bytes, for callers that read several values or inspect headers
/// (CDT payloads, expressions).
pub struct Reader<'a> {
    buf: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, depth: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The marker of the next value, without consuming it.
    pub fn peek_marker(&self) -> Result<Marker, ResultCode> {
        self.buf
            .first()
            .map(|b| Marker::from_u8(*b))
            .ok_or(PARAMETER_ERROR)
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ResultCode> {
        if n > self.buf.len() {
            return Err(PARAMETER_ERROR);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, ResultCode> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], ResultCode> {
        self.take(N)?.try_into().map_err(|_| PARAMETER_ERROR)
    }

    fn len_u8(&mut self) -> Result<usize, ResultCode> {
        Ok(usize::from(self.byte()?))
    }

    fn len_u16(&mut self) -> Result<usize, ResultCode> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }

    fn len_u32(&mut self) -> Result<usize, ResultCode> {
        usize::try_from(u32::from_be_bytes(self.be()?)).map_err(|_| PARAMETER_ERROR)
    }

    /// Reads an array header and returns its element count.
    pub fn array_len(&mut self) -> Result<usize, ResultCode> {
        match Marker::from_u8(self.byte()?) {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => self.len_u16(),
            Marker::Array32 => self.len_u32(),
            _ => Err(PARAMETER_ERROR),
        }
    }

    /// Reads a str or bin header and returns the raw bytes (no particle-type interpretation):
    /// expression bin names, variable names and regex patterns are encoded this way.
    pub fn raw_bytes(&mut self) -> Result<&'a [u8], ResultCode> {
        let n = match Marker::from_u8(self.byte()?) {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => self.len_u8()?,
            Marker::Str16 | Marker::Bin16 => self.len_u16()?,
            Marker::Str32 | Marker::Bin32 => self.len_u32()?,
            _ => return Err(PARAMETER_ERROR),
        };
        self.take(n)
    }

    /// Reads an integer of any msgpack int form.
    pub fn int(&mut self) -> Result<i64, ResultCode> {
        match self.value()? {
            Value::Int(i) => Ok(i),
            _ => Err(PARAMETER_ERROR),
        }
    }

    /// Reads one complete value.
    pub fn value(&mut self) -> Result<Value, ResultCode> {
        let marker = Marker::from_u8(self.byte()?);
        Ok(match marker {
            Marker::Null => Value::Nil,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::FixPos(n) => Value::Int(i64::from(n)),
            Marker::FixNeg(n) => Value::Int(i64::from(n)),
            Marker::U8 => Value::Int(i64::from(self.byte()?)),
            Marker::U16 => Value::Int(i64::from(u16::from_be_bytes(self.be()?))),
            Marker::U32 => Value::Int(i64::from(u32::from_be_bytes(self.be()?))),
            // Values above i64::MAX wrap, as the server reads them into an int64.
            Marker::U64 => Value::Int(u64::from_be_bytes(self.be()?) as i64),
            Marker::I8 => Value::Int(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => Value::Int(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => Value::Int(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => Value::Int(i64::from_be_bytes(self.be()?)),
            Marker::F32 => Value::Float(f64::from(f32::from_be_bytes(self.be()?))),
            Marker::F64 => Value::Float(f64::from_be_bytes(self.be()?)),
            Marker::FixStr(n) => self.typed_bytes(usize::from(n))?,
            Marker::Str8 | Marker::Bin8 => {
                let n = self.len_u8()?;
                self.typed_bytes(n)?
            }
            Marker::Str16 | Marker::Bin16 => {
                let n = self.len_u16()?;
                self.typed_bytes(n)?
            }
            Marker::Str32 | Marker::Bin32 => {
                let n = self.len_u32()?;
                self.typed_bytes(n)?
            }
            Marker::FixArray(n) => self.list(usize::from(n))?,
            Marker::Array16 => {
                let n = self.len_u16()?;
                self.list(n)?
            }
            Marker::Array32 => {
                let n = self.len_u32()?;
                self.list(n)?
            }
            Marker::FixMap(n) => self.map(usize::from(n))?,
            Marker::Map16 => {
                let n = self.len_u16()?;
                self.map(n)?
            }
            Marker::Map32 => {
                let n = self.len_u32()?;
                self.map(n)?
            }
            Marker::FixExt1 => match self.be::<2>()? {
                [EXT_BOUND, BOUND_WILDCARD] => Value::Wildcard,
                [EXT_BOUND, BOUND_INF] => Value::Inf,
                _ => return Err(PARAMETER_ERROR),
            },
            _ => return Err(PARAMETER_ERROR),
        })
    }

    fn typed_bytes(&mut self, n: usize) -> Result<Value, ResultCode> {
        let data = self.take(n)?;
        let Some((&particle_type, bytes)) = data.split_first() else {
            return Ok(Value::Str(Vec::new()));
        };
        match particle_type {
            particle::STRING => Ok(Value::Str(bytes.to_vec())),
            particle::GEOJSON => Ok(Value::Geo(bytes.to_vec())),
            particle::HLL => Ok(Value::Hll(bytes.to_vec())),
            t if t == particle::BLOB || particle::LEGACY_BLOBS.contains(&t) => {
                Ok(Value::Blob(t, bytes.to_vec()))
            }
            _ => Err(PARAMETER_ERROR),
        }
    }

    fn enter(&mut self) -> Result<(), ResultCode> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(PARAMETER_ERROR);
        }
        Ok(())
    }

    /// Reads an order ext (`c7 00 <flags>` or any fixext/ext) if it is next; returns its flags.
    fn order_ext(&mut self) -> Result<Option<u8>, ResultCode> {
        let data_len = match self.peek_marker()? {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => {
                self.byte()?;
                let n = self.len_u8()?;
                let flags = self.byte()?;
                self.take(n)?;
                return Ok(Some(flags));
            }
            _ => return Ok(None),
        };
        self.byte()?;
        let flags = self.byte()?;
        self.take(data_len)?;
        Ok(Some(flags))
    }

    fn list(&mut self, mut n: usize) -> Result<Value, ResultCode> {
        self.enter()?;
        let mut ordered = false;
        if n > 0 {
            if let Some(flags) = self.order_ext()? {
                ordered = flags & 0x01 != 0;
                n -= 1;
            }
        }
        let mut items = Vec::with_capacity(n.min(self.buf.len()));
        for _ in 0..n {
            items.push(self.value()?);
        }
        self.depth -= 1;
        // Untrusted input may flag a list as ordered without being so; storage keeps the promise.
        if ordered {
            items.sort();
        }
        Ok(Value::List(List { items, ordered }))
    }

    fn map(&mut self, mut n: usize) -> Result<Value, ResultCode> {
        self.enter()?;
        let mut order = 0;
        if n > 0 {
            if let Some(flags) = self.order_ext()? {
                self.value()?;
                order = flags & 0x0b;
                n -= 1;
            }
        }
        let mut entries = Vec::with_capacity(n.min(self.buf.len() / 2));
        for _ in 0..n {
            let key = self.value()?;
            let value = self.value()?;
            entries.push((key, value));
        }
        self.depth -= 1;
        if order & map_order::KEY_ORDERED != 0 {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(Value::Map(Map { entries, order }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, &mut out);
        assert_eq!(&decode(&out).unwrap(), value, "{out:02x?}");
        out
    }

    #[test]
    fn integers_use_the_smallest_form() {
        let cases: [(i64, &[u8]); 8] = [
            (5, &[0x05]),
            (-3, &[0xfd]),
            (200, &[0xcc, 200]),
            (-100, &[0xd0, 0x9c]),
            (65535, &[0xcd, 0xff, 0xff]),
            (-40000, &[0xd2, 0xff, 0xff, 0x63, 0xc0]),
            (1 << 40, &[0xcf, 0, 0, 1, 0, 0, 0, 0, 0]),
            (i64::MIN, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (i, bytes) in cases {
            assert_eq!(round_trip(&Value::Int(i)), bytes, "{i}");
        }
    }

    #[test]
    fn strings_carry_the_particle_type_byte() {
        assert_eq!(round_trip(&Value::str("ab")), [0xa3, 0x03, b'a', b'b']);
        let long = Value::Str(vec![b'x'; 40]);
        assert_eq!(round_trip(&long)[..3], [0xd9, 41, 0x03]);
        assert_eq!(round_trip(&Value::Blob(4, vec![9]))[..], [0xa2, 0x04, 9]);
    }

    #[test]
    fn ordered_collections_lead_with_an_ext() {
        let list = Value::List(List {
            items: vec![Value::Int(1)],
            ordered: true,
        });
        assert_eq!(round_trip(&list), [0x92, 0xc7, 0x00, 0x01, 0x01]);
        let map = Value::Map(Map {
            entries: vec![(Value::Int(1), Value::Nil)],
            order: 1,
        });
        assert_eq!(round_trip(&map), [0x82, 0xc7, 0x00, 0x01, 0xc0, 0x01, 0xc0]);
    }

    #[test]
    fn ordered_collections_are_sorted_on_input() {
        let list = decode(&[0x93, 0xc7, 0x00, 0x01, 0x02, 0x01]).unwrap();
        let Value::List(list) = list else {
            panic!("list expected")
        };
        assert_eq!(list.items, [Value::Int(1), Value::Int(2)]);
        let map = decode(&[0x83, 0xc7, 0x00, 0x01, 0xc0, 0x02, 0xc0, 0x01, 0xc0]).unwrap();
        let Value::Map(map) = map else {
            panic!("map expected")
        };
        let keys: Vec<&Value> = map.entries.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [&Value::Int(1), &Value::Int(2)]);
    }

    #[test]
    fn hostile_input_is_rejected_without_panicking() {
        let cases: [&[u8]; 7] = [
            &[],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0xdb, 0xff, 0xff, 0xff, 0xff, 0x03],
            &[0xa1],
            &[0xa2, 0x63, 0x00],
            &[0xc1],
            &[0x91, 0x91],
        ];
        for bytes in cases {
            assert_eq!(decode(bytes), Err(PARAMETER_ERROR), "{bytes:02x?}");
        }
        let deep = [vec![0x91; MAX_DEPTH + 1], vec![0xc0]].concat();
        assert_eq!(decode(&deep), Err(PARAMETER_ERROR));
    }
}
