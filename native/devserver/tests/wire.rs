//! Raw-protocol checks for what the official clients never send (they validate client-side),
//! byte-exact replies from the spec's Appendix A, and bad input: the server answers the right
//! result code or closes that one connection, and keeps serving everyone else.

mod common;

use std::time::Duration;

use aerospike::{as_bin, Bins, ReadPolicy, WritePolicy};
use aerospike_devserver::msgpack::MAX_DEPTH;
use aerospike_devserver::{Cluster, ClusterConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DIGEST: [u8; 20] = [
    0xec, 0x91, 0x19, 0x2d, 0x4b, 0x7f, 0x8c, 0xe3, 0x5d, 0x5d, 0x78, 0xd3, 0x4b, 0xca, 0x65, 0xcb,
    0xaa, 0xaa, 0xc9, 0x60,
];

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn frame(kind: u8, body: &[u8]) -> Vec<u8> {
    let header = (2u64 << 56) | (u64::from(kind) << 48) | body.len() as u64;
    [&header.to_be_bytes()[..], body].concat()
}

fn field(kind: u8, data: &[u8]) -> Vec<u8> {
    [&(data.len() as u32 + 1).to_be_bytes()[..], &[kind], data].concat()
}

fn op(kind: u8, particle: u8, name: &[u8], value: &[u8]) -> Vec<u8> {
    let size = (4 + name.len() + value.len()) as u32;
    [
        &size.to_be_bytes()[..],
        &[kind, particle, 0, name.len() as u8],
        name,
        value,
    ]
    .concat()
}

/// An AS_MSG body: header with the given info bytes and TTL, then fields and ops.
fn msg(info: [u8; 4], ttl: u32, fields: &[Vec<u8>], ops: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![22, info[0], info[1], info[2], info[3], 0];
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&1000u32.to_be_bytes());
    out.extend_from_slice(&(fields.len() as u16).to_be_bytes());
    out.extend_from_slice(&(ops.len() as u16).to_be_bytes());
    for part in fields.iter().chain(ops) {
        out.extend_from_slice(part);
    }
    out
}

fn key_fields(namespace: &[u8]) -> Vec<Vec<u8>> {
    vec![field(0, namespace), field(1, b"demo"), field(4, &DIGEST)]
}

const WRITE: [u8; 4] = [0, 1, 0, 0];
const READ_ALL: [u8; 4] = [3, 0, 0, 0];

async fn start() -> (Cluster, TcpStream) {
    let cluster = Cluster::start(ClusterConfig::default()).await.unwrap();
    let stream = TcpStream::connect(cluster.addresses()[0]).await.unwrap();
    (cluster, stream)
}

/// Sends one request frame and reads one reply frame.
async fn call(stream: &mut TcpStream, request: &[u8]) -> (u8, Vec<u8>) {
    stream.write_all(request).await.unwrap();
    let mut header = [0u8; 8];
    stream.read_exact(&mut header).await.unwrap();
    assert_eq!(header[0], 2, "reply version");
    let mut len = [0u8; 8];
    len[2..].copy_from_slice(&header[2..]);
    let mut body = vec![0u8; u64::from_be_bytes(len) as usize];
    stream.read_exact(&mut body).await.unwrap();
    (header[1], body)
}

/// The result code of a single-record reply (type 3, byte 5 of the message header).
async fn rc(stream: &mut TcpStream, body: &[u8]) -> u8 {
    let (kind, reply) = call(stream, &frame(3, body)).await;
    assert_eq!(kind, 3);
    assert!(reply.len() >= 22);
    reply[5]
}

/// Whether the server closed the connection (EOF, or a reset) within a second.
async fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_secs(1), stream.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn appendix_a_put_and_get_replies_are_byte_exact() {
    let (_cluster, mut s) = start().await;
    let put = msg(
        WRITE,
        0,
        &key_fields(b"test"),
        &[op(2, 1, b"a", &1i64.to_be_bytes())],
    );
    let (_, reply) = call(&mut s, &frame(3, &put)).await;
    assert_eq!(
        frame(3, &reply),
        hex("0203000000000016 16 00 00 00 00 00 00000001 00000000 00000000 0000 0000")
    );
    let (_, reply) = call(
        &mut s,
        &frame(3, &msg(READ_ALL, 0, &key_fields(b"test"), &[])),
    )
    .await;
    assert_eq!(
        frame(3, &reply),
        hex(
            "0203000000000027 16000000000000000001000000000000000000000001
             0000000d 01 01 00 01 61 0000000000000001"
        )
    );
}

