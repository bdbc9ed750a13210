//! Bin values as the server stores them, their particle encoding on the wire, and the server's
//! total order over values (used for map key order, ranks and intervals).

use std::cmp::Ordering;

use crate::msgpack;
use crate::result_code::{ResultCode, PARAMETER_ERROR};

/// Particle types (the byte before each op value and KEY field; server `as_particle_type`).
pub mod particle {
    pub const NULL: u8 = 0;
    pub const INTEGER: u8 = 1;
    pub const FLOAT: u8 = 2;
    pub const STRING: u8 = 3;
    pub const BLOB: u8 = 4;
    pub const BOOL: u8 = 17;
    pub const HLL: u8 = 18;
    pub const MAP: u8 = 19;
    pub const LIST: u8 = 20;
    pub const GEOJSON: u8 = 23;

    /// Blob types written by old clients (Java, C#, Python, Ruby, PHP, Erlang serializers).
    pub const LEGACY_BLOBS: std::ops::RangeInclusive<u8> = 7..=12;
}

/// Map order attribute, as stored in the leading ext element of a map (§6.1).
pub mod map_order {
    pub const UNORDERED: u8 = 0;
    pub const KEY_ORDERED: u8 = 1;
    pub const KEY_VALUE_ORDERED: u8 = 3;
    /// Result maps only: keep the order of the entries as returned.
    pub const PRESERVE_ORDER: u8 = 8;
}

#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Bytes, not `String`: the server never validates UTF-8 and must echo what it was given.
    Str(Vec<u8>),
    /// The particle type (4, or a legacy 7..=12) and the raw bytes.
    Blob(u8, Vec<u8>),
    /// GeoJSON text (the cell ids clients may send are not kept: the server answers none).
    Geo(Vec<u8>),
    Hll(Vec<u8>),
    List(List),
    Map(Map),
    /// Interval bound meaning "any value" (msgpack ext `d4 ff 00`); never stored.
    Wildcard,
    /// Interval bound above every value (msgpack ext `d4 ff 01`); never stored.
    Inf,
}

#[derive(Clone, Debug, Default)]
pub struct List {
    pub items: Vec<Value>,
    pub ordered: bool,
}

/// Entries in storage order: insertion order when unordered, key order otherwise.
#[derive(Clone, Debug, Default)]
pub struct Map {
    pub entries: Vec<(Value, Value)>,
    /// One of [`map_order`]'s constants.
    pub order: u8,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(s.as_bytes().to_vec())
    }

    /// Decodes an op value, a bin read from storage, or a KEY field body.
    pub fn from_particle(particle_type: u8, data: &[u8]) -> Result<Value, ResultCode> {
        use particle::*;
        Ok(match particle_type {
            NULL => Value::Nil,
            INTEGER => Value::Int(i64::from_be_bytes(exactly_8(data)?)),
            FLOAT => Value::Float(f64::from_be_bytes(exactly_8(data)?)),
            STRING => Value::Str(data.to_vec()),
            BLOB => Value::Blob(BLOB, data.to_vec()),
            t if LEGACY_BLOBS.contains(&t) => Value::Blob(t, data.to_vec()),
            BOOL => match data {
                [b] => Value::Bool(*b != 0),
                _ => return Err(PARAMETER_ERROR),
            },
            HLL => Value::Hll(data.to_vec()),
            MAP => match msgpack::decode(data)? {
                map @ Value::Map(_) => map,
                _ => return Err(PARAMETER_ERROR),
            },
            LIST => match msgpack::decode(data)? {
                list @ Value::List(_) => list,
                _ => return Err(PARAMETER_ERROR),
            },
            GEOJSON => Value::Geo(geojson_text(data)?.to_vec()),
            _ => return Err(PARAMETER_ERROR),
        })
    }

    pub fn particle_type(&self) -> u8 {
        use particle::*;
        match self {
            Value::Nil | Value::Wildcard | Value::Inf => NULL,
            Value::Bool(_) => BOOL,
            Value::Int(_) => INTEGER,
            Value::Float(_) => FLOAT,
            Value::Str(_) => STRING,
            Value::Blob(t, _) => *t,
            Value::Geo(_) => GEOJSON,
            Value::Hll(_) => HLL,
            Value::List(_) => LIST,
            Value::Map(_) => MAP,
        }
    }

    /// Appends the particle bytes (without the type byte) as replies and KEY fields carry them.
    pub fn write_particle(&self, out: &mut Vec<u8>) {
        match self {
            Value::Nil | Value::Wildcard | Value::Inf => {}
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::Int(i) => out.extend_from_slice(&i.to_be_bytes()),
            Value::Float(f) => out.extend_from_slice(&f.to_be_bytes()),
            Value::Str(b) | Value::Blob(_, b) | Value::Hll(b) => out.extend_from_slice(b),
            Value::Geo(json) => {
                // flags 0, no cells: the server never sends cell ids to clients.
                out.extend_from_slice(&[0, 0, 0]);
                out.extend_from_slice(json);
            }
            Value::List(_) | Value::Map(_) => msgpack::encode(self, out),
        }
    }

    /// Bytes this value takes in a record (what record-size limits and `record_size()` count).
    pub fn stored_size(&self) -> usize {
        match self {
            Value::Nil | Value::Wildcard | Value::Inf => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Float(_) => 8,
            Value::Str(b) | Value::Blob(_, b) | Value::Hll(b) => b.len(),
            Value::Geo(json) => 3 + json.len(),
            Value::List(_) | Value::Map(_) => {
                let mut buf = Vec::new();
                msgpack::encode(self, &mut buf);
                buf.len()
            }
        }
    }

    /// Position of the value's type in the server's cross-type order (`msgpack_in.h`).
    fn type_rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Str(_) => 3,
            Value::List(_) => 4,
            Value::Map(_) => 5,
            Value::Blob(..) | Value::Hll(_) => 6,
            Value::Float(_) => 7,
            Value::Geo(_) => 8,
            Value::Wildcard => 9,
            Value::Inf => 10,
        }
    }
}

