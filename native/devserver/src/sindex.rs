//! Secondary-index filters of queries (field 22 INDEX_RANGE, §3.9.3): which registered index a
//! query names or implies, and whether a record's bin value falls in the requested range.
//!
//! Indexes are not materialised: a query walks the partitions it was asked for and tests each
//! record against the index definition, which gives the same answers for an in-memory store.

use crate::message::{field, Cursor, Message};
use crate::result_code::{ResultCode, INDEX_NOT_FOUND, PARAMETER_ERROR, UNSUPPORTED_FEATURE};
use crate::store::{IndexCollection, IndexValueType, Namespace, Record};
use crate::value::{particle, Value};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// The values a query accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    /// Inclusive integer range.
    Int(i64, i64),
    /// String equality.
    Str(Vec<u8>),
    /// Blob equality.
    Blob(Vec<u8>),
}

/// A query's index filter, resolved against the namespace's registered indexes.
#[derive(Clone, Debug)]
pub struct IndexFilter {
    bin: Vec<u8>,
    set: Option<Vec<u8>>,
    collection: IndexCollection,
    bound: Bound,
}

impl IndexFilter {
    /// The index filter of `msg`, if it has one. A filter no registered index serves is
    /// `INDEX_NOT_FOUND`; a malformed one `PARAMETER_ERROR`.
    pub fn of(msg: &Message<'_>, namespace: &Namespace) -> Result<Option<IndexFilter>, ResultCode> {
        let Some(range) = msg.field(field::INDEX_RANGE) else {
            return Ok(None);
        };
        let (bin, value_type, bound) = parse_range(range)?;
        let collection = match msg.field(field::INDEX_TYPE) {
            None | Some([0]) => IndexCollection::Default,
            Some([1]) => IndexCollection::List,
            Some([2]) => IndexCollection::MapKeys,
            Some([3]) => IndexCollection::MapValues,
            Some(_) => return Err(PARAMETER_ERROR),
        };
        let context = msg.field(field::INDEX_CONTEXT).map(|c| BASE64.encode(c));
        let expression = msg.field(field::INDEX_EXPRESSION).map(|e| BASE64.encode(e));
        let set = Some(msg.set_name().to_vec()).filter(|s| !s.is_empty());
        let indexes = namespace.indexes();
        let index = match msg.field(field::INDEX_NAME) {
            Some(name) => indexes
                .get(std::str::from_utf8(name).map_err(|_| PARAMETER_ERROR)?)
                .filter(|index| index.value_type == value_type),
            None if bin.is_empty() && expression.is_none() => return Err(PARAMETER_ERROR),
            None => indexes.iter().find(|index| {
                index.value_type == value_type
                    && index.collection == collection
                    && index.set == set
                    && index.context == context
                    && match &expression {
                        Some(text) => index.expression.as_ref() == Some(text),
                        None => index.bin.as_deref() == Some(bin),
                    }
            }),
        }
        .ok_or(INDEX_NOT_FOUND)?;
        let (Some(index_bin), None, None) = (&index.bin, &index.context, &index.expression) else {
            // Indexes on CDT contexts and on expressions are registered but not evaluated.
            return Err(UNSUPPORTED_FEATURE);
        };
        let bound = bound.ok_or(UNSUPPORTED_FEATURE)?;
        Ok(Some(IndexFilter {
            bin: index_bin.clone(),
            set: index.set.clone(),
            collection: index.collection,
            bound,
        }))
    }

    /// The value through which `record` matches (what the server reports as the BVAL of integer
    /// matches), or `None` when it does not.
    pub fn matching_value<'r>(&self, record: &'r Record) -> Option<&'r Value> {
        if self.set.as_ref().is_some_and(|s| *s != record.set_name) {
            return None;
        }
        let value = record.bin(&self.bin)?;
        match (self.collection, value) {
            (IndexCollection::Default, v) => Some(v).filter(|v| self.accepts(v)),
            (IndexCollection::List, Value::List(list)) => {
                list.items.iter().find(|v| self.accepts(v))
            }
            (IndexCollection::MapKeys, Value::Map(map)) => {
                map.entries.iter().map(|(k, _)| k).find(|k| self.accepts(k))
            }
            (IndexCollection::MapValues, Value::Map(map)) => {
                map.entries.iter().map(|(_, v)| v).find(|v| self.accepts(v))
            }
            _ => None,
        }
    }

    fn accepts(&self, value: &Value) -> bool {
        match (&self.bound, value) {
            (Bound::Int(begin, end), Value::Int(v)) => begin <= v && v <= end,
            (Bound::Str(wanted), Value::Str(s)) => wanted == s,
            (Bound::Blob(wanted), Value::Blob(_, b)) => wanted == b,
            _ => false,
        }
    }
}