#[tokio::test]
async fn info_admin_and_compressed_requests_get_their_typed_answers() {
    let (cluster, mut s) = start().await;
    let (kind, body) = call(&mut s, &frame(1, b"build\nnode\nno-such-command\n")).await;
    assert_eq!(kind, 1);
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "build\t8.1.2.0");
    assert!(lines[1].starts_with("node\tBB9"));
    assert_eq!(lines[2], "no-such-command\tERROR:4:unrecognized command");

    let (kind, body) = call(&mut s, &frame(1, b"")).await;
    assert_eq!(kind, 1);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("partition-generation\t"));

    let port = cluster.addresses()[0].port();
    let (_, body) = call(&mut s, &frame(1, b"peers-clear-std\nservice-clear-std\n")).await;
    assert_eq!(
        String::from_utf8(body).unwrap(),
        format!("peers-clear-std\t0,{port},[]\nservice-clear-std\t127.0.0.1:{port}\n")
    );

    let login = [&[0u8, 0, 20, 0][..], &[0u8; 12]].concat();
    let (kind, body) = call(&mut s, &frame(2, &login)).await;
    assert_eq!((kind, body.len(), body[1]), (2, 16, 52));

    let (kind, body) = call(&mut s, &frame(4, &[0u8; 16])).await;
    assert_eq!((kind, body[5]), (3, 25), "compression is Enterprise-only");
}

#[tokio::test]
async fn requests_clients_would_refuse_get_the_server_result_codes() {
    let (_cluster, mut s) = start().await;
    let int_one = 1i64.to_be_bytes();
    let write_a = op(2, 1, b"a", &int_one);
    let writes_a = vec![write_a.clone()];
    // One field declared; only the first bytes of its size are present.
    let mut overrun = msg(WRITE, 0, &[], &[]);
    overrun[19] = 1;
    overrun.extend_from_slice(&[0, 0, 0, 9, 0]);
    let cases: Vec<(&str, Vec<u8>, u8)> = vec![
        (
            "unknown namespace",
            msg(WRITE, 0, &key_fields(b"nope"), &writes_a),
            20,
        ),
        (
            "no namespace",
            msg(WRITE, 0, &[field(4, &DIGEST)], &writes_a),
            20,
        ),
        (
            "short digest",
            msg(
                WRITE,
                0,
                &[field(0, b"test"), field(4, &DIGEST[..10])],
                &writes_a,
            ),
            4,
        ),
        (
            "bin name over 15 bytes",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(2, 1, b"0123456789abcdef", &int_one)],
            ),
            21,
        ),
        (
            "write without ops",
            msg(WRITE, 0, &key_fields(b"test"), &[]),
            4,
        ),
        (
            "unknown op type",
            msg(WRITE, 0, &key_fields(b"test"), &[op(99, 1, b"a", &int_one)]),
            4,
        ),
        (
            "unknown particle type",
            msg(WRITE, 0, &key_fields(b"test"), &[op(2, 99, b"a", b"x")]),
            4,
        ),
        (
            "integer of 3 bytes",
            msg(WRITE, 0, &key_fields(b"test"), &[op(2, 1, b"a", b"xyz")]),
            4,
        ),
        (
            "invalid msgpack list",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(2, 20, b"l", &[0x93, 0x01])],
            ),
            4,
        ),
        (
            "ttl over 10 years",
            msg(WRITE, 315_360_001, &key_fields(b"test"), &writes_a),
            4,
        ),
        (
            "transaction bits",
            msg([0, 1, 0, 0x01], 0, &key_fields(b"test"), &writes_a),
            25,
        ),
        (
            "transaction id field",
            msg(
                WRITE,
                0,
                &[key_fields(b"test"), vec![field(5, &[0; 8])]].concat(),
                &writes_a,
            ),
            25,
        ),
        (
            "read without ops or get-all",
            msg([1, 0, 0, 0], 0, &key_fields(b"test"), &[]),
            4,
        ),
        (
            "neither read nor write",
            msg([0, 0, 0, 0], 0, &key_fields(b"test"), &[]),
            4,
        ),
        (
            "read op in a write without READ",
            msg(WRITE, 0, &key_fields(b"test"), &[op(1, 0, b"a", b"")]),
            4,
        ),
        (
            "truncated CDT payload",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(4, 4, b"l", &[0x92, 0x01])],
            ),
            4,
        ),
        (
            "CDT payload declaring 4 billion elements",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(4, 4, b"l", &[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])],
            ),
            4,
        ),
        (
            "unknown CDT op code",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(4, 4, b"l", &[0x91, 0x7e])],
            ),
            4,
        ),
        (
            "CDT argument of the wrong type",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(4, 4, b"l", &[0x93, 0x03, 0xa2, 0x03, b'x', 0x01])],
            ),
            4,
        ),
        (
            "deeply nested CDT value",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(
                    4,
                    4,
                    b"l",
                    &[[0x92, 0x01].as_slice(), &[0x91; MAX_DEPTH + 1], &[0x01]].concat(),
                )],
            ),
            4,
        ),
        (
            "malformed expression op",
            msg(
                WRITE,
                0,
                &key_fields(b"test"),
                &[op(8, 4, b"e", &[0x92, 0x93, 0x01])],
            ),
            4,
        ),
        (
            "garbage filter expression",
            msg(
                WRITE,
                0,
                &[key_fields(b"test"), vec![field(43, &[0x93, 0x01, 0xc1])]].concat(),
                &writes_a,
            ),
            4,
        ),
        ("fields overrunning the body", overrun, 4),
    ];
    for (what, body, expected) in cases {
        assert_eq!(rc(&mut s, &body).await, expected, "{what}");
    }
    // Integer keys must be 8 bytes.
    let bad_key = msg(
        WRITE,
        0,
        &[key_fields(b"test"), vec![field(2, &[1, 0, 0])]].concat(),
        &writes_a,
    );
    assert_eq!(rc(&mut s, &bad_key).await, 16);
    // The connection still serves valid requests after every refusal.
    assert_eq!(
        rc(&mut s, &msg(WRITE, 0, &key_fields(b"test"), &[write_a])).await,
        0
    );
}

