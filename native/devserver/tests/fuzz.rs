//! Property tests over the frame, message and info parsers and the command path: arbitrary and
//! mutated input never panics, and every request gets a well-formed reply of the right type.
//! Case counts bound the run time (CI runs them with every `cargo test`).

use std::net::SocketAddr;

use aerospike_devserver::cluster::{ClusterState, NodeIdentity};
use aerospike_devserver::message::{Header as MsgHeader, Message};
use aerospike_devserver::proto::{Header, Kind};
use aerospike_devserver::server::respond;
use aerospike_devserver::store::Store;
use aerospike_devserver::value::{List, Map, Value};
use aerospike_devserver::{msgpack, NamespaceConfig};
use proptest::collection::vec;
use proptest::prelude::*;

fn cluster() -> (NodeIdentity, ClusterState) {
    let node = NodeIdentity {
        id: "BB9000000000001".to_owned(),
        address: "127.0.0.1:3000".parse::<SocketAddr>().unwrap(),
    };
    let state = ClusterState::new(
        "fuzz".to_owned(),
        Store::new([NamespaceConfig::new("test")]),
    );
    state.join(node.clone());
    (node, state)
}

/// Checks the reply frame: version 2, the expected type, a body that is never empty, and for
/// AS_MSG a first message whose field and op counts fit in the body.
fn check_reply(kind: Kind, reply: &[u8]) {
    let header = Header::parse(reply[..8].try_into().unwrap()).expect("a valid reply header");
    let expected = match kind {
        Kind::Info => Kind::Info,
        Kind::Admin => Kind::Admin,
        Kind::Message | Kind::CompressedMessage => Kind::Message,
    };
    assert_eq!(header.kind, expected);
    assert_eq!(header.body_len, reply.len() - 8);
    assert!(header.body_len > 0, "never a zero-length proto");
    if expected == Kind::Message {
        // The first message (of possibly several, for batches and scans) parses back whole.
        let (_, _, n_ops) = MsgHeader::parse(&reply[8..]).expect("a message header");
        let parsed = Message::parse(&reply[8..]).expect("the reply parses back");
        assert_eq!(parsed.ops.len(), usize::from(n_ops));
    }
}

fn op_write(name: &[u8], particle: u8, value: &[u8]) -> Vec<u8> {
    let size = (4 + name.len() + value.len()) as u32;
    [
        &size.to_be_bytes()[..],
        &[2, particle, 0, name.len() as u8],
        name,
        value,
    ]
    .concat()
}

fn field(kind: u8, data: &[u8]) -> Vec<u8> {
    [&(data.len() as u32 + 1).to_be_bytes()[..], &[kind], data].concat()
}

/// A request built from plausible parts: any info bits, a namespace (known or not), a digest,
/// optional set/key/other fields, and ops of any type with any particle and value bytes.
fn plausible_request() -> impl Strategy<Value = Vec<u8>> {
    let op = (
        0u8..20,
        prop_oneof![
            Just(0u8),
            Just(1),
            Just(2),
            Just(3),
            Just(4),
            Just(19),
            Just(20),
            any::<u8>()
        ],
        vec(any::<u8>(), 0..17),
        vec(any::<u8>(), 0..24),
    );
    let other_field = (any::<u8>(), vec(any::<u8>(), 0..24));
    (
        any::<[u8; 4]>(),
        any::<u32>(),
        any::<u32>(),
        prop_oneof![Just(b"test".to_vec()), vec(any::<u8>(), 0..6)],
        any::<[u8; 20]>(),
        proptest::option::of(vec(any::<u8>(), 0..9)),
        vec(other_field, 0..3),
        vec(op, 0..5),
    )
        .prop_map(
            |(info, generation, ttl, namespace, digest, key, others, ops)| {
                let mut fields = vec![field(0, &namespace), field(1, b"s"), field(4, &digest)];
                if let Some(key) = key {
                    fields.push(field(2, &key));
                }
                fields.extend(others.iter().map(|(kind, data)| field(*kind, data)));
                let mut out = vec![22, info[0], info[1], info[2], info[3], 0];
                out.extend_from_slice(&generation.to_be_bytes());
                out.extend_from_slice(&ttl.to_be_bytes());
                out.extend_from_slice(&0u32.to_be_bytes());
                out.extend_from_slice(&(fields.len() as u16).to_be_bytes());
                out.extend_from_slice(&(ops.len() as u16).to_be_bytes());
                for f in &fields {
                    out.extend_from_slice(f);
                }
                for (kind, particle, name, value) in &ops {
                    let size = (4 + name.len() + value.len()) as u32;
                    out.extend_from_slice(&size.to_be_bytes());
                    out.extend_from_slice(&[*kind, *particle, 0, name.len() as u8]);
                    out.extend_from_slice(name);
                    out.extend_from_slice(value);
                }
                out
            },
        )
}

/// Small values of every kind, nested a little: CDT arguments and bin contents.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..20).prop_map(Value::Int),
        any::<i64>().prop_map(Value::Int),
        (-2.0f64..2.0).prop_map(Value::Float),
        "[a-c]{0,3}".prop_map(|s| Value::str(&s)),
        vec(any::<u8>(), 0..3).prop_map(|b| Value::Blob(4, b)),
        Just(Value::Inf),
        Just(Value::Wildcard),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            (vec(inner.clone(), 0..4), any::<bool>())
                .prop_map(|(items, ordered)| Value::List(List { items, ordered })),
            (
                vec((inner.clone(), inner), 0..4),
                prop_oneof![Just(0u8), Just(1), Just(3)]
            )
                .prop_map(|(entries, order)| Value::Map(Map { entries, order })),
        ]
    })
}

