//! Random and malformed byte streams over real TCP: for each, the server answers with
//! well-formed frames and closes when the client stops sending (never hangs, never panics), and
//! another client keeps being served. Case counts bound the run time.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use aerospike::{as_bin, Bins, ReadPolicy, WritePolicy};
use proptest::collection::vec;
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

/// Longest a connection may stay open after the client has sent everything and shut down.
const CLOSE_WITHIN: Duration = Duration::from_secs(5);

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn harness() -> &'static common::Harness {
    static HARNESS: OnceLock<common::Harness> = OnceLock::new();
    HARNESS.get_or_init(|| runtime().block_on(common::start()))
}

/// One chunk of what a hostile or broken client sends.
fn chunk() -> impl Strategy<Value = Vec<u8>> {
    let header = |kind: u8, len: u64| {
        ((2u64 << 56) | (u64::from(kind) << 48) | len)
            .to_be_bytes()
            .to_vec()
    };
    prop_oneof![
        // Anything at all.
        vec(any::<u8>(), 0..64),
        // A well-framed request of any type with an arbitrary body.
        (1u8..=4, vec(any::<u8>(), 0..96))
            .prop_map(move |(kind, body)| { [header(kind, body.len() as u64), body].concat() }),
        // A frame announcing more (or much more) than it sends.
        (1u8..=4, 1u64..1 << 40, vec(any::<u8>(), 0..32)).prop_map(move |(kind, len, body)| [
            header(kind, len),
            body
        ]
        .concat()),
        // An AS_MSG whose 22-byte header claims fields and ops it does not carry.
        (
            any::<[u8; 4]>(),
            any::<u16>(),
            any::<u16>(),
            vec(any::<u8>(), 0..48)
        )
            .prop_map(move |(info, n_fields, n_ops, rest)| {
                let mut body = vec![22, info[0], info[1], info[2], info[3], 0];
                body.extend_from_slice(&[0; 12]);
                body.extend_from_slice(&n_fields.to_be_bytes());
                body.extend_from_slice(&n_ops.to_be_bytes());
                body.extend_from_slice(&rest);
                [header(3, body.len() as u64), body].concat()
            }),
    ]
}

/// Checks that `bytes` is a sequence of whole, well-formed reply frames.
fn assert_well_formed(bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        assert!(rest.len() >= 8, "a reply ends inside a frame header");
        assert_eq!(rest[0], 2, "reply proto version");
        assert!((1..=3).contains(&rest[1]), "reply proto type {}", rest[1]);
        let mut len = [0u8; 8];
        len[2..].copy_from_slice(&rest[2..8]);
        let len = u64::from_be_bytes(len) as usize;
        assert!(len > 0, "never a zero-length reply");
        assert!(rest.len() >= 8 + len, "a reply ends inside a frame body");
        rest = &rest[8 + len..];
    }
}

async fn send_and_drain(stream: &[Vec<u8>]) -> Vec<u8> {
    let address = harness().cluster.addresses()[0];
    let mut socket = TcpStream::connect(address).await.expect("connects");
    for chunk in stream {
        // The server may close mid-stream: what was sent until then is what counts.
        if socket.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = socket.shutdown().await;
    let mut replies = Vec::new();
    let drained = tokio::time::timeout(CLOSE_WITHIN, socket.read_to_end(&mut replies)).await;
    assert!(drained.is_ok(), "the server kept the connection open");
    replies
}

async fn still_serves_others(i: u64) {
    let h = harness();
    let key = common::unique_key("tcp_fuzz");
    h.client
        .put(&WritePolicy::default(), &key, &[as_bin!("i", i as i64)])
        .await
        .expect("another client's write");
    let record = h
        .client
        .get(&ReadPolicy::default(), &key, Bins::All)
        .await
        .expect("another client's read");
    assert_eq!(record.bins["i"], aerospike::Value::from(i as i64));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_get_whole_replies_or_a_close_and_others_are_still_served(
        stream in vec(chunk(), 1..5),
        i in any::<u32>(),
    ) {
        harness();
        runtime().block_on(async {
            let replies = send_and_drain(&stream).await;
            assert_well_formed(&replies);
            still_serves_others(u64::from(i)).await;
        });
    }
}