#[tokio::test]
async fn untrustworthy_frames_close_only_their_connection() {
    let cluster = Cluster::start(ClusterConfig::default()).await.unwrap();
    let address = cluster.addresses()[0];
    let client = common::connect(&cluster).await;
    let key = common::unique_key("wire");

    let bad_frames: Vec<(&str, Vec<u8>)> = vec![
        (
            "version 1",
            [&[1u8, 3, 0, 0, 0, 0, 0, 1][..], &[0]].concat(),
        ),
        ("type 0", [&[2u8, 0, 0, 0, 0, 0, 0, 1][..], &[0]].concat()),
        ("type 9", [&[2u8, 9, 0, 0, 0, 0, 0, 1][..], &[0]].concat()),
        ("TLS hello", hex("16030100a5010000a10303")),
        ("over 128 MiB", vec![2, 3, 0, 0, 8, 0, 0, 1]),
        ("garbage", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
    ];
    for (what, bytes) in bad_frames {
        let mut s = TcpStream::connect(address).await.unwrap();
        s.write_all(&bytes).await.unwrap();
        assert!(closed(&mut s).await, "{what} closes the connection");
        client
            .put(&WritePolicy::default(), &key, &[as_bin!("a", 1)])
            .await
            .unwrap_or_else(|e| panic!("others keep working after {what}: {e}"));
    }

    // A frame cut short by the peer: the server waits for the rest, then sees EOF.
    let mut s = TcpStream::connect(address).await.unwrap();
    s.write_all(&[2, 3, 0, 0, 0, 0, 1, 0, 22, 0]).await.unwrap();
    s.shutdown().await.unwrap();
    assert!(closed(&mut s).await);
    // An idle connection stays open.
    let mut idle = TcpStream::connect(address).await.unwrap();
    assert!(!closed(&mut idle).await, "idle sockets are never reaped");
    let (kind, _) = call(&mut idle, &frame(1, b"node\n")).await;
    assert_eq!(kind, 1);

    let record = client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .unwrap();
    assert_eq!(record.generation, 6, "one put per bad frame");
}

/// A BATCH_INDEX request body (info1 BATCH) around `batch` (count, parent flags, rows).
fn batch_msg(batch: &[u8]) -> Vec<u8> {
    msg([0x08, 0, 0, 0], 0, &[field(41, batch)], &[])
}

/// One read-all row of a batch for `digest`.
fn batch_read_row(index: u32, digest: &[u8; 20]) -> Vec<u8> {
    let mut row = index.to_be_bytes().to_vec();
    row.extend_from_slice(digest);
    row.extend_from_slice(&[0, 0x03, 0, 1, 0, 0]);
    row.extend_from_slice(&field(0, b"test"));
    row
}

#[tokio::test]
async fn hostile_batches_answer_parameter_error_in_the_last_marker() {
    let (_cluster, mut stream) = start().await;
    let row = batch_read_row(0, &DIGEST);
    let with_rows = |count: u32, rows: &[u8]| [&count.to_be_bytes()[..], &[0x0c], rows].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no rows", with_rows(0, &[])),
        ("count past the bytes", with_rows(u32::MAX, &row)),
        ("one row short", with_rows(2, &row)),
        (
            "repeat of nothing",
            with_rows(1, &[&[0u8; 24][..], &[1]].concat()),
        ),
        ("truncated row", with_rows(1, &row[..row.len() - 3])),
        (
            "trailing bytes",
            with_rows(1, &[&row[..], &[0xff]].concat()),
        ),
        ("no batch field", Vec::new()),
    ];
    for (what, batch) in cases {
        let body = if batch.is_empty() {
            msg([0x08, 0, 0, 0], 0, &[], &[])
        } else {
            batch_msg(&batch)
        };
        let (kind, reply) = call(&mut stream, &frame(3, &body)).await;
        assert_eq!(
            (kind, reply.len()),
            (3, 22),
            "{what}: one header-only message"
        );
        assert_eq!(reply[3] & 0x01, 0x01, "{what}: LAST marker");
        assert_eq!(reply[5], 4, "{what}: PARAMETER_ERROR");
    }
    // The connection still serves a valid batch: one not-found row, then LAST.
    let (_, reply) = call(&mut stream, &frame(3, &batch_msg(&with_rows(1, &row)))).await;
    assert_eq!(reply.len(), 44);
    assert_eq!(reply[5], 2, "row not found");
    assert_eq!(reply[22 + 3] & 0x01, 0x01, "then LAST");
}