fn exactly_8(data: &[u8]) -> Result<[u8; 8], ResultCode> {
    data.try_into().map_err(|_| PARAMETER_ERROR)
}

/// Skips the GeoJSON particle header (`u8 flags`, `u16 BE ncells`, `ncells x u64`).
fn geojson_text(data: &[u8]) -> Result<&[u8], ResultCode> {
    let header = data.get(..3).ok_or(PARAMETER_ERROR)?;
    let cells = usize::from(u16::from_be_bytes([header[1], header[2]]));
    data.get(3 + cells * 8..).ok_or(PARAMETER_ERROR)
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::Str(a), Value::Str(b)) | (Value::Geo(a), Value::Geo(b)) => a.cmp(b),
            (Value::Blob(_, a) | Value::Hll(a), Value::Blob(_, b) | Value::Hll(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) => a.items.cmp(&b.items),
            (Value::Map(a), Value::Map(b)) => a
                .entries
                .len()
                .cmp(&b.entries.len())
                .then_with(|| a.entries.cmp(&b.entries)),
            _ => self.type_rank().cmp(&other.type_rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_round_trip() {
        let values = [
            Value::Int(-5),
            Value::Float(1.5),
            Value::str("héllo"),
            Value::Blob(particle::BLOB, vec![0, 1, 2]),
            Value::Bool(true),
            Value::List(List {
                items: vec![Value::Int(1), Value::str("a")],
                ordered: false,
            }),
            Value::Map(Map {
                entries: vec![(Value::str("k"), Value::Float(2.0))],
                order: map_order::KEY_ORDERED,
            }),
            Value::Geo(br#"{"type":"Point","coordinates":[1,2]}"#.to_vec()),
        ];
        for value in values {
            let mut bytes = Vec::new();
            value.write_particle(&mut bytes);
            let back = Value::from_particle(value.particle_type(), &bytes).unwrap();
            assert_eq!(back, value);
            assert_eq!(back.particle_type(), value.particle_type());
        }
    }

    #[test]
    fn malformed_particles_are_parameter_errors() {
        assert_eq!(
            Value::from_particle(particle::INTEGER, &[1, 2]),
            Err(PARAMETER_ERROR)
        );
        assert_eq!(
            Value::from_particle(particle::BOOL, &[]),
            Err(PARAMETER_ERROR)
        );
        assert_eq!(
            Value::from_particle(particle::LIST, &[0x81, 1, 2]),
            Err(PARAMETER_ERROR)
        );
        assert_eq!(
            Value::from_particle(particle::GEOJSON, &[0, 0, 9]),
            Err(PARAMETER_ERROR)
        );
        assert_eq!(Value::from_particle(99, &[]), Err(PARAMETER_ERROR));
    }

    #[test]
    fn cross_type_order_follows_the_server() {
        let ascending = [
            Value::Nil,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(-1),
            Value::Int(7),
            Value::str("a"),
            Value::str("ab"),
            Value::List(List::default()),
            Value::Map(Map::default()),
            Value::Blob(particle::BLOB, vec![]),
            Value::Float(-3.0),
            Value::Geo(b"{}".to_vec()),
            Value::Wildcard,
            Value::Inf,
        ];
        for pair in ascending.windows(2) {
            assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
        }
    }
}