/// Bin name, index value type and bound of an INDEX_RANGE field. The bound is `None` for geo
/// filters, which are recognised but not evaluated.
fn parse_range(data: &[u8]) -> Result<(&[u8], IndexValueType, Option<Bound>), ResultCode> {
    let mut cursor = Cursor::new(data);
    if cursor.take(1)? != [1] {
        return Err(PARAMETER_ERROR);
    }
    let bin_len = usize::from(cursor.take(1)?[0]);
    let bin = cursor.take(bin_len)?;
    let particle_type = cursor.take(1)?[0];
    let begin = sized(&mut cursor)?;
    let end = sized(&mut cursor)?;
    if !cursor.is_empty() {
        return Err(PARAMETER_ERROR);
    }
    let int = |bytes: &[u8]| {
        <[u8; 8]>::try_from(bytes)
            .map(i64::from_be_bytes)
            .map_err(|_| PARAMETER_ERROR)
    };
    let (value_type, bound) = match particle_type {
        particle::INTEGER => match (int(begin)?, int(end)?) {
            (begin, end) if begin > end => return Err(PARAMETER_ERROR),
            (begin, end) => (IndexValueType::Numeric, Some(Bound::Int(begin, end))),
        },
        // Only equality is defined on strings and blobs.
        particle::STRING if begin == end => {
            (IndexValueType::String, Some(Bound::Str(begin.to_vec())))
        }
        particle::BLOB if begin == end => (IndexValueType::Blob, Some(Bound::Blob(begin.to_vec()))),
        particle::GEOJSON => (IndexValueType::Geo2dSphere, None),
        _ => return Err(PARAMETER_ERROR),
    };
    Ok((bin, value_type, bound))
}

fn sized<'a>(cursor: &mut Cursor<'a>) -> Result<&'a [u8], ResultCode> {
    let len = cursor.take(4)?;
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
    cursor.take(usize::try_from(len).map_err(|_| PARAMETER_ERROR)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{IndexDefinition, NamespaceConfig};

    fn definition(name: &str, bin: &str, value_type: IndexValueType) -> IndexDefinition {
        IndexDefinition {
            name: name.to_owned(),
            set: None,
            bin: Some(bin.as_bytes().to_vec()),
            value_type,
            collection: IndexCollection::Default,
            context: None,
            expression: None,
        }
    }

    fn range(bin: &str, particle_type: u8, begin: &[u8], end: &[u8]) -> Vec<u8> {
        let mut out = vec![1, bin.len() as u8];
        out.extend_from_slice(bin.as_bytes());
        out.push(particle_type);
        for part in [begin, end] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    fn query<'a>(fields: Vec<crate::message::Field<'a>>) -> Message<'a> {
        Message {
            header: crate::message::Header::default(),
            fields,
            ops: Vec::new(),
        }
    }

    fn f(kind: u8, data: &[u8]) -> crate::message::Field<'_> {
        crate::message::Field { kind, data }
    }

    #[test]
    fn integer_ranges_are_inclusive() {
        let ns = Namespace::new(NamespaceConfig::new("test"));
        ns.indexes()
            .create(definition("by_n", "n", IndexValueType::Numeric))
            .unwrap();
        let data = range(
            "n",
            particle::INTEGER,
            &2i64.to_be_bytes(),
            &4i64.to_be_bytes(),
        );
        let filter = IndexFilter::of(&query(vec![f(field::INDEX_RANGE, &data)]), &ns)
            .unwrap()
            .unwrap();
        let matches: Vec<i64> = (0..7)
            .filter(|n| {
                let record = Record {
                    bins: vec![(b"n".to_vec(), Value::Int(*n))],
                    ..Record::default()
                };
                filter.matching_value(&record).is_some()
            })
            .collect();
        assert_eq!(matches, [2, 3, 4]);
    }

    #[test]
    fn queries_without_a_serving_index_are_refused() {
        let ns = Namespace::new(NamespaceConfig::new("test"));
        ns.indexes()
            .create(definition("by_s", "s", IndexValueType::String))
            .unwrap();
        let int = range("s", particle::INTEGER, &[0; 8], &[0; 8]);
        let of = |fields| IndexFilter::of(&query(fields), &ns).err();
        assert_eq!(of(vec![f(field::INDEX_RANGE, &int)]), Some(INDEX_NOT_FOUND));
        let other_bin = range("t", particle::STRING, b"x", b"x");
        assert_eq!(
            of(vec![f(field::INDEX_RANGE, &other_bin)]),
            Some(INDEX_NOT_FOUND)
        );
        let by_name = range("", particle::STRING, b"x", b"x");
        assert_eq!(
            of(vec![
                f(field::INDEX_RANGE, &by_name),
                f(field::INDEX_NAME, b"nope")
            ]),
            Some(INDEX_NOT_FOUND)
        );
        let string_range = range("s", particle::STRING, b"a", b"b");
        assert_eq!(
            of(vec![f(field::INDEX_RANGE, &string_range)]),
            Some(PARAMETER_ERROR)
        );
    }

    #[test]
    fn malformed_ranges_are_parameter_errors() {
        let good = range("n", particle::INTEGER, &[0; 8], &[0; 8]);
        for len in 0..good.len() {
            assert_eq!(
                parse_range(&good[..len]).err(),
                Some(PARAMETER_ERROR),
                "cut at {len}"
            );
        }
        let mut two_ranges = good.clone();
        two_ranges[0] = 2;
        assert_eq!(parse_range(&two_ranges).err(), Some(PARAMETER_ERROR));
        let short_int = range("n", particle::INTEGER, &[0; 4], &[0; 8]);
        assert_eq!(parse_range(&short_int).err(), Some(PARAMETER_ERROR));
        let float = range("n", particle::FLOAT, &[0; 8], &[0; 8]);
        assert_eq!(parse_range(&float).err(), Some(PARAMETER_ERROR));
        let reversed = range(
            "n",
            particle::INTEGER,
            &9i64.to_be_bytes(),
            &3i64.to_be_bytes(),
        );
        assert_eq!(parse_range(&reversed).err(), Some(PARAMETER_ERROR));
    }
}