/// An op body: CDT read/modify with `[code, args...]` (sometimes under a context), or an
/// expression read/modify with `[expression, flags]`, on a list, map, integer or missing bin.
fn data_op() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(3u8), Just(4), Just(7), Just(8)],
        prop_oneof![
            Just(&b"l"[..]),
            Just(&b"m"[..]),
            Just(&b"i"[..]),
            Just(&b"none"[..])
        ],
        0i64..112,
        vec(value(), 0..5),
        proptest::option::of(vec(value(), 0..4)),
    )
        .prop_map(|(kind, bin, code, args, context)| {
            let call = Value::List(List {
                items: std::iter::once(Value::Int(code)).chain(args).collect(),
                ordered: false,
            });
            let payload = match (kind, context) {
                (3 | 4, Some(context)) => Value::List(List {
                    items: vec![
                        Value::Int(0xff),
                        Value::List(List {
                            items: context,
                            ordered: false,
                        }),
                        call,
                    ],
                    ordered: false,
                }),
                (3 | 4, None) => call,
                (_, _) => Value::List(List {
                    items: vec![call, Value::Int(code % 32)],
                    ordered: false,
                }),
            };
            let mut value = Vec::new();
            msgpack::encode(&payload, &mut value);
            let size = (4 + bin.len() + value.len()) as u32;
            [
                &size.to_be_bytes()[..],
                &[kind, 4, 0, bin.len() as u8],
                bin,
                &value,
            ]
            .concat()
        })
}

/// A write (with read flag and respond-all-ops) of `ops` to one fixed record.
fn operate(ops: &[Vec<u8>]) -> Vec<u8> {
    let fields = [field(0, b"test"), field(1, b"s"), field(4, &[7u8; 20])];
    let mut out = vec![22, 0x01, 0x01 | 0x80, 0, 0, 0];
    out.extend_from_slice(&[0u8; 12]);
    out.extend_from_slice(&(fields.len() as u16).to_be_bytes());
    out.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for part in fields.iter().chain(ops) {
        out.extend_from_slice(part);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn cdt_and_expression_ops_on_existing_bins_get_well_formed_replies(
        ops in vec(data_op(), 1..4),
    ) {
        let (node, state) = cluster();
        let setup = operate(&[
            op_write(b"l", 20, &[0x93, 1, 2, 3]),
            op_write(b"m", 19, &[0x82, 0xa2, 3, b'a', 1, 0xa2, 3, b'b', 2]),
            op_write(b"i", 1, &5i64.to_be_bytes()),
        ]);
        let mut reply = Vec::new();
        respond(Kind::Message, &setup, &node, &state, &mut reply);
        prop_assert_eq!(reply[13], 0, "the record is set up");
        let mut reply = Vec::new();
        respond(Kind::Message, &operate(&ops), &node, &state, &mut reply);
        check_reply(Kind::Message, &reply);
    }

    #[test]
    fn any_proto_header_parses_or_is_refused(bytes in any::<[u8; 8]>()) {
        if let Ok(header) = Header::parse(bytes) {
            prop_assert!(header.body_len <= aerospike_devserver::proto::MAX_BODY_LEN);
        }
    }

    #[test]
    fn arbitrary_bodies_of_every_type_get_well_formed_replies(
        kind in prop_oneof![Just(Kind::Info), Just(Kind::Admin), Just(Kind::Message), Just(Kind::CompressedMessage)],
        body in vec(any::<u8>(), 0..200),
    ) {
        let (node, state) = cluster();
        let mut reply = Vec::new();
        respond(kind, &body, &node, &state, &mut reply);
        check_reply(kind, &reply);
    }

    #[test]
    fn plausible_requests_get_well_formed_replies(requests in vec(plausible_request(), 1..6)) {
        let (node, state) = cluster();
        for body in requests {
            let mut reply = Vec::new();
            respond(Kind::Message, &body, &node, &state, &mut reply);
            check_reply(Kind::Message, &reply);
        }
    }

    #[test]
    fn truncated_and_flipped_requests_get_well_formed_replies(
        body in plausible_request(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        bits in 1u8..=255,
    ) {
        let (node, state) = cluster();
        let mut mutated = body.clone();
        let at = flip.index(mutated.len());
        mutated[at] ^= bits;
        for candidate in [&body[..cut.index(body.len())], &mutated[..]] {
            let mut reply = Vec::new();
            respond(Kind::Message, candidate, &node, &state, &mut reply);
            check_reply(Kind::Message, &reply);
        }
    }

    #[test]
    fn info_requests_answer_one_line_per_command(commands in vec("[a-z/:;=_-]{0,24}", 1..6)) {
        let (node, state) = cluster();
        let body = commands.iter().map(|c| format!("{c}\n")).collect::<String>();
        let mut reply = Vec::new();
        respond(Kind::Info, body.as_bytes(), &node, &state, &mut reply);
        check_reply(Kind::Info, &reply);
        let text = String::from_utf8(reply[8..].to_vec()).unwrap();
        let asked: Vec<&String> = commands.iter().filter(|c| !c.is_empty()).collect();
        if !asked.is_empty() {
            prop_assert_eq!(text.lines().count(), asked.len());
            for (line, command) in text.lines().zip(asked) {
                prop_assert!(line.starts_with(&format!("{command}\t")), "{line:?}");
            }
        }
    }
}