/// A scan request body for namespace `test` with the given extra fields.
fn scan_msg(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut fields = vec![field(0, b"test")];
    fields.extend_from_slice(extra);
    msg([0x01, 0, 0x04, 0], 0, &fields, &[])
}

#[tokio::test]
async fn hostile_scans_answer_parameter_error_before_streaming() {
    let (_cluster, mut stream) = start().await;
    let mut range = vec![1, 1, b'n', 1];
    range.extend_from_slice(&4u32.to_be_bytes());
    range.extend_from_slice(&[0; 4]);
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("odd PID array", vec![field(11, &[1, 0, 2])]),
        ("PID past 4095", vec![field(11, &[0x00, 0x10])]),
        ("duplicate PID", vec![field(11, &[5, 0, 5, 0])]),
        (
            "PID also resumed",
            vec![field(11, &[0xec, 0x01]), field(12, &DIGEST)],
        ),
        ("short digest", vec![field(12, &DIGEST[..19])]),
        (
            "short max records",
            vec![field(11, &[0, 0]), field(13, &[0; 4])],
        ),
        (
            "malformed index range",
            vec![field(11, &[0, 0]), field(22, &range)],
        ),
        (
            "bad filter expression",
            vec![field(11, &[0, 0]), field(43, &[0xc1])],
        ),
    ];
    for (what, extra) in cases {
        let (kind, reply) = call(&mut stream, &frame(3, &scan_msg(&extra))).await;
        assert_eq!(
            (kind, reply.len()),
            (3, 22),
            "{what}: one header-only reply"
        );
        assert_eq!(
            reply[3] & 0x01,
            0,
            "{what}: no LAST marker before the stream"
        );
        assert_eq!(reply[5], 4, "{what}: PARAMETER_ERROR");
    }
    let unknown = msg([0x01, 0, 0x04, 0], 0, &[field(0, b"nope")], &[]);
    assert_eq!(rc(&mut stream, &unknown).await, 20, "unknown namespace");
    // The connection still streams: an empty partition gives only the LAST marker.
    let (_, reply) = call(
        &mut stream,
        &frame(3, &scan_msg(&[field(11, &[0xff, 0x0f])])),
    )
    .await;
    assert_eq!(reply.len(), 22);
    assert_eq!((reply[3], reply[5]), (0x01, 0));
}
